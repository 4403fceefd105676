"""Call recording: a recorder node on the conference bridge that every party of the call transmits to
(the mixed call) writes a WAV file (`StartRecording`; sent again when the parties change, e.g. after a
transfer, it re-attaches). Automatic for calls of listed extensions, lines (trunks) and ring groups;
on demand by flash + `*1` on an analog handset (dialling during a call needs the flash: the code is
dialled on recall dial tone, then the call comes back) or from the operator panel; each start makes
a new file, listed in the call record's extra (`recordings`). While recording, the engine asks the
runtime every `check_s` to sweep (`SweepRecordings`: retention by age and total size, and a free-space
floor); a full disk stops the recordings (`RecordingStopped` back in), the calls go on, the call record
says so (`recording_error`)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

from firmware.config.features import RecordingConfig
from firmware.pbx.commands import RecordingStopped, StartRecording, StopRecording, SweepRecordings
from firmware.pbx.core import Core
from firmware.pbx.features.common import extension_of, machine
from firmware.pbx.legs import LegMachine, Table
from firmware.pbx.state import Call

SWEEP_OWNER = "recording"


class RecordingState(enum.Enum):
    OFF = "off"
    RECORDING = "recording"


class RecordingEvent(enum.Enum):
    START = "start"
    STOP = "stop"
    REATTACH = "reattach"
    FAILED = "failed"
    CALL_ENDED = "call_ended"


class RecordingOutcome(enum.Enum):
    STOPPED = "stopped"          # on demand
    CALL_ENDED = "call_ended"
    FAILED = "failed"            # disk full, write error


_R, _E = RecordingState, RecordingEvent
RECORDING_TABLE: Table[RecordingState, RecordingEvent] = MappingProxyType({
    (_R.OFF, _E.START): (_R.RECORDING, "start_recorder"),
    (_R.RECORDING, _E.REATTACH): (_R.RECORDING, "start_recorder"),
    (_R.RECORDING, _E.STOP): (_R.OFF, RecordingOutcome.STOPPED.value),
    (_R.RECORDING, _E.FAILED): (_R.OFF, RecordingOutcome.FAILED.value),
    (_R.RECORDING, _E.CALL_ENDED): (_R.OFF, RecordingOutcome.CALL_ENDED.value),
    (_R.OFF, _E.CALL_ENDED): (_R.OFF, "ignore"),
    (_R.OFF, _E.FAILED): (_R.OFF, "ignore"),
})


@dataclass
class CallRecording:
    call: int
    machine: LegMachine[RecordingState, RecordingEvent]
    parts: int = 0
    path: str = ""
    legs: tuple[str, ...] = ()
    since: float = 0.0


class Recording:
    def __init__(self, core: Core, legs_of: Callable[[Call], tuple[str, ...]]) -> None:
        self.core = core
        self.legs_of = legs_of
        self.calls: dict[int, CallRecording] = {}
        core.hooks.talking.append(self._talking)
        core.hooks.call_ended.append(self._ended)

    @property
    def config(self) -> RecordingConfig:
        return self.core.settings.features.recording

    def recording(self, call: Call) -> bool:
        rec = self.calls.get(call.id)
        return rec is not None and rec.machine.state is RecordingState.RECORDING

    def active(self) -> list[CallRecording]:
        return [r for r in self.calls.values() if r.machine.state is RecordingState.RECORDING]

    # --- on demand -------------------------------------------------------------------------------
    def toggle(self, call: Call) -> bool:
        """Start or stop; returns whether the call is recorded now."""
        if self.recording(call):
            self.stop(call)
            return False
        self.start(call, "on demand")
        return True

    def start(self, call: Call, why: str) -> None:
        core = self.core
        rec = self.calls.get(call.id)
        if rec is None:
            rec = self.calls[call.id] = CallRecording(call.id, machine("recording", f"call {call.id}",
                                                                       RECORDING_TABLE, RecordingState.OFF))
        rec.machine.fire(RecordingEvent.START)
        rec.parts += 1
        rec.since = core.now
        rec.legs = self.legs_of(call)
        rec.path = f"{self.config.directory}/{core.wall:%Y-%m-%d}/{core.wall:%H%M%S}-call{call.id}-{rec.parts}.wav"
        core.out.emit(StartRecording(call.id, rec.legs, rec.path))
        names = call.extra.setdefault("recordings", [])
        if isinstance(names, list):
            names.append(rec.path)
        call.extra.setdefault("recorded", why)
        self._sweep_soon()

    def stop(self, call: Call) -> None:
        rec = self.calls[call.id]
        rec.machine.fire(RecordingEvent.STOP)
        self.core.out.emit(StopRecording(call.id))

    def failed(self, event: RecordingStopped) -> None:
        """The runtime stopped a recording (disk full); the call goes on."""
        rec = self.calls.get(event.call_id)
        if rec is None:
            return
        rec.machine.fire(RecordingEvent.FAILED)
        call = self.core.calls.get(event.call_id)
        if call is not None:
            call.extra["recording_error"] = event.reason

    # --- automatic ---------------------------------------------------------------------------------
    def wanted(self, call: Call) -> str:
        """Why this call is recorded automatically ("" if not)."""
        cfg = self.config
        for party in call.parties:
            if extension_of(self.core, party) in cfg.extensions:
                return f"extension {extension_of(self.core, party)}"
            if party in cfg.lines:
                return f"line {party}"
        group = call.extra.get("group")
        return f"group {group}" if isinstance(group, str) and group in cfg.groups else ""

    def _talking(self, core: Core, call: Call) -> None:
        rec = self.calls.get(call.id)
        if rec is not None and rec.machine.state is RecordingState.RECORDING:
            legs = self.legs_of(call)
            if legs != rec.legs:
                rec.machine.fire(RecordingEvent.REATTACH)
                rec.legs = legs
                core.out.emit(StartRecording(call.id, legs, rec.path))
            return
        why = self.wanted(call)
        if why and rec is None:
            self.start(call, why)

    def _ended(self, core: Core, call: Call) -> None:
        rec = self.calls.pop(call.id, None)
        if rec is not None and rec.machine.fire(RecordingEvent.CALL_ENDED) != "ignore":
            core.out.emit(StopRecording(call.id))

    # --- retention and disk checks ---------------------------------------------------------------------
    def sweep(self) -> SweepRecordings:
        cfg = self.config
        return SweepRecordings(cfg.directory, cfg.max_age_days, cfg.max_total_mb, cfg.min_free_mb)

    def _sweep_soon(self) -> None:
        core = self.core
        core.out.emit(self.sweep())
        if core.timers.pending(SWEEP_OWNER, "check") is None:
            core.after(SWEEP_OWNER, "check", float(self.config.check_s), lambda at: self._check())

    def _check(self) -> None:
        if self.active():
            self.core.out.emit(self.sweep())
            self.core.after(SWEEP_OWNER, "check", float(self.config.check_s), lambda at: self._check())
