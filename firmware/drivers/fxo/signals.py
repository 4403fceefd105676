"""FXO line-signal routing: ring, battery/polarity, supervision, CID, incoming call (fact 2.5, 2.6)."""

# One reg 5 / LVS / loop-current sample goes through the ring qualifier (on-hook only, battery
# present), the battery/polarity debouncers, and - off-hook - the disconnect supervisor. Line
# events become CID triggers on the idle line, and the incoming call ends after the ring timeout
# (reported as LineDisconnect(IDLE_LIMIT) while on-hook: the unanswered call is gone).

from __future__ import annotations

from firmware.contracts.callerid import CallerId, CidStandard
from firmware.contracts.ports import (
    DisconnectMethod,
    LineBattery,
    LineDisconnect,
    LinePolarityReversal,
    LineRingStart,
    LineRingStop,
    PortEvent,
)
from firmware.drivers.fxo import registers as r
from firmware.drivers.fxo.battery import LineMonitor
from firmware.drivers.fxo.callerid import CidTrigger, CidWindow, IncomingCall
from firmware.drivers.fxo.ring import RingQualifier
from firmware.drivers.fxo.settings import FxoSettings
from firmware.drivers.fxo.supervision import Supervisor


class LineSignals:
    """Every line-signal state machine of one port, fed from register samples and timers."""

    def __init__(self, s: FxoSettings) -> None:
        self.s = s
        self.port = s.port
        self.ring = RingQualifier(s.port, debounce_ms=s.ring_debounce_ms)
        self.line = LineMonitor(s.port, threshold_v=s.battery_threshold_v, debounce_ms=s.battery_debounce_ms,
                                alarm_ms=s.battery_alarm_ms, polarity_debounce_ms=s.polarity_debounce_ms)
        self.sup = Supervisor(s)
        self.cid = CidWindow(s.port, standard=s.cid_standard, window_ms=s.cid_window_ms)
        self.incoming = IncomingCall(ring_timeout_ms=s.ring_timeout_ms)
        self.off_hook = False
        self.rdt = False   # reg 5 RDT (latched "ring detected"): wakes the fast scan

    # --- hook ---------------------------------------------------------------------------------
    def seized(self, now: float) -> bool:
        """Going off-hook; returns True for an outgoing call (no incoming call in progress)."""
        outgoing = not self.incoming.active
        self.off_hook = True
        self.ring.reset()
        self.cid.close()
        self.incoming.end()
        self.sup.seize(now, outgoing=outgoing)
        return outgoing

    def released(self) -> None:
        self.off_hook = False
        self.sup.release()
        self.cid.call_end()
        self.ring.clear_cadence()
        self.incoming.end()

    def reset(self) -> None:
        """After a chip re-init: qualifiers start from scratch (alarms held stay held)."""
        self.ring.reset()
        self.line.reset()
        if self.off_hook:
            self.released()

    # --- samples ------------------------------------------------------------------------------
    def sample(self, reg5: int, volts: float, loop_ma: float, now: float) -> list[PortEvent]:
        events: list[PortEvent] = []
        self.rdt = bool(reg5 & r.RDT) and not self.off_hook
        for ev in self.line.sample(volts, now, off_hook=self.off_hook):
            events.append(ev)
            events += self._line_event(ev, now)
        if not self.off_hook:
            for ev in self.ring.sample(reg5, now, battery_ok=self.line.battery_ok_for_ring):
                events.append(ev)
                self._ring_event(ev, now)
        else:
            events += self.sup.loop_current(loop_ma, now)
        return events

    def _line_event(self, ev: PortEvent, now: float) -> list[PortEvent]:
        if isinstance(ev, LineBattery) and self.off_hook:
            return self.sup.battery(ev.present, now)
        if isinstance(ev, LinePolarityReversal):
            if self.off_hook:
                return self.sup.polarity_reversal(now)
            if not self.ring.busy and self.cid.trigger(CidTrigger.REVERSAL, now):
                self.incoming.activity(now)
        return []

    def _ring_event(self, ev: PortEvent, now: float) -> None:
        if isinstance(ev, LineRingStart):
            self.incoming.ring_started(now)
        elif isinstance(ev, LineRingStop):
            self.incoming.activity(now, ring=True)
            self.cid.trigger(CidTrigger.RING_END, now)

    def energy(self, mean_abs: float, now: float) -> None:
        """Mean |sample| of an on-hook block: audio on an idle line opens a CID window."""
        if (mean_abs > self.s.cid_energy_level and not self.off_hook and not self.ring.busy
                and self.line.battery and self.cid.trigger(CidTrigger.ENERGY, now)):
            self.incoming.activity(now)

    def caller_id(self, caller_id: CallerId, standard: CidStandard, now: float) -> list[PortEvent]:
        events = self.cid.received(caller_id, standard, now)
        if events:
            self.incoming.activity(now)
        return events

    # --- timers -------------------------------------------------------------------------------
    def timers(self, now: float) -> list[PortEvent]:
        events = self.sup.tick(now) if self.off_hook else []
        self.cid.tick(now)
        if not self.off_hook and self.incoming.timed_out(now, ringing=self.ring.ringing):
            reported = self.incoming.rang or self.cid.cid_seen
            self.incoming.end()
            self.cid.call_end()
            self.ring.clear_cadence()
            if reported:
                events.append(LineDisconnect(self.port, now, method=DisconnectMethod.IDLE_LIMIT))
        return events

    @property
    def busy(self) -> bool:
        """Something is being debounced or timed closely: scan fast. The latched RDT bit counts too:
        an idle scan period can alias with the ring frequency (20 ms against 25 Hz sees only zero
        crossings), the 5 ms scan cannot."""
        return self.off_hook or self.ring.busy or self.line.debouncing or self.rdt

    def next_deadline(self) -> float | None:
        times = [self.ring.next_deadline, self.line.next_deadline(self.off_hook), self.cid.next_deadline,
                 self.sup.next_deadline if self.off_hook else None,
                 None if self.off_hook else self.incoming.next_deadline]
        due = [t for t in times if t is not None]
        return min(due) if due else None
