"""Web forms generated from the config dataclasses: field widgets from type hints and metadata, and back.

`describe(cls, value, path)` walks a config dataclass and returns one `Widget` per field (doc,
min/max, pattern, choices, Literal values, bool, lists), named by the config key path
(`routes[1].pattern`) so that the config loader's problems land on the right input.
`collect(cls, form, path)` turns posted form values back into plain data for the loader: numbers
that do not parse stay text, so the loader reports them with their key path like a bad file.
A new config section (a feature, SIP) gets a working page without any code here.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union, get_args, get_origin, get_type_hints

SECRET = re.compile(r"password|secret")   # never sent to the browser; empty input keeps the stored value
EMPTY_ROW = "__new"
DELETE = "__delete"


@dataclass
class Widget:
    """One form input (or a nested group/table of them)."""

    name: str                       # field name
    path: str                       # config key path = the input's name
    kind: str                       # text, int, float, bool, choice, multi, list, group, table
    doc: str = ""
    value: Any = None               # current value (str for text-like inputs)
    optional: bool = False          # empty = the default / None
    required: bool = False
    minimum: Any = None
    maximum: Any = None
    pattern: str = ""
    choices: tuple[str, ...] = ()
    children: list[Widget] = field(default_factory=list)         # group: its fields
    rows: list[list[Widget]] = field(default_factory=list)       # table: one widget list per item
    columns: list[str] = field(default_factory=list)             # table: field names


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(get_args(tp)) == 2:
            return args[0], True
    return tp, False


def _is_dataclass_type(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(getattr(value, "value", value))


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def widget(name: str, tp: Any, value: Any, path: str, meta: Mapping[str, Any], required: bool = False) -> Widget:
    """The widget for one field of type `tp` holding `value`."""
    tp, optional = _unwrap_optional(tp)
    base = Widget(name, path, "text", str(meta.get("doc", "")), optional=optional, required=required,
                  minimum=meta.get("min"), maximum=meta.get("max"), pattern=str(meta.get("pattern", "")))
    origin = get_origin(tp)
    if _is_dataclass_type(tp):
        base.kind, base.children = "group", describe(tp, value, path)
        return base
    if origin in (list, tuple):
        item = get_args(tp)[0] if get_args(tp) else str
        if _is_dataclass_type(item):
            base.kind = "table"
            base.columns = [f.name for f in dataclasses.fields(typing.cast(type, item)) if f.init]
            items = list(value or [])
            base.rows = [describe(item, v, join(path, i)) for i, v in enumerate(items)]
            base.rows.append(describe(item, None, join(path, len(items))))
            return base
        if get_origin(item) is typing.Literal:
            base.kind, base.choices = "multi", tuple(str(a) for a in get_args(item))
            base.value = [_text(v) for v in value or []]
            return base
        base.kind, base.value = "list", _text(value)
        return base
    if origin is typing.Literal:
        base.kind, base.choices, base.value = "choice", tuple(str(a) for a in get_args(tp)), _text(value)
        return base
    if tp is bool:
        base.kind, base.value = "bool", bool(value)
        return base
    if meta.get("choices"):
        base.kind, base.choices, base.value = "choice", tuple(str(c) for c in meta["choices"]), _text(value)
        return base
    base.kind = {int: "int", float: "float"}.get(tp, "text")
    base.value = _text(value)
    if tp is str and SECRET.search(name):
        base.kind, base.value, base.doc = "secret", "", base.doc + (" (set; left empty = unchanged)" if value else "")
    return base


def describe(cls: type, value: Any, path: str = "") -> list[Widget]:
    """One widget per init field of dataclass `cls`; `value` an instance (None = a blank new item)."""
    hints = get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if value is not None:
            current = getattr(value, f.name)
        elif f.default is not dataclasses.MISSING:
            current = f.default
        elif f.default_factory is not dataclasses.MISSING:
            current = f.default_factory()
        else:
            current = None
        out.append(widget(f.name, hints[f.name], current, join(path, f.name), f.metadata, required))
    return out


# --- posted form -> plain data for the config loader ---------------------------------------
def _number(text: str, kind: type) -> Any:
    try:
        return kind(text)
    except ValueError:
        return text  # the loader reports it ("must be a whole number, not ...") at its key path


def _rows(form: Mapping[str, str], path: str) -> list[int]:
    pattern = re.compile(re.escape(path) + r"\[(\d+)\]\.")
    return sorted({int(m.group(1)) for key in form if (m := pattern.match(key))})


def collect(cls: type, form: Mapping[str, str], path: str = "") -> dict[str, Any]:
    """Plain data for dataclass `cls` from the posted inputs under `path`; empty optional inputs
    are left out (the default applies), unticked checkboxes are false."""
    hints = get_type_hints(cls)
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.init:
            value = collect_field(hints[f.name], form, join(path, f.name))
            if value is not None:
                out[f.name] = value
    return out


def collect_field(tp: Any, form: Mapping[str, str], path: str) -> Any:
    tp, optional = _unwrap_optional(tp)
    origin = get_origin(tp)
    if _is_dataclass_type(tp):
        return collect(tp, form, path)
    if origin in (list, tuple):
        item = get_args(tp)[0] if get_args(tp) else str
        if _is_dataclass_type(item):
            rows = []
            for i in _rows(form, path):
                prefix = join(path, i)
                if form.get(f"{prefix}.{DELETE}"):
                    continue
                if form.get(f"{prefix}.{EMPTY_ROW}") and not typed_into(item, form, prefix):
                    continue  # the blank "add a row" line left empty
                rows.append(collect(item, form, prefix))
            return rows
        if get_origin(item) is typing.Literal:
            return [v for v in _getall(form, path)]
        text = form.get(path, "")
        if not text.strip() and optional:
            return None
        return [part.strip() for part in text.split(",") if part.strip()]
    if tp is bool:
        return bool(form.get(path))
    raw = form.get(path)
    if raw is None:
        return None
    text = raw.strip()
    if text == "" and (optional or tp in (int, float)):
        return None
    if tp is int and origin is None:
        return _number(text, int)
    if tp is float:
        return _number(text, float)
    return text


def typed_into(cls: type, form: Mapping[str, str], prefix: str) -> bool:
    """Whether anything was typed into the text inputs of a blank row (selects and boxes have defaults)."""
    typed = ("text", "int", "float", "list", "secret")
    return any(form.get(w.path, "").strip() not in ("", str(w.value or ""))
               for w in describe(cls, None, prefix) if w.kind in typed)


def keep_secrets(new: Any, old: Any, key: str = "") -> Any:
    """`new` with every empty secret field (see SECRET) replaced by its value in `old`."""
    if isinstance(new, dict) and isinstance(old, dict):
        return {k: keep_secrets(v, old.get(k), k) for k, v in new.items()}
    if isinstance(new, list) and isinstance(old, list):
        return [keep_secrets(v, old[i] if i < len(old) else None, key) for i, v in enumerate(new)]
    if new in ("", None) and isinstance(old, str) and old and SECRET.search(key):
        return old
    return new


def _getall(form: Mapping[str, str], path: str) -> list[str]:
    getall = getattr(form, "getall", None)
    if callable(getall):
        return [str(v) for v in getall(path)]
    value = form.get(path)
    return [value] if value else []
