"""Engine output: media and CDR commands next to the port commands of firmware.contracts.ports.

Legs are named by stable strings: "fxs:<port>", "fxo:<port>" (later "sip:<id>", "trunk:<name>").
Media semantics (pjsua2 conference bridge, one media node per leg): `PlayTone` replaces whatever
tone the leg hears, `StopTone` silences it, `Connect`/`Disconnect` join/part two legs' audio both
ways. A `CdrRecord` is written once, when a call ends (fields follow Asterisk's cdr: start,
answer, end, duration, billsec, disposition).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from firmware.contracts.ports import PortCommand
from firmware.contracts.tones import ToneSpec


def fxs_leg(port: int) -> str:
    return f"fxs:{port}"


def fxo_leg(port: int) -> str:
    return f"fxo:{port}"


def leg_port(leg: str) -> int:
    """The port number of an analog leg id ("fxs:1" -> 1); ValueError for other legs."""
    kind, _, number = leg.partition(":")
    if kind not in ("fxs", "fxo") or not number.isdigit():
        raise ValueError(f"{leg!r} is not an analog port leg")
    return int(number)


# --- media commands: engine -> conference bridge ---------------------------------------------
@dataclass(frozen=True)
class MediaCommand:
    pass


@dataclass(frozen=True)
class PlayTone(MediaCommand):
    leg: str
    spec: ToneSpec


@dataclass(frozen=True)
class StopTone(MediaCommand):
    leg: str


@dataclass(frozen=True)
class Connect(MediaCommand):
    a: str
    b: str


@dataclass(frozen=True)
class Disconnect(MediaCommand):
    a: str
    b: str


# --- call detail records ---------------------------------------------------------------------
class Direction(enum.Enum):
    INTERNAL = "internal"
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class Disposition(enum.Enum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"    # rang, nobody answered (inbound: a missed call)
    BUSY = "busy"              # the called extension was busy
    FAILED = "failed"          # unknown number, not permitted, a line or port failed
    CONGESTION = "congestion"  # no free line / the called port is in alarm
    CANCELLED = "cancelled"    # the caller hung up before the answer


class HangupSide(enum.Enum):
    CALLER = "caller"
    CALLEE = "callee"
    SYSTEM = "system"          # timeout, alarm, failure


class AnswerSource(enum.Enum):
    OFF_HOOK = "off_hook"      # an extension lifted the handset
    POLARITY = "polarity"      # the exchange reversed the line polarity (answer supervision)
    ASSUMED = "assumed"        # no answer signal: answered when dialling was complete


@dataclass(frozen=True)
class CdrRecord:
    call_id: int
    direction: Direction
    start: datetime            # number complete (inbound: first ring or caller ID)
    answer: datetime | None
    end: datetime
    duration_s: int            # end - start, whole seconds (rounded)
    billable_s: int            # end - answer, whole seconds (rounded); 0 if not answered
    from_number: str
    from_name: str
    to: str                    # extension or the number sent to the line
    dialled: str               # digits the caller dialled ("" for inbound)
    route: str                 # route name ("" internal, "inbound" for inbound calls)
    line: str                  # line leg id ("" internal)
    disposition: Disposition
    hangup_side: HangupSide
    answer_source: AnswerSource | None
    caller_leg: str = ""
    callee_leg: str = ""
    reason: str = ""           # why a call failed, for people ("international calls not permitted")

    @property
    def missed(self) -> bool:
        """An inbound call nobody answered."""
        return self.direction is Direction.INBOUND and self.disposition is not Disposition.ANSWERED


Command = PortCommand | MediaCommand | CdrRecord
