"""FXS line signalling without I/O: ringing, caller ID, MWI, polarity, disconnect (fact sheet 1.2, 1.8).

Combines the ring cadencer and the caller-ID sequencer and decides, in one place, which abstract
linefeed the port wants at any moment (`wanted`). The port writes it through the linefeed table.
"""

from __future__ import annotations

import enum
import logging

import numpy as np

from firmware.contracts.callerid import CallerId, CidStandard, CidTiming
from firmware.contracts.ports import LineState, RingCadence
from firmware.drivers.fxs import callerid as cidseq
from firmware.drivers.fxs import linefeed as lf
from firmware.drivers.fxs.callerid import SeqState
from firmware.drivers.fxs.ringer import NoteKind as RingNoteKind
from firmware.drivers.fxs.ringer import RingCadencer, RingState
from firmware.drivers.fxs.settings import FxsSettings
from firmware.drivers.fxs.sources import DspSources, Sources

log = logging.getLogger(__name__)
SETTLE_S = 0.1   # hook samples ignored this long after a forward disconnect ends


class Purpose(enum.Enum):
    NONE = "none"
    CID_BEFORE = "cid_before_ring"
    CID_AFTER = "cid_after_ring"
    CALL_WAITING = "call_waiting"
    MWI = "mwi"


class LineSignals:
    def __init__(self, settings: FxsSettings, sources: Sources | None = None) -> None:
        self.s = settings
        self.port = settings.port
        self.sources = sources or DspSources(settings)
        self.ringer = RingCadencer(self.port, oht_ms=settings.oht_after_ring_ms)
        self.seq = cidseq.CidSequencer(self.port)
        self.purpose = Purpose.NONE
        self.reversed = False
        self.cadence: RingCadence | None = None
        self.after_ring_cid: CallerId | None = None
        self.mwi_wanted: bool | None = None
        self.mwi_sent: bool | None = None
        self._mwi_sending: bool | None = None
        self.disconnect_until: float | None = None
        self._settle_until = 0.0

    # --- what the line should be ----------------------------------------------------------
    def wanted(self) -> LineState:
        if self.ringer.state is RingState.IDLE and self.seq.state is SeqState.IDLE \
                and self.disconnect_until is None:
            return lf.active(self.reversed)
        if self.disconnect_until is not None:
            return LineState.OPEN
        step_feed = self.seq.linefeed
        if step_feed is not None:
            return step_feed
        if self.ringer.state is RingState.ON:
            return LineState.RINGING
        if self.ringer.oht:
            return lf.on_hook_tx(self.reversed)
        return lf.active(self.reversed)

    @property
    def busy(self) -> bool:
        """Ringing, sending caller ID, or disconnecting: the port scans fast."""
        return self.ringer.state is not RingState.IDLE or self.seq.active or self.disconnect_until is not None

    def hook_ignored(self, now: float) -> bool:
        return self.disconnect_until is not None or now < self._settle_until

    @property
    def ack_wait(self) -> bool:
        return self.seq.state is cidseq.SeqState.ACK_WAIT

    @property
    def deadline(self) -> float | None:
        if self.idle:
            return None
        times = [t for t in (self.ringer.deadline, self.seq.deadline, self.disconnect_until) if t is not None]
        return min(times) if times else None

    # --- commands ----------------------------------------------------------------------------
    def start_ringing(self, now: float, cadence: RingCadence, caller_id: CallerId | None) -> None:
        self._quiet(now)
        self.cadence = cadence
        timing = self.s.cid_timing
        if caller_id is not None and timing is not CidTiming.AFTER_FIRST_RING:
            spill, limit = self.sources.spill(caller_id, seizure=True)
            if timing is CidTiming.BEFORE_RING_RP_AS:
                steps = cidseq.ring_pulse(spill, limit, self.reversed)
            else:
                alert = None if self.s.cid_standard is CidStandard.DTMF else self.sources.tone(self.s.dtas)
                steps = cidseq.line_reversal(spill, limit, alert, self.reversed)
            self._run(now, steps, Purpose.CID_BEFORE)
            return
        self.after_ring_cid = caller_id
        self.ringer.start(now, cadence.pattern, cadence.cid_after)

    def stop_ringing(self, now: float) -> None:
        self.after_ring_cid = None
        if self.purpose in (Purpose.CID_BEFORE, Purpose.CID_AFTER):
            self._end_sequence(now, abort=True)
        if self.ringer.ringing:
            self.ringer.stop(now)

    def set_polarity(self, reversed_: bool) -> None:
        self.reversed = reversed_

    def forward_disconnect(self, now: float, ms: int) -> None:
        self._quiet(now)
        self.disconnect_until = now + max(ms, 0) / 1000

    def call_waiting(self, now: float, caller_id: CallerId | None, off_hook: bool) -> bool:
        if not off_hook or self.seq.active:
            return False
        spill, limit = self.sources.spill(caller_id or CallerId(), seizure=False)
        sas, cas = self.sources.tone(self.s.sas), self.sources.tone(self.s.cas)
        steps = cidseq.call_waiting(sas, cas, spill, limit)
        self._run(now, steps, Purpose.CALL_WAITING)
        return True

    def message_waiting(self, now: float, on: bool, off_hook: bool) -> None:
        self.mwi_wanted = on
        self.maybe_send_mwi(now, off_hook)

    def maybe_send_mwi(self, now: float, off_hook: bool) -> None:
        if self.mwi_wanted is None or self.mwi_wanted == self.mwi_sent or off_hook or self.busy:
            return
        on = self.mwi_wanted
        spill = self.sources.mwi(on)
        if spill is None:
            log.warning("port %d: %s caller ID carries no message waiting; not sent",
                        self.port, self.s.cid_standard.value)
            self.mwi_sent = on
            return
        audio, limit = spill
        timing = self.s.cid_timing
        if timing is CidTiming.BEFORE_RING_RP_AS:
            steps = cidseq.ring_pulse(audio, limit, self.reversed, then_ring=False)
        elif timing is CidTiming.BEFORE_RING_LINE_REVERSAL:
            steps = cidseq.line_reversal(audio, limit, self.sources.tone(self.s.dtas), self.reversed,
                                         then_ring=False)
        else:
            steps = cidseq.message_waiting(audio, limit, self.reversed)
        self._mwi_sending = on
        self._run(now, steps, Purpose.MWI)

    # --- hook and timers ------------------------------------------------------------------------
    def off_hook(self, now: float) -> None:
        """Ring trip / answer: stop ringing and any on-hook sequence at once."""
        self.after_ring_cid = None
        self.ringer.off_hook(now)
        if self.purpose is not Purpose.CALL_WAITING:
            self._end_sequence(now, abort=True)

    def on_hook(self, now: float) -> None:
        if self.purpose is Purpose.CALL_WAITING:
            self._end_sequence(now, abort=True)
        self.maybe_send_mwi(now, off_hook=False)

    def ack(self, now: float) -> bool:
        if not self.ack_wait:
            return False
        self._notes(now, self.seq.ack(now))
        return True

    @property
    def idle(self) -> bool:
        """Nothing running and nothing waiting to be sent: `poll` has nothing to do."""
        return (self.ringer.state is RingState.IDLE and self.seq.state is SeqState.IDLE
                and self.disconnect_until is None
                and (self.mwi_wanted is None or self.mwi_wanted == self.mwi_sent))

    def poll(self, now: float, off_hook: bool) -> None:
        if self.idle:
            return
        for _ in range(8):   # ringer and sequencer can hand over to each other within one poll
            notes = self.ringer.poll(now)
            for note in notes:
                if note.kind is RingNoteKind.BURST_END and note.cid and self.after_ring_cid is not None:
                    self._start_after_ring(note.at)
            seq_notes = self.seq.poll(now)
            self._notes(now, seq_notes)
            if not notes and not seq_notes:
                break
        if self.disconnect_until is not None and round((now - self.disconnect_until) * 1e6) >= 0:
            self.disconnect_until = None
            self._settle_until = now + SETTLE_S
        self.maybe_send_mwi(now, off_hook)

    def output(self, n: int, now: float) -> np.ndarray | None:
        out, notes = self.seq.output(n, now)
        self._notes(now, notes)
        return out

    # --- internals ---------------------------------------------------------------------------
    def _start_after_ring(self, at: float) -> None:
        cid, self.after_ring_cid = self.after_ring_cid, None
        if cid is None:
            return
        spill, limit = self.sources.spill(cid, seizure=True)
        self.ringer.hold(at)
        self._run(at, cidseq.after_ring(spill, limit), Purpose.CID_AFTER)

    def _run(self, now: float, steps: list[cidseq.Step], purpose: Purpose) -> None:
        self.purpose = purpose
        self._notes(now, self.seq.start(now, steps))

    def _notes(self, now: float, notes: list[cidseq.SeqNote]) -> None:
        for note in notes:
            if note.kind is cidseq.NoteKind.START_RINGING and self.cadence is not None:
                self.ringer.start(note.at, self.cadence.pattern, self.cadence.cid_after)
            elif note.kind in (cidseq.NoteKind.DONE, cidseq.NoteKind.ABORTED):
                self._finished(note.at, note.kind is cidseq.NoteKind.DONE)

    def _finished(self, at: float, completed: bool) -> None:
        if self.purpose is Purpose.CID_AFTER and self.ringer.held:
            self.ringer.release(at)
        if self.purpose is Purpose.MWI and completed:
            self.mwi_sent = self._mwi_sending
        self.purpose = Purpose.NONE

    def _end_sequence(self, now: float, *, abort: bool) -> None:
        if self.seq.active:
            self._notes(now, self.seq.abort(now))
        self.purpose = Purpose.NONE

    def _quiet(self, now: float) -> None:
        """Stop whatever ringing or on-hook sequence runs before a new one starts."""
        self._end_sequence(now, abort=True)
        self.after_ring_cid = None
        if self.ringer.ringing:
            self.ringer.stop(now)
        self.ringer.off_hook(now)
