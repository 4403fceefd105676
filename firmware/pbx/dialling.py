"""Dialling on an FXS leg: dial tone, digit collection against the numbering plan with the
first-digit, inter-digit and match timeouts (Asterisk sig_analog), `#` to end, then the dispatch
of the complete number to an internal call, an outside line, or a feature package."""

from __future__ import annotations

from collections.abc import Callable

from firmware.pbx.commands import Direction, Disposition, HangupSide
from firmware.pbx.core import Core
from firmware.pbx.legs import FxsState
from firmware.pbx.numbering import (
    EmergencyTarget,
    ExtensionTarget,
    FeatureTarget,
    Outcome,
    OutsideTarget,
    Target,
)
from firmware.pbx.state import FxsLeg

END_OF_DIALLING = "#"


class Dialling:
    def __init__(self, core: Core, *, internal: Callable[[FxsLeg, str], None],
                 outside: Callable[[FxsLeg, OutsideTarget | EmergencyTarget], None]) -> None:
        self.core = core
        self._internal = internal
        self._outside = outside

    def off_hook(self, leg: FxsLeg) -> None:
        """idle -> dial_tone: dial tone and the first-digit timeout."""
        core = self.core
        leg.digits = ""
        core.play(leg.id, core.hooks.dial_tone_role(core, leg))     # stutter dial tone: new voicemail
        timeout = core.settings.plan.timeouts.first_digit_s
        core.after(leg.id, "digits", timeout, lambda at: self._no_digit(leg))

    def digit(self, leg: FxsLeg, digit: str) -> None:
        """A digit in dial_tone/collecting (the leg is already `collecting`)."""
        core = self.core
        core.out.stop_tone(leg.id)
        core.timers.cancel(leg.id, "digits")
        if digit == END_OF_DIALLING:
            self._finish(leg)
            return
        leg.digits += digit
        result = core.settings.plan.evaluate(leg.digits)
        if result.outcome is Outcome.MATCH and result.target is not None:
            self._dispatch(leg, result.target)
        elif result.outcome is Outcome.NO_MATCH:
            self.unknown(leg)
        elif result.timeout_s is not None:
            on_timeout = self._finish if result.outcome is Outcome.MATCH_OR_MORE else self._incomplete
            core.after(leg.id, "digits", result.timeout_s, lambda at: on_timeout(leg))

    def abandon(self, leg: FxsLeg) -> None:
        """On-hook while dialling: nothing to record."""
        self.core.reset_fxs(leg)

    def _finish(self, leg: FxsLeg) -> None:
        """`#` or the match timeout: dial what is there if it is complete."""
        target = self.core.settings.plan.finish(leg.digits)
        if target is None:
            self.unknown(leg)
        else:
            self._dispatch(leg, target)

    def _incomplete(self, leg: FxsLeg) -> None:
        self.unknown(leg, "number incomplete")

    def _no_digit(self, leg: FxsLeg) -> None:
        """First-digit timeout: congestion, no CDR (nothing was dialled)."""
        if leg.state is FxsState.DIAL_TONE:
            self.core.fail(leg, "congestion")

    def unknown(self, leg: FxsLeg, reason: str = "number unknown") -> None:
        """Nothing matches: congestion (after the special information tone if configured) and a CDR."""
        core = self.core
        if not leg.digits:  # "#" alone: nothing was dialled, nothing to record
            core.fail(leg, "congestion")
            return
        me = core.settings.extension_at(leg.port)
        call = core.new_call(Direction.INTERNAL, leg.id, from_number=me.number if me else "",
                             from_name=me.name if me else "", to=leg.digits, dialled=leg.digits)
        core.end_call(call, Disposition.FAILED, HangupSide.SYSTEM, reason)
        core.fail(leg, "congestion", sit=core.settings.calls.special_info_tone)

    def dispatch(self, leg: FxsLeg, target: Target) -> None:
        """Act on a complete number for the (collecting) leg: also for the operator panel's consult."""
        self._dispatch(leg, target)

    def _dispatch(self, leg: FxsLeg, target: Target) -> None:
        if isinstance(target, ExtensionTarget):
            self._internal(leg, target.number)
        elif isinstance(target, FeatureTarget):
            handler = self.core.hooks.features.get(target.feature)
            if handler is None:
                self.core.fail(leg, "congestion")
            else:
                handler(self.core, leg, target, self.core.now)
        else:
            self._outside(leg, target)
