"""Configuration from the web page: pages of generated forms, validated saves applied live, versions.

Every change goes the same way: the current config as plain data, the change merged in, the
whole file validated by the config loader (problems come back keyed by their key path, for the
form to show at the field), stored atomically by `ConfigStore` (the previous ten versions kept)
and handed to `Backplane.apply_config`, which re-plans the engine on the runtime thread: calls
in progress keep their settings, new calls use the new ones.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, get_type_hints

from ruamel.yaml import YAML

from firmware.api.forms import Widget, collect_field, keep_secrets, widget
from firmware.config.model import Config
from firmware.config.schema import ConfigProblems
from firmware.config.store import HEADER, ConfigStore, dump_config
from firmware.contracts.errors import ApiError, ConfigError

# Known pages (in menu order) and the top-level config fields each shows. Any other top-level
# field (features, SIP trunks as they land) gets a page of its own automatically.
PAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("general", ("country", "timezone")),
    ("extensions", ("extensions",)),
    ("ports", ("fxs", "fxo")),
    ("trunks", ("sip", "trunks", "sip_extensions")),
    ("routes", ("routes", "inbound")),
    ("dialling", ("numbering", "calls")),
    ("web", ("web",)),
    ("board", ("board",)),
)


class SaveResult(dict[str, Any]):
    """{"ok": bool, "errors": {key path: message}, "general": [message], "restart": [section]}"""


def config_fields() -> list[str]:
    return [f.name for f in dataclasses.fields(Config) if f.init]


def pages() -> list[tuple[str, list[str]]]:
    """(page name, its top-level fields) for every page that has at least one field on this build."""
    names = config_fields()
    shown: set[str] = set()
    out: list[tuple[str, list[str]]] = []
    for page, fields in PAGES:
        present = [f for f in fields if f in names]
        shown.update(fields)
        if present:
            out.append((page, present))
    out += [(name, [name]) for name in names if name not in shown]
    return out


def problems_by_path(exc: ConfigProblems | ConfigError) -> tuple[dict[str, str], list[str]]:
    errors: dict[str, str] = {}
    general: list[str] = []
    items = exc.problems if isinstance(exc, ConfigProblems) else []
    if not items:
        general.append(str(exc))
    for p in items:
        if p.path:
            errors.setdefault(p.path, p.message)
        else:
            general.append(p.message)
    return errors, general


class ConfigService:
    def __init__(self, path: Path, current: Callable[[], Config], apply: Callable[[Config], dict[str, Any]]) -> None:
        self.store = ConfigStore(path)
        self._current = current
        self._apply = apply

    # --- reading --------------------------------------------------------------------------
    def current(self) -> Config:
        return self._current()

    def plain(self) -> dict[str, Any]:
        data = YAML(typ="safe").load(dump_config(self.current()))
        return dict(data or {})

    def effective(self, cfg: Config, name: str) -> Any:
        """What the page shows for a field: derived defaults made explicit (extensions, ports)."""
        if name == "extensions":
            return cfg.extension_list()
        if name == "fxs":
            return [cfg.fxs_port(p) for p in cfg.ports_of("fxs")]
        if name == "fxo":
            return [cfg.fxo_port(p) for p in cfg.ports_of("fxo")]
        return getattr(cfg, name)

    def form(self, page: str) -> list[Widget]:
        fields = dict(pages()).get(page)
        if fields is None:
            raise ApiError(f"no configuration page {page!r}")
        cfg = self.current()
        hints = get_type_hints(Config)
        meta = {f.name: f.metadata for f in dataclasses.fields(Config)}
        return [widget(name, hints[name], self.effective(cfg, name), name, meta[name]) for name in fields]

    def download(self) -> str:
        path = self.store.path
        return path.read_text(encoding="utf-8") if path.exists() else dump_config(self.current())

    def versions(self) -> list[dict[str, Any]]:
        return [{"name": p.name, "size": p.stat().st_size, "mtime": p.stat().st_mtime} for p in self.store.versions()]

    # --- writing --------------------------------------------------------------------------
    def submit(self, page: str, form: Mapping[str, str]) -> SaveResult:
        fields = dict(pages()).get(page)
        if fields is None:
            raise ApiError(f"no configuration page {page!r}")
        hints = get_type_hints(Config)

        def change(data: dict[str, Any]) -> None:
            for name in fields:
                value = collect_field(hints[name], form, name)
                if value is None:
                    data.pop(name, None)
                else:
                    data[name] = keep_secrets(value, data.get(name), name)
        return self.update(change)

    def update(self, change: Callable[[dict[str, Any]], None]) -> SaveResult:
        """Apply `change` to the config as plain data, validate, store and apply it."""
        data = self.plain()
        change(data)
        buf = io.StringIO()
        yaml = YAML()
        yaml.default_flow_style = False
        yaml.dump(data, buf)
        return self.save_text(HEADER + buf.getvalue())

    def save_text(self, text: str) -> SaveResult:
        try:
            cfg = self.store.save(text)
        except (ConfigProblems, ConfigError) as exc:
            errors, general = problems_by_path(exc)
            return SaveResult(ok=False, errors=errors, general=general, restart=[])
        except OSError as exc:
            return SaveResult(ok=False, errors={}, general=[f"could not store the configuration: {exc}"], restart=[])
        applied = self._apply(cfg)
        return SaveResult(ok=True, errors={}, general=[], restart=list(applied.get("restart", [])))

    def restore(self, name: str) -> SaveResult:
        try:
            cfg = self.store.restore(name)
        except (ConfigProblems, ConfigError) as exc:
            errors, general = problems_by_path(exc)
            return SaveResult(ok=False, errors=errors, general=general, restart=[])
        applied = self._apply(cfg)
        return SaveResult(ok=True, errors={}, general=[], restart=list(applied.get("restart", [])))
