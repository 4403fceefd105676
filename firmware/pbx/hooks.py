"""Extension points for feature packages (firmware/pbx/features/<name>/): hook-flash handlers,
feature-code handlers and destination resolvers, registered on `Engine.hooks`; and `Flow`, the
base of call flows (what happens to a call when one of its legs reports something: one flow per
kind of call - internal, outbound, inbound - and packages add theirs: ring group, park, ...).

A feature package keeps its own state machine and calls back into the engine core (legs, calls,
tones, timers). Handlers run inside `Engine.handle`/`tick`, so they are sans-IO as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from firmware.contracts.errors import PbxError
from firmware.pbx.commands import Direction
from firmware.pbx.numbering import FeatureTarget
from firmware.pbx.state import Call, FxoLeg, FxsLeg

if TYPE_CHECKING:
    from firmware.pbx.core import Core


class FlashHandler(Protocol):
    """A hook flash on an off-hook handset (in a call or hearing the exchange). Return True if
    handled; handlers are asked in registration order (transfer, call waiting, conference ...)."""

    def __call__(self, core: Core, leg: FxsLeg, call: Call | None, now: float) -> bool: ...


class FeatureHandler(Protocol):
    """A feature code was dialled; the leg is in `collecting` and the handler must move it on
    (NUMBER_COMPLETE to routing, or FAIL with a tone)."""

    def __call__(self, core: Core, leg: FxsLeg, target: FeatureTarget, now: float) -> None: ...


@dataclass(frozen=True)
class Destination:
    """What a number reaches: kind "extension" is built in; packages add "group", "ivr", ..."""

    kind: str
    number: str
    legs: tuple[str, ...]
    name: str = ""


DestinationResolver = Callable[["Core", str], "Destination | None"]


class DestinationFlow(Protocol):
    """Takes over a call to a destination of a package's kind (rings its legs, ends the call)."""

    def __call__(self, core: Core, call: Call, destination: Destination, now: float) -> None: ...


@dataclass
class Hooks:
    flash: list[FlashHandler] = field(default_factory=list)
    features: dict[str, FeatureHandler] = field(default_factory=dict)
    resolvers: list[DestinationResolver] = field(default_factory=list)
    destination_flows: dict[str, DestinationFlow] = field(default_factory=dict)

    def resolve(self, core: Core, number: str) -> Destination | None:
        for resolver in self.resolvers:
            found = resolver(core, number)
            if found is not None:
                return found
        return None


def extension_resolver(core: Core, number: str) -> Destination | None:
    """The built-in resolver: an extension number reaches its FXS port."""
    ext = core.settings.extension(number)
    if ext is None:
        return None
    return Destination("extension", ext.number, (ext.leg,), ext.name)


class Flow:
    """Base class: every hook refuses; a flow overrides what its calls can meet."""

    direction: Direction

    def __init__(self, core: Core) -> None:
        self.core = core

    def _unexpected(self, what: str, call: Call) -> PbxError:
        return PbxError(f"{self.direction.value} call {call.id}: unexpected {what}")

    def answered(self, call: Call, leg: FxsLeg) -> None:
        """A handset rung for this call went off-hook (the leg is already `connected`)."""
        raise self._unexpected("answer", call)

    def hung_up(self, call: Call, leg: FxsLeg) -> None:
        """A handset in this call went on-hook (the leg is already `idle`)."""
        raise self._unexpected("hang-up", call)

    def leg_failed(self, call: Call, leg_id: str, reason: str) -> None:
        """A leg of this call went into alarm (the leg is already `alarm`)."""
        raise self._unexpected("alarm", call)

    def line_polarity(self, call: Call, line: FxoLeg, action: str) -> None:
        """The line reversed polarity (action answer_polarity from seized, polarity when connected)."""
        raise self._unexpected("polarity reversal", call)

    def line_far_hung_up(self, call: Call, line: FxoLeg) -> None:
        """The exchange signalled a disconnect (the line is already `releasing`)."""
        raise self._unexpected("line disconnect", call)
