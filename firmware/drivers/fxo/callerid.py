"""FXO caller-ID reception windows per timing mode (fact sheet 3.3, 3.5; ETSI EN 300 659-1 section 6)."""

# The CID receivers only run inside a reception window, so an idle port costs no DSP time. A window
# opens on any of the triggers real exchanges use and stays open for `window_ms`:
#   REVERSAL  a polarity reversal on the idle line (ETSI before-ring, line reversal + DT-AS; Japan)
#   ENERGY    audio on the idle on-hook line (ETSI before-ring without reversal, DTMF CLIP; Asterisk
#             `cidstart=dtmf`, mean |sample| above 256)
#   RING_END  the end of the first (or second, for split first rings) ring burst: Bellcore/ETSI
#             after-first-ring, and ETSI RP-AS (short ring pulse, then the spill)
# Each trigger opens at most one window per call (RING_END at most twice). The receivers run for
# the expected standard, or for every standard in "auto" mode. The first caller ID decoded in a
# call is reported once; `cid_seen` stays with the call for calibration.

from __future__ import annotations

import enum

from firmware.contracts.callerid import CallerId, CidStandard
from firmware.contracts.ports import LineCallerId, PortEvent
from firmware.drivers.fxo.fsm import Machine

ALL_STANDARDS: tuple[CidStandard, ...] = (
    CidStandard.BELL202, CidStandard.ETSI_V23, CidStandard.JAPAN, CidStandard.DTMF)
MAX_RING_END_WINDOWS = 2


class CidTrigger(enum.Enum):
    REVERSAL = "reversal"
    ENERGY = "energy"
    RING_END = "ring_end"


class CidState(enum.Enum):
    IDLE = "idle"        # no window open, nothing received in this call yet
    OPEN = "open"        # receivers running
    DONE = "done"        # caller ID received for this call


class CidEvent(enum.Enum):
    OPEN = "open"
    RECEIVED = "received"
    EXPIRE = "expire"
    CALL_END = "call_end"


_S, _E = CidState, CidEvent
TABLE: dict[tuple[CidState, CidEvent], CidState] = {
    (_S.IDLE, _E.OPEN): _S.OPEN,
    (_S.IDLE, _E.CALL_END): _S.IDLE,
    (_S.OPEN, _E.OPEN): _S.OPEN,
    (_S.OPEN, _E.RECEIVED): _S.DONE,
    (_S.OPEN, _E.EXPIRE): _S.IDLE,
    (_S.OPEN, _E.CALL_END): _S.IDLE,
    (_S.DONE, _E.CALL_END): _S.IDLE,
}


class CidWindow:
    """Decides when the caller-ID receivers run and reports the first caller ID of a call."""

    def __init__(self, port: int, *, standard: CidStandard | None = None, window_ms: int = 6000) -> None:
        self.port = port
        self.standards: tuple[CidStandard, ...] = (standard,) if standard else ALL_STANDARDS
        self.window_s = window_ms / 1000.0
        self.fsm: Machine[CidState, CidEvent] = Machine("caller-ID window", port, TABLE, CidState.IDLE)
        self.closes_at: float | None = None
        self.used: dict[CidTrigger, int] = {}
        self.cid_seen = False
        self.seen_standard: CidStandard | None = None
        self.caller_id: CallerId | None = None
        self.opened_by: CidTrigger | None = None
        self.enabled = True

    @property
    def state(self) -> CidState:
        return self.fsm.state

    @property
    def is_open(self) -> bool:
        return self.state is CidState.OPEN

    @property
    def next_deadline(self) -> float | None:
        return self.closes_at if self.is_open else None

    def trigger(self, kind: CidTrigger, now: float) -> bool:
        """A trigger seen on the line; True when it opened (or re-armed) a window."""
        if self.state is CidState.DONE or not self.enabled:
            return False
        limit = MAX_RING_END_WINDOWS if kind is CidTrigger.RING_END else 1
        if self.used.get(kind, 0) >= limit:
            return False
        self.used[kind] = self.used.get(kind, 0) + 1
        self.fsm.fire(CidEvent.OPEN)
        self.closes_at = now + self.window_s
        self.opened_by = kind
        return True

    def received(self, caller_id: CallerId, standard: CidStandard, now: float) -> list[PortEvent]:
        if self.state is not CidState.OPEN:
            return []
        self.fsm.fire(CidEvent.RECEIVED)
        self.closes_at = None
        self.cid_seen = True
        self.seen_standard = standard
        self.caller_id = caller_id
        return [LineCallerId(self.port, now, caller_id=caller_id)]

    def tick(self, now: float) -> bool:
        """Close an expired window; True if it closed now."""
        if self.is_open and self.closes_at is not None and now >= self.closes_at:
            self.fsm.fire(CidEvent.EXPIRE)
            self.closes_at = None
            return True
        return False

    def close(self) -> None:
        """Stop listening (the port went off-hook): the window ends without a caller ID."""
        if self.is_open:
            self.fsm.fire(CidEvent.EXPIRE)
            self.closes_at = None

    def call_end(self) -> None:
        """The incoming call is over (answered and released, or ringing timed out): start afresh."""
        self.fsm.fire(CidEvent.CALL_END)
        self.closes_at = None
        self.used.clear()
        self.cid_seen = False
        self.seen_standard = None
        self.caller_id = None
        self.opened_by = None


class IncomingCall:
    """One unanswered incoming call: from the first ring or caller-ID trigger until it is answered
    or no ring came for `ring_timeout_ms` (Asterisk `ringtimeout`, fact sheet 2.5)."""

    def __init__(self, *, ring_timeout_ms: int = 8000) -> None:
        self.timeout_s = ring_timeout_ms / 1000.0
        self.active = False
        self.rang = False            # a qualified ring was reported in this call
        self.rings = 0
        self.last_activity = 0.0

    @property
    def next_deadline(self) -> float | None:
        return self.last_activity + self.timeout_s if self.active else None

    def activity(self, now: float, *, ring: bool = False) -> None:
        """A ring start/stop or a caller-ID trigger: the call exists (again) and the timer restarts."""
        self.active = True
        self.last_activity = now
        if ring:
            self.rang = True

    def ring_started(self, now: float) -> None:
        self.rings += 1
        self.activity(now, ring=True)

    def timed_out(self, now: float, *, ringing: bool) -> bool:
        """True once when the call is over; a ring burst in progress keeps it alive."""
        if not self.active:
            return False
        if ringing:
            self.last_activity = now
            return False
        return now - self.last_activity >= self.timeout_s

    def end(self) -> None:
        self.active = False
        self.rang = False
        self.rings = 0
