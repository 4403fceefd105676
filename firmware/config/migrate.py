"""Config schema versions: a `version:` key at the top of pbx.yaml and one migration function per step.

A file without the key is version 1 (every file written before versioning). Loading runs the
migrations from the file's version up to `CURRENT_VERSION` on the YAML tree (comments kept) before the
typed loader sees it, so a box updated to new firmware, or a backup made by any earlier version, loads
with its settings carried forward. A file from a newer firmware is refused with a clear message (an
older firmware cannot know what the new keys mean). A current file keeps its line numbers: the
`version:` line is blanked, not removed, so errors still name the right line.

Adding a version: bump CURRENT_VERSION, add `MIGRATIONS[old] = function(tree) -> None` that edits the
CommentedMap in place, and a test with a file of the old version.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from firmware.contracts.errors import ConfigError

CURRENT_VERSION = 2
VERSION_KEY = "version"

Migration = Callable[[CommentedMap], None]


def _v1_to_v2(tree: CommentedMap) -> None:
    """v2: an FXO echo canceller tail is 32, 64 or 128 ms (v1 allowed any 8-128): round up to the next one."""
    for port in tree.get("fxo") or []:
        if isinstance(port, dict) and isinstance(port.get("echo_tail_ms"), int):
            tail = port["echo_tail_ms"]
            port["echo_tail_ms"] = 32 if tail <= 32 else 64 if tail <= 64 else 128


MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2}


def file_version(tree: Any, source: str = "") -> int:
    """The schema version a parsed file declares (1 without the key)."""
    if not isinstance(tree, dict) or VERSION_KEY not in tree:
        return 1
    value = tree[VERSION_KEY]
    line = _key_line(tree)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"version: must be a whole number >= 1, not {value!r}", path=VERSION_KEY, line=line,
                          source=source)
    if value > CURRENT_VERSION:
        raise ConfigError(f"version {value} was written by newer firmware; this firmware reads versions up to "
                          f"{CURRENT_VERSION} (update the firmware, or restore a backup made by this version)",
                          path=VERSION_KEY, line=line, source=source)
    return value


def _key_line(tree: Any) -> int | None:
    try:
        return int(tree.lc.key(VERSION_KEY)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return None


def _load(text: str) -> Any:
    try:
        return YAML(typ="rt").load(text)
    except YAMLError:
        return None             # the typed loader reports the syntax error with its line


def migrate_text(text: str, source: str = "") -> str:
    """The text as the current schema's loader reads it: migrated if older, without the `version:` key.

    When the migrations change nothing (the usual case) the text is returned as it was, the `version:`
    line blanked, so every line number the loader reports is the file's own."""
    tree = _load(text)
    if not isinstance(tree, CommentedMap):
        return text
    version = file_version(tree, source)
    before = _plain(tree)
    for step in range(version, CURRENT_VERSION):
        MIGRATIONS[step](tree)
    if _plain(tree) == before:
        return _blank_version_line(text, tree)
    tree.pop(VERSION_KEY, None)
    return _dump(tree)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def upgrade_text(text: str, source: str = "") -> str:
    """The file's text at the current version, with its `version:` key (what a restore or migration writes)."""
    tree = _load(text)
    if not isinstance(tree, CommentedMap):
        return text
    version = file_version(tree, source)
    for step in range(version, CURRENT_VERSION):
        MIGRATIONS[step](tree)
    tree.pop(VERSION_KEY, None)
    tree.insert(0, VERSION_KEY, CURRENT_VERSION)
    return _dump(tree)


def version_line() -> str:
    return f"{VERSION_KEY}: {CURRENT_VERSION}\n"


def _blank_version_line(text: str, tree: CommentedMap) -> str:
    line = _key_line(tree)
    if line is None:
        return text
    lines = text.splitlines(keepends=True)
    row = lines[line - 1]
    if not row.lstrip().startswith(f"{VERSION_KEY}:"):
        return text
    lines[line - 1] = "\n" if row.endswith("\n") else ""
    return "".join(lines)


def _dump(tree: CommentedMap) -> str:
    yaml = YAML(typ="rt")
    buf = io.StringIO()
    yaml.dump(tree, buf)
    return buf.getvalue()
