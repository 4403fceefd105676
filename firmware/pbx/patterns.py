"""Dial patterns in Asterisk extension-pattern notation (X, Z, N, [1-5], trailing . and !).

A pattern is a sequence of digit classes with an optional open tail, matched against the digits
dialled so far. The leading "_" that Asterisk needs to mark a pattern is accepted and ignored:
route patterns are always patterns, and literal digits match themselves.

    X = 0-9   Z = 1-9   N = 2-9   [15-7] = a set   * # = themselves
    .  (last) one or more further characters      !  (last) zero or more further characters
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from firmware.config.dialplan import PATTERN_SYNTAX

SYNTAX = PATTERN_SYNTAX
_CLASSES = {"X": "0123456789", "Z": "123456789", "N": "23456789"}
_ANY = "0123456789*#"


class Fit(enum.Enum):
    """How a dialled prefix fits a pattern (Asterisk: match / matchmore / canmatch)."""

    NO = "no"                      # cannot match, whatever comes next
    MORE = "more"                  # a prefix: needs more digits
    FULL = "full"                  # matches; no longer string can match
    FULL_OR_MORE = "full_or_more"  # matches, and longer strings match too


def _expand_set(body: str) -> str:
    out = ""
    for lo, hi in re.findall(r"([0-9])(?:-([0-9]))?", body):
        top = hi or lo
        if top < lo:
            raise ValueError(f"bad range {lo}-{hi} in [{body}]")
        out += "".join(chr(c) for c in range(ord(lo), ord(top) + 1))
    return out


@dataclass(frozen=True)
class Pattern:
    text: str
    classes: tuple[str, ...]
    tail: str  # "", "." or "!"

    @classmethod
    def parse(cls, text: str) -> Pattern:
        if not re.fullmatch(SYNTAX, text):
            raise ValueError(f"{text!r} is not a dial pattern (digits, X, Z, N, [1-5], ending . or !)")
        body = text[1:] if text.startswith("_") else text
        tail = body[-1] if body and body[-1] in ".!" else ""
        body = body[:-1] if tail else body
        classes: list[str] = []
        for token in re.findall(r"\[[^\]]*\]|.", body):
            if token.startswith("["):
                classes.append(_expand_set(token[1:-1]))
            else:
                classes.append(_CLASSES.get(token.upper(), token))
        return cls(text, tuple(classes), tail)

    @property
    def literal_prefix(self) -> str:
        """The fixed leading digits ("_0049X." -> "0049")."""
        out = ""
        for c in self.classes:
            if len(c) != 1:
                break
            out += c
        return out

    def fit(self, digits: str) -> Fit:
        n = len(self.classes)
        for i, ch in enumerate(digits):
            allowed = self.classes[i] if i < n else (_ANY if self.tail else "")
            if ch not in allowed:
                return Fit.NO
        if len(digits) < n:
            return Fit.MORE
        if len(digits) == n:
            return {"": Fit.FULL, ".": Fit.MORE, "!": Fit.FULL_OR_MORE}[self.tail]
        return Fit.FULL_OR_MORE

    def matches(self, digits: str) -> bool:
        return self.fit(digits) in (Fit.FULL, Fit.FULL_OR_MORE)


def literal_fit(literal: str, digits: str) -> Fit:
    """A fixed number as a pattern: FULL when equal, MORE while a proper prefix."""
    if digits == literal:
        return Fit.FULL
    return Fit.MORE if literal.startswith(digits) else Fit.NO
