"""Typed config loading: YAML node tree -> dataclasses, every error with its key path and line.

The file is parsed with ruamel.yaml's composer (YAML 1.2), so every value keeps its
original text and position: "0049" stays "0049" in a text field, and an error says
`ports[2].extension (line 14): must be 2-6 digits`. Dataclass fields declare their type
with annotations and their limits in `field(metadata=...)`:

    doc      one line shown by `pbxd --explain` and the web forms
    min/max  numeric range (inclusive)
    pattern  regular expression a text must match fully
    choices  allowed texts
A dataclass may define `check(self) -> list[tuple[str, str]]` for cross-field rules,
returning (relative key path, message) pairs.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import re
import types
import typing
from collections.abc import Iterator
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from firmware.contracts.errors import ConfigError

T = TypeVar("T")

_TRUE = {"true", "yes", "on"}
_FALSE = {"false", "no", "off"}
_NULL = {"", "~", "null"}


@dataclasses.dataclass
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.path or '<top>'}{where}: {self.message}"


class ConfigProblems(ConfigError):
    """Several problems in one file; `problems` lists them all, the message shows the first."""

    def __init__(self, problems: list[Problem], source: str = "") -> None:
        problems = sorted(problems, key=lambda p: p.line or 0)
        self.problems = problems
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first.message + more, path=first.path, line=first.line, source=source)

    def report(self) -> str:
        src = f"{self.source}: " if self.source else ""
        return "\n".join(f"{src}{p}" for p in self.problems)


def _line(node: Node | None) -> int | None:
    mark = getattr(node, "start_mark", None)
    return None if mark is None else int(mark.line) + 1


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Loader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, path: str, node: Node | None, message: str) -> None:
        self.problems.append(Problem(path, _line(node), message))

    # --- dispatch by annotation -------------------------------------------------------------
    def value(self, tp: Any, node: Node, path: str, meta: typing.Mapping[str, Any]) -> Any:
        origin = get_origin(tp)
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if (isinstance(node, ScalarNode) and node.style is None and node.value.lower() in _NULL
                    and type(None) in get_args(tp)):
                return None
            if len(args) == 1:
                return self.value(args[0], node, path, meta)
            return self.value(args[0], node, path, meta)
        if origin is typing.Literal:
            return self.literal(get_args(tp), node, path)
        if origin in (list, tuple):
            return self.sequence(tp, node, path, meta)
        if origin is dict:
            return self.mapping(get_args(tp)[1], node, path, meta)
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            return self.dataclass(tp, node, path)
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return self.enumeration(tp, node, path)
        return self.scalar(tp, node, path, meta)

    def scalar(self, tp: Any, node: Node, path: str, meta: typing.Mapping[str, Any]) -> Any:
        if not isinstance(node, ScalarNode):
            self.fail(path, node, f"must be a single {_type_name(tp)}, not a {_node_kind(node)}")
            return None
        text = node.value
        try:
            if tp is bool:
                low = text.lower()
                if low in _TRUE:
                    return True
                if low in _FALSE:
                    return False
                raise ValueError("must be true or false")
            if tp is int:
                if node.style is not None or not re.fullmatch(r"[-+]?\d+", text):
                    raise ValueError(f"must be a whole number, not {text!r}")
                result: Any = int(text)
            elif tp is float:
                if node.style is not None:
                    raise ValueError(f"must be a number, not the text {text!r}")
                result = float(text)
            elif tp is str:
                result = text
            else:
                raise TypeError(f"unsupported config type {tp!r}")
        except ValueError as exc:
            msg = str(exc)
            if "could not convert" in msg:
                msg = f"must be a number, not {text!r}"
            self.fail(path, node, msg)
            return None
        return self.limits(result, node, path, meta)

    def limits(self, value: Any, node: Node, path: str, meta: typing.Mapping[str, Any]) -> Any:
        lo, hi = meta.get("min"), meta.get("max")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            if hi is None:
                self.fail(path, node, f"{value} is below the minimum {lo}")
            elif lo is None:
                self.fail(path, node, f"{value} is above the maximum {hi}")
            else:
                self.fail(path, node, f"{value} is outside {lo}..{hi}")
        pattern = meta.get("pattern")
        if pattern and isinstance(value, str) and not re.fullmatch(pattern, value):
            self.fail(path, node, meta.get("pattern_doc", f"{value!r} does not match {pattern}"))
        choices = meta.get("choices")
        if choices and value not in choices:
            self.fail(path, node, f"{value!r} is not one of {', '.join(map(str, choices))}")
        return value

    def literal(self, allowed: tuple[Any, ...], node: Node, path: str) -> Any:
        if isinstance(node, ScalarNode):
            for a in allowed:
                if str(a).lower() == node.value.lower():
                    return a
        shown = node.value if isinstance(node, ScalarNode) else _node_kind(node)
        self.fail(path, node, f"{shown!r} is not one of {', '.join(map(str, allowed))}")
        return allowed[0]

    def enumeration(self, tp: type[enum.Enum], node: Node, path: str) -> Any:
        if isinstance(node, ScalarNode):
            for member in tp:
                if str(member.value).lower() == node.value.lower():
                    return member
        values = [str(m.value) for m in tp]
        shown = node.value if isinstance(node, ScalarNode) else _node_kind(node)
        self.fail(path, node, f"{shown!r} is not one of {', '.join(values)}")
        return next(iter(tp))

    def sequence(self, tp: Any, node: Node, path: str, meta: typing.Mapping[str, Any]) -> Any:
        if not isinstance(node, SequenceNode):
            self.fail(path, node, f"must be a list, not a {_node_kind(node)}")
            return [] if get_origin(tp) is list else ()
        args = get_args(tp)
        item_tp = args[0] if args else str
        loaded = [self.value(item_tp, child, _join(path, i), {}) for i, child in enumerate(node.value)]
        items = [item for item in loaded if item is not None]  # failed items are already reported
        return items if get_origin(tp) is list else tuple(items)

    def mapping(self, item_tp: Any, node: Node, path: str, meta: typing.Mapping[str, Any]) -> Any:
        if not isinstance(node, MappingNode):
            self.fail(path, node, f"must be a mapping of names to values, not a {_node_kind(node)}")
            return {}
        out: dict[str, Any] = {}
        for key_node, child in node.value:
            key = key_node.value
            if key in out:
                self.fail(_join(path, key), key_node, "appears twice")
            out[key] = self.value(item_tp, child, _join(path, key), {})
        return out

    def dataclass(self, cls: type, node: Node, path: str) -> Any:
        if isinstance(node, ScalarNode) and node.style is None and node.value.lower() in _NULL:
            node = MappingNode("tag:yaml.org,2002:map", [], node.start_mark, node.end_mark)
        if not isinstance(node, MappingNode):
            self.fail(path, node, f"must be a section of keys, not a {_node_kind(node)}")
            return cls()
        fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
        hints = get_type_hints(cls)
        failed: set[str] = set()
        kwargs: dict[str, Any] = {}
        seen: dict[str, Node] = {}
        for key_node, child in node.value:
            key = str(key_node.value)
            kpath = _join(path, key)
            if key in seen:
                self.fail(kpath, key_node, f"appears twice (first on line {_line(seen[key])})")
                continue
            seen[key] = key_node
            f = fields.get(key)
            if f is None:
                close = difflib.get_close_matches(key, list(fields), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                known = ", ".join(fields)
                self.fail(kpath, key_node, f"unknown key {key!r}{hint}; known keys here: {known}")
                continue
            before = len(self.problems)
            kwargs[key] = self.value(hints[key], child, kpath, f.metadata)
            if len(self.problems) > before and kwargs[key] is None:
                failed.add(key)
        for name, f in fields.items():
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            if required and name not in kwargs:
                self.fail(_join(path, name), node, f"missing required key {name!r}")
                failed.add(name)
        if failed:
            return None
        try:
            obj = cls(**{k: v for k, v in kwargs.items() if v is not None or _optional(hints[k])})
        except (TypeError, ValueError) as exc:
            self.fail(path, node, str(exc))
            return None
        check = getattr(obj, "check", None)
        if callable(check):
            for rel, message in check():
                self.fail(_join(path, rel) if rel else path, _find(node, rel), message)
        return obj


def _optional(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType) and type(None) in get_args(tp)


def _find(node: Node, rel: str) -> Node:
    """The node at a relative key path like "modules[2].cs", or the deepest existing parent."""
    current: Node = node
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", rel):
        nxt: Node | None = None
        if part.startswith("["):
            index = int(part[1:-1])
            if isinstance(current, SequenceNode) and index < len(current.value):
                nxt = current.value[index]
        elif isinstance(current, MappingNode):
            nxt = next((v for k, v in current.value if k.value == part), None)
        if nxt is None:
            return current
        current = nxt
    return current


def _type_name(tp: Any) -> str:
    return {bool: "true/false", int: "whole number", float: "number", str: "text"}.get(tp, "value")


def _node_kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "section of keys"
    if isinstance(node, SequenceNode):
        return "list"
    return "single value"


def compose(text: str, source: str = "") -> Node | None:
    """Parse YAML text into a node tree; a syntax error becomes a ConfigError with its line."""
    try:
        return YAML(typ="rt").compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"not valid YAML: {problem}", line=line, source=source) from exc


def load(cls: type[T], text: str, source: str = "") -> T:
    """Load `text` into dataclass `cls`, raising ConfigProblems listing every problem."""
    node = compose(text, source)
    if node is None:
        node = MappingNode("tag:yaml.org,2002:map", [], None, None)
    loader = _Loader()
    result = loader.dataclass(cls, node, "")
    if loader.problems:
        raise ConfigProblems(loader.problems, source)
    return typing.cast(T, result)


def field_docs(cls: type, prefix: str = "") -> Iterator[tuple[str, str, Any]]:
    """(key path, doc, default) for every documented field, depth first (for --explain)."""
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        path = _join(prefix, f.name)
        tp = hints[f.name]
        default: Any = f.default if f.default is not dataclasses.MISSING else None
        yield path, str(f.metadata.get("doc", "")), default
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            yield from field_docs(tp, path)
