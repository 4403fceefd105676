"""FXO battery and polarity debouncers plus disconnect-by-battery/polarity rules (fact sheet section 2.6)."""

# Battery: |LVS| >= threshold (3 V) is "present". A change is reported after it held for the
# debounce time (64 ms) counted from the first reading on the new side. The port is in alarm
# (line unplugged) when the battery has been absent for the alarm time (1000 ms, counted from the
# first low reading) while on-hook; the alarm clears after the battery has been back that long.
#
# Polarity: the sign of LVS, read only while |LVS| >= threshold (suppressed during battery loss,
# where a half-debounced change is dropped, as wctdm24xxp does). A new sign must hold for the
# polarity debounce (64 ms). The very first polarity after start is learnt, never reported.
#
# Disconnect rules (used by supervision): a debounced battery loss while off-hook is a hang-up; a
# polarity reversal while off-hook is a hang-up unless it comes within the polarity-on-answer delay
# (600 ms) of going off-hook or of the previous accepted reversal, and on an outgoing call the
# first accepted reversal is the answer (Asterisk sig_analog `polarityonanswerdelay`).

from __future__ import annotations

import enum

from firmware.contracts.ports import (
    AlarmCode,
    LineBattery,
    LinePolarityReversal,
    PortAlarm,
    PortAlarmCleared,
    PortEvent,
)
from firmware.drivers.fxo.fsm import Machine, ms


class BattState(enum.Enum):
    UNKNOWN = "unknown"
    PRESENT = "present"
    DEBOUNCE_LOST = "debounce_lost"
    ABSENT = "absent"
    DEBOUNCE_PRESENT = "debounce_present"


class BattInput(enum.Enum):
    HIGH = "high"        # |LVS| >= threshold
    LOW = "low"
    EXPIRED = "expired"  # the debounce timer ran out


_B, _BI = BattState, BattInput
BATTERY_TABLE: dict[tuple[BattState, BattInput], BattState] = {
    (_B.UNKNOWN, _BI.HIGH): _B.DEBOUNCE_PRESENT,
    (_B.UNKNOWN, _BI.LOW): _B.DEBOUNCE_LOST,
    (_B.PRESENT, _BI.HIGH): _B.PRESENT,
    (_B.PRESENT, _BI.LOW): _B.DEBOUNCE_LOST,
    (_B.DEBOUNCE_LOST, _BI.LOW): _B.DEBOUNCE_LOST,
    (_B.DEBOUNCE_LOST, _BI.HIGH): _B.PRESENT,      # glitch: back without a report
    (_B.DEBOUNCE_LOST, _BI.EXPIRED): _B.ABSENT,
    (_B.ABSENT, _BI.LOW): _B.ABSENT,
    (_B.ABSENT, _BI.HIGH): _B.DEBOUNCE_PRESENT,
    (_B.DEBOUNCE_PRESENT, _BI.HIGH): _B.DEBOUNCE_PRESENT,
    (_B.DEBOUNCE_PRESENT, _BI.LOW): _B.ABSENT,
    (_B.DEBOUNCE_PRESENT, _BI.EXPIRED): _B.PRESENT,
}


class PolState(enum.Enum):
    UNKNOWN = "unknown"
    POSITIVE = "positive"
    NEGATIVE = "negative"
    DEBOUNCE_POSITIVE = "debounce_positive"   # stable negative, positive readings seen
    DEBOUNCE_NEGATIVE = "debounce_negative"   # stable positive, negative readings seen


class PolInput(enum.Enum):
    POS = "pos"
    NEG = "neg"
    NO_BATTERY = "no_battery"
    EXPIRED = "expired"


