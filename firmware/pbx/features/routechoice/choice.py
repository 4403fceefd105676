"""Choices a caller makes per outside call. Route choice (the operator's "route" selector in our
users' brief; Asterisk dial-prefix route selection): `*7` + route digit + number dials the number out
on that route - digit 1 is the first route of the config's list - if the extension may use it
(`route_choice.extensions`) and its permission class allows the number; the same restriction steers
ordinary dialling (outbound.py). Withholding the number for one call (CLIR per call, as ETSI
EN 300 090's *31# on ISDN/GSM): `*31` + number dials it with no number presented on SIP trunks
(RFC 3323 "id"); emergency numbers always present it; internal numbers are not dialled this way."""

from __future__ import annotations

import enum
from types import MappingProxyType

from firmware.pbx.core import Core
from firmware.pbx.features.common import machine
from firmware.pbx.features.outdial import choose_route
from firmware.pbx.legs import Table
from firmware.pbx.numbering import EmergencyTarget, FeatureTarget, OutsideTarget
from firmware.pbx.outbound import OutboundCalls
from firmware.pbx.routes import RouteChoice
from firmware.pbx.state import FxsLeg


class RouteChoiceState(enum.Enum):
    CHOOSING = "choosing"
    DONE = "done"


class RouteChoiceEvent(enum.Enum):
    CHOSEN = "chosen"
    REFUSED = "refused"


class RouteChoiceOutcome(enum.Enum):
    DIALLED = "dialled"
    REFUSED = "refused"          # no such route, not allowed for the extension, or not permitted


ROUTE_CHOICE_TABLE: Table[RouteChoiceState, RouteChoiceEvent] = MappingProxyType({
    (RouteChoiceState.CHOOSING, RouteChoiceEvent.CHOSEN): (RouteChoiceState.DONE, RouteChoiceOutcome.DIALLED.value),
    (RouteChoiceState.CHOOSING, RouteChoiceEvent.REFUSED): (RouteChoiceState.DONE, RouteChoiceOutcome.REFUSED.value),
})


class RouteChoiceFeature:
    def __init__(self, core: Core, outbound: OutboundCalls) -> None:
        self.core = core
        self.outbound = outbound
        core.hooks.features["route_choice"] = self._code
        core.hooks.features["withhold"] = self._withhold

    def choice(self, phone: str, route_digit: int, number: str) -> RouteChoice | None:
        return choose_route(self.core, phone, number, route_digit)

    def _code(self, core: Core, leg: FxsLeg, target: FeatureTarget, now: float) -> None:
        self.dial(leg, target.argument[:1], target.argument[1:])

    def dial(self, leg: FxsLeg, route_digit: str, number: str) -> RouteChoiceOutcome:
        """The handset (collecting) dials `number` on route `route_digit`."""
        state = machine("route choice", leg.id, ROUTE_CHOICE_TABLE, RouteChoiceState.CHOOSING)
        chosen = self.choice(leg.id, int(route_digit), number) if route_digit.isdigit() and number else None
        if chosen is None:
            state.fire(RouteChoiceEvent.REFUSED)
            self.core.fail(leg, "congestion", sit=self.core.settings.calls.special_info_tone)
            return RouteChoiceOutcome.REFUSED
        state.fire(RouteChoiceEvent.CHOSEN)
        self.outbound.start(leg, OutsideTarget(number), chosen)
        return RouteChoiceOutcome.DIALLED

    def _withhold(self, core: Core, leg: FxsLeg, target: FeatureTarget, now: float) -> None:
        """`*31` + number: the number as if dialled, out without presenting the caller's number."""
        number = core.settings.plan.finish(target.argument) if target.argument else None
        if not isinstance(number, OutsideTarget | EmergencyTarget):
            core.fail(leg, "congestion", sit=core.settings.calls.special_info_tone)
            return
        self.outbound.start(leg, number, withhold=True)
