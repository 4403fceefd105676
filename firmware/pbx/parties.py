"""The analog implementations of the party interface: an FXS handset (a phone) and an FXO line (a
way out), mapping party operations onto the leg tables of legs.py and the port commands
(chan_dahdi/sig_analog: ring with caller ID, answer an incoming line by going off-hook, call
waiting as SAS + CAS + caller ID sent by the FXS driver, dial out with DTMF or pulses)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.contracts.callerid import CallerId
from firmware.contracts.errors import PbxError
from firmware.contracts.ports import DialDigits, RingCadence, Seize, SendCallWaiting
from firmware.pbx.commands import AnswerSource
from firmware.pbx.legs import FxoEvent, FxoState, FxsEvent, FxsState
from firmware.pbx.party import Identity, Party, PartyKind
from firmware.pbx.state import Call, FxoLeg, FxsLeg
from firmware.telephony.timing import AnalogTiming

if TYPE_CHECKING:
    from firmware.pbx.core import Core

_TALKING = (FxsState.CONNECTED, FxsState.HELD)


def dialling_time_s(number: str, pulse: bool, timing: AnalogTiming) -> float:
    """How long the port needs to send `number` (DTMF tone+pause per digit, or pulse trains)."""
    if not pulse:
        return len(number) * (timing.dtmf_on_ms + timing.dtmf_off_ms) / 1000
    digits = [d for d in number if d.isdigit()]
    pulses = sum(int(d) or 10 for d in digits)
    gaps = max(0, len(digits) - 1)
    pulse_ms = timing.pulse_make_ms + timing.pulse_break_ms
    return (pulses * pulse_ms + gaps * timing.pulse_interdigit_ms) / 1000


class FxsParty(Party):
    """An analog handset on an FXS port."""

    kind = PartyKind.PHONE

    def __init__(self, core: Core, leg: FxsLeg) -> None:
        super().__init__(core, leg.id)
        self.leg = leg

    @property
    def call(self) -> int | None:
        return self.leg.call

    @call.setter
    def call(self, call_id: int | None) -> None:
        self.leg.call = call_id

    @property
    def available(self) -> bool:
        return self.leg.state is FxsState.IDLE

    @property
    def alarm(self) -> str:
        return self.leg.alarm

    @property
    def alerting(self) -> bool:
        return self.leg.state is FxsState.RINGING

    @property
    def talking(self) -> bool:
        return self.leg.state in _TALKING

    @property
    def state(self) -> FxsState:
        return self.leg.state

    def identity(self) -> Identity:
        ext = self.core.settings.extension_at(self.leg.port)
        return Identity(ext.number, ext.name) if ext else Identity("", f"Port {self.leg.port}")

    def alert(self, call: Call, caller_id: CallerId, cadence: RingCadence | None = None) -> None:
        self.core.ring(self.leg, call, caller_id, cadence)

    def stop_alert(self, call: Call) -> None:
        if self.leg.call == call.id and self.leg.state is FxsState.RINGING:
            self.core.far_ended(self.leg)

    def call_waiting(self, call: Call, caller_id: CallerId) -> bool:
        ext = self.core.settings.extension_at(self.leg.port)
        if ext is None or not ext.call_waiting or self.leg.state is not FxsState.CONNECTED:
            return False
        self.core.out.emit(SendCallWaiting(self.leg.port, caller_id))
        return True

    def connected(self, call: Call) -> None:
        if self.leg.call == call.id and self.leg.state is FxsState.ROUTING:
            self.leg.fire(FxsEvent.FAR_ANSWERED)
        if self.leg.call == call.id:
            self.silence()

    def hold(self, call: Call, music: str) -> None:
        if self.leg.call == call.id and self.leg.state is FxsState.CONNECTED:
            self.leg.fire(FxsEvent.HOLD)
        super().hold(call, music)

    def unhold(self, call: Call) -> None:
        if self.leg.call == call.id and self.leg.state is FxsState.HELD:
            self.leg.fire(FxsEvent.RESUME)
        super().unhold(call)

    def hang_up_device(self, role: str | None) -> None:
        if self.leg.machine.accepts(FxsEvent.FAR_ENDED):
            self.core.far_ended(self.leg, role)

    def gone(self) -> None:
        self.core.reset_fxs(self.leg)


class FxoParty(Party):
    """An analog exchange line on an FXO port; `remote` is who is at the other end of its call."""

    kind = PartyKind.LINE

    def __init__(self, core: Core, line: FxoLeg) -> None:
        super().__init__(core, line.id)
        self.line = line
        self.remote = Identity("", "")

    @property
    def call(self) -> int | None:
        return self.line.call

    @call.setter
    def call(self, call_id: int | None) -> None:
        self.line.call = call_id

    @property
    def available(self) -> bool:
        return self.line.free

    @property
    def alarm(self) -> str:
        return self.line.alarm

    @property
    def alerting(self) -> bool:
        """Dialled out and not answered yet (the far phone rings)."""
        return self.line.state is FxoState.SEIZED

    @property
    def talking(self) -> bool:
        return self.line.state is FxoState.CONNECTED

    def identity(self) -> Identity:
        return self.remote

    def alert(self, call: Call, caller_id: CallerId, cadence: RingCadence | None = None) -> None:
        raise PbxError(f"{self.id}: a line is not rung; dial out on it (dial_out)")

    def stop_alert(self, call: Call) -> None:
        """Abandon an outgoing attempt that is not answered yet."""
        if self.line.call == call.id and self.line.state is FxoState.SEIZED:
            self.core.timers.cancel(call.owner, f"dial:{self.id}")
            self.core.timers.cancel(call.owner, f"dial_done:{self.id}")
            self.core.release_line(self.line)

    def connected(self, call: Call) -> None:
        if self.line.call == call.id and self.line.state is FxoState.INCOMING:
            self.core.timers.cancel(call.owner, "gone")
            self.core.timers.cancel(call.owner, "cid_wait")
            self.line.fire(FxoEvent.ANSWER)
            self.core.out.emit(Seize(self.line.port))
        if self.line.call == call.id:
            self.silence()

    def hang_up_device(self, role: str | None) -> None:
        if self.line.state is FxoState.INCOMING:       # reject: answer, then hang up at once
            self.line.fire(FxoEvent.ANSWER)
            self.core.out.emit(Seize(self.line.port))
        if self.line.state in (FxoState.SEIZED, FxoState.CONNECTED):
            self.core.release_line(self.line)

    def gone(self) -> None:
        if self.line.state is FxoState.RELEASING:
            self.core.line_released(self.line)
        self.line.call = None

    # --- outgoing calls for features (ring-group mobiles, forwarding, transfers to outside) ----
    def dial_out(self, call: Call, number: str) -> None:
        """Seize the (free) line for `call`, dial `number` after the dial delay; when dialling is
        done without an answer signal the flow hears `party_answered(..., ASSUMED)`; a polarity
        reversal is the real answer, a disconnect the failure (PartyFlow maps both)."""
        core = self.core
        line = self.line
        line.call = call.id
        self.remote = Identity(number, "")
        line.fire(FxoEvent.SEIZE)
        core.out.emit(Seize(line.port))
        core.after(call.owner, f"dial:{self.id}", core.settings.calls.line_dial_delay_s,
                   lambda at: self._dial(call, number))

    def _dial(self, call: Call, number: str) -> None:
        core = self.core
        settings = core.settings.line(self.id)
        pulse = settings.pulse if settings else False
        core.out.emit(DialDigits(self.line.port, number, pulse=pulse))
        seconds = dialling_time_s(number, pulse, core.settings.timing)
        core.after(call.owner, f"dial_done:{self.id}", seconds, lambda at: self._dial_done(call))

    def _dial_done(self, call: Call) -> None:
        if self.line.state is not FxoState.SEIZED or self.line.call != call.id:
            return
        self.line.fire(FxoEvent.DIAL_DONE)
        self.core.flow_of(call).party_answered(call, self.id, AnswerSource.ASSUMED)