_P, _PI = PolState, PolInput
POLARITY_TABLE: dict[tuple[PolState, PolInput], PolState] = {
    (_P.UNKNOWN, _PI.POS): _P.POSITIVE,             # first polarity: learnt, not reported
    (_P.UNKNOWN, _PI.NEG): _P.NEGATIVE,
    (_P.UNKNOWN, _PI.NO_BATTERY): _P.UNKNOWN,
    (_P.POSITIVE, _PI.POS): _P.POSITIVE,
    (_P.POSITIVE, _PI.NEG): _P.DEBOUNCE_NEGATIVE,
    (_P.POSITIVE, _PI.NO_BATTERY): _P.POSITIVE,
    (_P.NEGATIVE, _PI.NEG): _P.NEGATIVE,
    (_P.NEGATIVE, _PI.POS): _P.DEBOUNCE_POSITIVE,
    (_P.NEGATIVE, _PI.NO_BATTERY): _P.NEGATIVE,
    (_P.DEBOUNCE_NEGATIVE, _PI.NEG): _P.DEBOUNCE_NEGATIVE,
    (_P.DEBOUNCE_NEGATIVE, _PI.POS): _P.POSITIVE,
    (_P.DEBOUNCE_NEGATIVE, _PI.NO_BATTERY): _P.POSITIVE,
    (_P.DEBOUNCE_NEGATIVE, _PI.EXPIRED): _P.NEGATIVE,
    (_P.DEBOUNCE_POSITIVE, _PI.POS): _P.DEBOUNCE_POSITIVE,
    (_P.DEBOUNCE_POSITIVE, _PI.NEG): _P.NEGATIVE,
    (_P.DEBOUNCE_POSITIVE, _PI.NO_BATTERY): _P.NEGATIVE,
    (_P.DEBOUNCE_POSITIVE, _PI.EXPIRED): _P.POSITIVE,
}


