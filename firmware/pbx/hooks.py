"""Extension points for feature packages (firmware/pbx/features/<name>/): hook-flash handlers,
feature-code handlers and destination resolvers, registered on `Engine.hooks`.

A feature package keeps its own state machine and calls back into the engine core (legs, calls,
tones, timers). Handlers run inside `Engine.handle`/`tick`, so they are sans-IO as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from firmware.pbx.numbering import FeatureTarget

if TYPE_CHECKING:
    from firmware.pbx.core import Core
    from firmware.pbx.state import Call, FxsLeg


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
