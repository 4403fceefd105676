"""Helpers for feature scenarios on the fake clock: calls between handsets, flashes, line calls."""

from __future__ import annotations

from collections.abc import Iterable

from firmware.contracts.callerid import CallerId
from firmware.contracts.ports import HookFlash, LineCallerId, LineRingStart
from firmware.pbx.commands import CdrRecord, Command, PlayMusic, PlayTone
from tests.pbx.rig import Rig

EXT = {1: "201", 2: "202", 3: "203", 4: "204"}


def talk(rig: Rig, a: int, b: int) -> None:
    """Handset `a` calls handset `b`, which answers."""
    rig.off_hook(a)
    rig.dial(a, EXT[b])
    rig.advance(1)
    rig.off_hook(b)


def flash(rig: Rig, port: int) -> list[Command]:
    return rig.ev(HookFlash, port, duration_ms=120)


def incoming(rig: Rig, port: int = 5, number: str = "030123456", name: str = "Muster") -> list[Command]:
    """An incoming line call with caller ID before the first ring (rings its destination at once)."""
    out = rig.ev(LineCallerId, port, caller_id=CallerId(number=number or None, name=name or None))
    out += rig.ev(LineRingStart, port)
    return out


def tone(commands: Iterable[object], leg: str) -> str | None:
    """The role name of the last tone played to `leg`, by its spec name suffix."""
    found = None
    for c in commands:
        if isinstance(c, PlayTone) and c.leg == leg:
            found = c.spec.name.rsplit(".", 1)[-1]
    return found


def music(commands: Iterable[object], leg: str) -> bool:
    return any(isinstance(c, PlayMusic) and c.leg == leg for c in commands)


def cdr_of(rig: Rig, call_id: int) -> CdrRecord:
    return next(c for c in rig.cdrs() if c.call_id == call_id)


def linked(commands: Iterable[object], a: str, b: str) -> bool:
    """`a` and `b` were connected (either order)."""
    from firmware.pbx.commands import Connect
    return Connect(a, b) in commands or Connect(b, a) in commands  # type: ignore[operator]
