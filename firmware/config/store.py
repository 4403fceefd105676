"""Config file storage: validated load, atomic save (temp + fsync + rename), previous versions kept.

A power cut at any point of `save` leaves either the old or the new file in place, never a
mix: the new text goes to a temporary file in the same directory, is fsync'ed, renamed over
the old name (atomic on POSIX file systems) and the directory is fsync'ed. Before the
rename the previous file is hard-linked into `versions/` so the last `keep` versions can be
restored.
"""

from __future__ import annotations

import dataclasses
import enum
import io
import os
import re
import time
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from firmware.config.migrate import migrate_text, version_line
from firmware.config.model import Config
from firmware.config.schema import load
from firmware.contracts.errors import ConfigError

HEADER = "# pbx configuration (pbxd). Keys and allowed values: `pbxd --explain`.\n"


def parse_config(text: str, source: str = "<config>") -> Config:
    """Validate YAML text (migrated from an older schema version first); raises ConfigProblems naming key path
    and line of every problem."""
    return load(Config, migrate_text(text, source), source)


def load_config(path: str | Path | None) -> Config:
    """Load and validate a config file; no path means the built-in defaults (virtual board)."""
    if path is None:
        return Config()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {p}", source=str(p)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start})", source=str(p)) from exc
    return parse_config(text, str(p))


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if getattr(value, f.name) is not None}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def dump_config(cfg: Config) -> str:
    """The config as YAML text that `parse_config` reads back to an equal Config."""
    yaml = YAML()
    yaml.default_flow_style = False
    buf = io.StringIO()
    yaml.dump(_plain(cfg), buf)
    return HEADER + version_line() + buf.getvalue()


def atomic_write(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a crash leaves the old or the new content."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        data = text.encode("utf-8")
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ConfigStore:
    """One config file plus its `versions/` directory."""

    def __init__(self, path: str | Path, *, keep: int = 10) -> None:
        self.path = Path(path)
        self.keep = keep
        self.versions_dir = self.path.parent / "versions"

    def load(self) -> Config:
        return load_config(self.path) if self.path.exists() else Config()

    def save(self, cfg: Config | str) -> Config:
        """Validate and store; the previous file becomes a version. Returns the stored Config."""
        text = cfg if isinstance(cfg, str) else dump_config(cfg)
        parsed = parse_config(text, str(self.path))
        if self.path.exists():
            self.versions_dir.mkdir(parents=True, exist_ok=True)
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
            n = max((_version_key(v)[1] for v in self.versions()), default=-1) + 1
            target = self.versions_dir / f"{stamp}-{n:04d}.yaml"
            os.link(self.path, target)
            _fsync_dir(self.versions_dir)
        atomic_write(self.path, text)
        self._prune()
        return parsed

    def versions(self) -> list[Path]:
        """Previous versions, newest first."""
        if not self.versions_dir.is_dir():
            return []
        return sorted(self.versions_dir.glob("*.yaml"), key=_version_key, reverse=True)

    def restore(self, name: str) -> Config:
        """Make version `name` (a file name from `versions()`) current again."""
        if not re.fullmatch(r"[0-9T]+-\d{4}\.yaml", name):
            raise ConfigError(f"no such config version: {name!r}")
        source = self.versions_dir / name
        if not source.is_file():
            raise ConfigError(f"no such config version: {name!r}")
        return self.save(source.read_text(encoding="utf-8"))

    def _prune(self) -> None:
        for old in self.versions()[self.keep:]:
            old.unlink(missing_ok=True)


def _version_key(p: Path) -> tuple[str, int]:
    stamp, _, n = p.stem.partition("-")
    return stamp, int(n) if n.isdigit() else 0