class LineMonitor:
    """Battery presence, line-unplugged alarm and polarity from LVS readings (one port)."""

    def __init__(self, port: int, *, threshold_v: float = 3.0, debounce_ms: int = 64,
                 alarm_ms: int = 1000, polarity_debounce_ms: int = 64) -> None:
        self.port = port
        self.threshold_v = threshold_v
        self.debounce_s = debounce_ms / 1000.0
        self.alarm_s = alarm_ms / 1000.0
        self.polarity_debounce_s = polarity_debounce_ms / 1000.0
        self.battery_fsm: Machine[BattState, BattInput] = Machine(
            "battery debouncer", port, BATTERY_TABLE, BattState.UNKNOWN)
        self.polarity_fsm: Machine[PolState, PolInput] = Machine(
            "polarity debouncer", port, POLARITY_TABLE, PolState.UNKNOWN)
        self.battery_deadline: float | None = None
        self.polarity_deadline: float | None = None
        self.side_since = 0.0          # first reading on the current side of the threshold
        self.alarm: PortAlarm | None = None
        self.volts = 0.0

    # --- state ------------------------------------------------------------------------------
    @property
    def battery(self) -> bool:
        return self.battery_fsm.state in (BattState.PRESENT, BattState.DEBOUNCE_LOST)

    @property
    def battery_ok_for_ring(self) -> bool:
        """wctdm24xxp: ring bits count while the battery is present or being debounced as lost."""
        return self.battery

    @property
    def polarity(self) -> int:
        return -1 if self.polarity_fsm.state in (PolState.NEGATIVE, PolState.DEBOUNCE_POSITIVE) else 1

    @property
    def debouncing(self) -> bool:
        return self.battery_deadline is not None or self.polarity_deadline is not None

    def next_deadline(self, off_hook: bool) -> float | None:
        times = [t for t in (self.battery_deadline, self.polarity_deadline) if t is not None]
        if not self.alarmed and not off_hook and self.battery_fsm.state is BattState.ABSENT:
            times.append(self.side_since + self.alarm_s)
        if self.alarmed and self.battery_fsm.state is BattState.PRESENT:
            times.append(self.side_since + self.alarm_s)
        return min(times) if times else None

    @property
    def alarmed(self) -> bool:
        return self.alarm is not None

    def reset(self) -> None:
        """Back to unknown (after a chip re-init, whose alarm-cleared event also covers this alarm)."""
        self.battery_fsm.state = BattState.UNKNOWN
        self.polarity_fsm.state = PolState.UNKNOWN
        self.battery_deadline = self.polarity_deadline = None
        self.alarm = None

    # --- input --------------------------------------------------------------------------------
    def sample(self, volts: float, now: float, *, off_hook: bool) -> list[PortEvent]:
        self.volts = volts
        high = abs(volts) >= self.threshold_v
        events = self._battery(BattInput.HIGH if high else BattInput.LOW, now)
        if high:
            events += self._polarity(PolInput.POS if volts > 0 else PolInput.NEG, now)
        else:
            events += self._polarity(PolInput.NO_BATTERY, now)
        events += self._alarm(now, off_hook)
        return events

    def _battery(self, inp: BattInput, now: float) -> list[PortEvent]:
        before = self.battery_fsm.state
        state = self.battery_fsm.fire(inp)
        if state is not before and state in (BattState.DEBOUNCE_LOST, BattState.DEBOUNCE_PRESENT):
            self.side_since = now
            self.battery_deadline = now + self.debounce_s
        elif state is BattState.PRESENT and before is BattState.DEBOUNCE_LOST:
            self.battery_deadline = None          # glitch ignored
            self.side_since = now
        elif state is BattState.ABSENT and before is BattState.DEBOUNCE_PRESENT:
            self.battery_deadline = None
            self.side_since = now
        if self.battery_deadline is not None and now >= self.battery_deadline:
            self.battery_deadline = None
            present = self.battery_fsm.fire(BattInput.EXPIRED) is BattState.PRESENT
            return [LineBattery(self.port, now, present=present)]
        return []

    def _polarity(self, inp: PolInput, now: float) -> list[PortEvent]:
        before = self.polarity_fsm.state
        state = self.polarity_fsm.fire(inp)
        if state in (PolState.DEBOUNCE_NEGATIVE, PolState.DEBOUNCE_POSITIVE):
            if before is not state:
                self.polarity_deadline = now + self.polarity_debounce_s
        else:
            self.polarity_deadline = None
        if self.polarity_deadline is not None and now >= self.polarity_deadline:
            self.polarity_deadline = None
            self.polarity_fsm.fire(PolInput.EXPIRED)
            return [LinePolarityReversal(self.port, now)]
        return []

    def _alarm(self, now: float, off_hook: bool) -> list[PortEvent]:
        state = self.battery_fsm.state
        held = now - self.side_since
        if not self.alarmed and not off_hook and state is BattState.ABSENT and held >= self.alarm_s:
            reason = (f"no battery on the line for {ms(held)} ms (|LVS| {abs(self.volts):.0f} V "
                      f"< {self.threshold_v:g} V): line unplugged or exchange down")
            self.alarm = PortAlarm(self.port, now, code=AlarmCode.LINE_UNPLUGGED, reason=reason)
            return [self.alarm]
        if self.alarmed and state is BattState.PRESENT and held >= self.alarm_s:
            self.alarm = None
            return [PortAlarmCleared(self.port, now)]
        return []


class PolarityDisconnect:
    """Decides whether a debounced polarity reversal while off-hook is an answer or a hang-up."""

    def __init__(self, *, answer_delay_ms: int = 600, answer_on_polarity: bool = True) -> None:
        self.delay_s = answer_delay_ms / 1000.0
        self.answer_on_polarity = answer_on_polarity  # False: the line reverses only when the far end hangs up
        self.reference = 0.0   # off-hook time or the last accepted reversal
        self.outgoing = False
        self.answered = False

    def seized(self, now: float, *, outgoing: bool) -> None:
        self.reference = now
        self.outgoing = outgoing
        self.answered = False

    def mark_outgoing(self) -> None:
        self.outgoing = True

    def reversal(self, now: float) -> str:
        """'ignored' (too close to off-hook/answer), 'answer', or 'hangup'."""
        if now - self.reference <= self.delay_s:
            return "ignored"
        self.reference = now
        if self.outgoing and not self.answered and self.answer_on_polarity:
            self.answered = True
            return "answer"
        return "hangup"
