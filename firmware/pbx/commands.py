"""Engine output: media and CDR commands next to the port commands of firmware.contracts.ports.

Legs are named by stable strings: "fxs:<port>", "fxo:<port>" (later "sip:<id>", "trunk:<name>").
Media semantics (pjsua2 conference bridge, one media node per leg): `PlayTone` replaces whatever
tone the leg hears, `StopTone` silences it, `Connect`/`Disconnect` join/part two legs' audio both
ways. `PlayMusic` loops a music file ("default" = the shipped music on hold), `PlayPrompt` speaks
words once (firmware.prompts), `StopMusic` ends either. `StartRecording` attaches a recorder node
that the listed legs all transmit to (the mixed call) - sent again for the same call it re-attaches
it to new legs -, `StopRecording` finalises the file. A `CdrRecord` is written once, when a call
ends (fields follow Asterisk's cdr: start, answer, end, duration, billsec, disposition; feature data
in `extra`, JSON in the record's extra column). `SendMail` and `SweepRecordings` are jobs for the
runtime (SMTP, recording retention); `RecordingStopped` is the runtime's answer when a recording
could not go on (disk full), fed back through `Engine.media_event`.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from firmware.contracts.ports import PortCommand
from firmware.contracts.tones import ToneSpec
from firmware.pbx.sipmsg import SipCommand


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


@dataclass(frozen=True)
class Listen(MediaCommand):
    """One-way audio: `sink` hears `source` (a page to handsets that only listen)."""

    source: str
    sink: str


@dataclass(frozen=True)
class Unlisten(MediaCommand):
    source: str
    sink: str


@dataclass(frozen=True)
class PlayMusic(MediaCommand):
    leg: str
    source: str = "default"     # "default" = the shipped music on hold, else a WAV file path


@dataclass(frozen=True)
class PlayPrompt(MediaCommand):
    leg: str
    words: tuple[str, ...]      # prompt words: "parked_on_slot", digits "0".."9"
    language: str = "en"


@dataclass(frozen=True)
class StopMusic(MediaCommand):
    leg: str


@dataclass(frozen=True)
class StartRecording(MediaCommand):
    call_id: int
    legs: tuple[str, ...]
    path: str                   # relative to the recordings directory (or absolute)


@dataclass(frozen=True)
class StopRecording(MediaCommand):
    call_id: int


# --- jobs for the runtime --------------------------------------------------------------------
@dataclass(frozen=True)
class Attachment:
    filename: str
    content: str
    mimetype: str = "text/csv"
    path: str = ""              # a file to attach instead of `content` (a voicemail WAV), read when sent
    remove: bool = False        # delete that file once the mail went out (voicemail: delete after mail)


@dataclass(frozen=True)
class SendMail:
    to: tuple[str, ...]
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class SweepRecordings:
    """Delete recordings older than `max_age_days` and the oldest beyond `max_total_mb`; when the
    disk has less than `min_free_mb` free, stop the recordings in progress (RecordingStopped)."""

    directory: str
    max_age_days: int
    max_total_mb: int
    min_free_mb: int


@dataclass(frozen=True)
class RecordingStopped:
    """Runtime -> engine: a recording ended by itself (disk full, write error)."""

    call_id: int
    reason: str


@dataclass(frozen=True)
class PromptFinished:
    """Runtime -> engine: the prompt a leg heard (`PlayPrompt`) played to its end."""

    leg: str


@dataclass(frozen=True)
class OfficeJob:
    """Base of the office features' jobs for the runtime (voicemail files, mails with recordings,
    message-waiting on IP phones); the concrete ones live in their feature packages."""


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
    PICKUP = "pickup"          # another phone picked the ringing call up (call pickup)


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
    extra: Mapping[str, object] = field(default_factory=dict)   # feature data (recordings, group, ...)

    @property
    def extra_text(self) -> str:
        """The record's extra column: the reason alone, or JSON with the reason and feature data."""
        if not self.extra:
            return self.reason
        data = {"reason": self.reason, **self.extra} if self.reason else dict(self.extra)
        return json.dumps(data, sort_keys=True, default=str)

    @property
    def missed(self) -> bool:
        """An inbound call nobody answered."""
        return self.direction is Direction.INBOUND and self.disposition is not Disposition.ANSWERED


Command = PortCommand | MediaCommand | CdrRecord | SendMail | SweepRecordings | SipCommand | OfficeJob
