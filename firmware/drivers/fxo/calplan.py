"""FXO line calibration: the plan (timings, probe) and the procedure's transition table (fact 2.2, 2.6)."""

# Phases of one calibration run and the events that move it; `calibration.LineCalibrator` performs
# them. ABORT is legal from every phase but DONE; SIGNAL (a first disconnect signal) from every
# phase in which the test call is up.

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True)
class CalibrationPlan:
    number: str = ""
    incoming_wait_s: float = 0.0
    pulse: bool = False
    answer_wait_s: float = 60.0          # outgoing: ringing allowed before we give up
    answer_quiet_s: float = 6.0          # quiet this long after dialling = answered (ringback pauses < 5 s)
    quiet_s: float = 1.0                 # far end silent this long before the ACIM sweep
    quiet_timeout_s: float = 20.0
    quiet_level_dbm0: float = -50.0
    acim_codes: tuple[int, ...] = tuple(range(16))
    settle_ms: int = 300
    settle_retries: int = 3
    probe_ms: int = 400
    probe_skip_ms: int = 100
    probe_level_dbm0: float = -20.0
    hangup_wait_s: float = 90.0
    observe_s: float = 8.0
    answer_after_rings: int = 4


class CalPhase(enum.Enum):
    IDLE = "idle"
    OUT_DIALING = "out_dialing"
    OUT_WAIT_ANSWER = "out_wait_answer"
    IN_WAIT_RING = "in_wait_ring"
    IN_RINGING = "in_ringing"
    QUIET = "quiet"
    ACIM_SETTLE = "acim_settle"
    ACIM_PROBE = "acim_probe"
    WAIT_HANGUP = "wait_hangup"
    OBSERVE = "observe"
    RELEASED = "released"
    DONE = "done"


class CalEvent(enum.Enum):
    START_OUT = "start_out"
    START_IN = "start_in"
    DIALED = "dialed"
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    RING = "ring"
    ANSWER_CALL = "answer_call"
    CALL_GONE = "call_gone"
    NO_RING = "no_ring"
    QUIET_OK = "quiet_ok"
    SKIP_SWEEP = "skip_sweep"
    RETRY = "retry"
    SETTLED = "settled"
    PROBED = "probed"
    SWEEP_DONE = "sweep_done"
    SIGNAL = "signal"
    HANGUP_TIMEOUT = "hangup_timeout"
    OBSERVED = "observed"
    NEXT_IN = "next_in"
    FINISH = "finish"
    ABORT = "abort"


_P, _E = CalPhase, CalEvent
CALL_PHASES = (_P.QUIET, _P.ACIM_SETTLE, _P.ACIM_PROBE, _P.WAIT_HANGUP)
TABLE: dict[tuple[CalPhase, CalEvent], CalPhase] = {
    (_P.IDLE, _E.START_OUT): _P.OUT_DIALING,
    (_P.IDLE, _E.START_IN): _P.IN_WAIT_RING,
    (_P.IDLE, _E.FINISH): _P.DONE,
    (_P.OUT_DIALING, _E.DIALED): _P.OUT_WAIT_ANSWER,
    (_P.OUT_WAIT_ANSWER, _E.ANSWERED): _P.QUIET,
    (_P.OUT_WAIT_ANSWER, _E.NO_ANSWER): _P.RELEASED,
    (_P.OUT_WAIT_ANSWER, _E.SIGNAL): _P.OBSERVE,
    (_P.IN_WAIT_RING, _E.RING): _P.IN_RINGING,
    (_P.IN_WAIT_RING, _E.NO_RING): _P.DONE,
    (_P.IN_RINGING, _E.RING): _P.IN_RINGING,
    (_P.IN_RINGING, _E.ANSWER_CALL): _P.QUIET,
    (_P.IN_RINGING, _E.CALL_GONE): _P.RELEASED,
    (_P.QUIET, _E.QUIET_OK): _P.ACIM_SETTLE,
    (_P.QUIET, _E.SKIP_SWEEP): _P.WAIT_HANGUP,
    (_P.ACIM_SETTLE, _E.RETRY): _P.ACIM_SETTLE,
    (_P.ACIM_SETTLE, _E.SETTLED): _P.ACIM_PROBE,
    (_P.ACIM_PROBE, _E.PROBED): _P.ACIM_SETTLE,
    (_P.ACIM_PROBE, _E.SWEEP_DONE): _P.WAIT_HANGUP,
    (_P.WAIT_HANGUP, _E.HANGUP_TIMEOUT): _P.RELEASED,
    (_P.OBSERVE, _E.OBSERVED): _P.RELEASED,
    (_P.OBSERVE, _E.SIGNAL): _P.OBSERVE,
    (_P.RELEASED, _E.NEXT_IN): _P.IN_WAIT_RING,
    (_P.RELEASED, _E.FINISH): _P.DONE,
    **{(phase, _E.SIGNAL): _P.OBSERVE for phase in CALL_PHASES},
    **{(phase, _E.ABORT): _P.DONE for phase in _P if phase is not _P.DONE},
}


class ActionKind(enum.Enum):
    SEIZE = "seize"
    RELEASE = "release"
    DIAL = "dial"
    SET_ACIM = "set_acim"


@dataclass(frozen=True)
class CalAction:
    kind: ActionKind
    digits: str = ""
    pulse: bool = False
    acim: int = 0
