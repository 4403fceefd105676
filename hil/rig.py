"""Hardware-in-the-loop rig: the scenario suite's `Rig` on a real board plus a rig controller.

The test runs on the box itself (a Raspberry Pi with the telephony board): the chip drivers
run on the real SPI/GPIO (`LinuxBackend`) and the port loop is stepped in real time. Handsets
and lines are played by the rig controller, a microcontroller board on a USB serial port
that has, per FXS port, a relay closing the loop through 300 ohm (hook, flash, rotary pulses
timed by the controller), a DTMF/tone generator into the loop, a ringing-voltage detector
timestamping ring bursts, and an FSK/DTMF caller-ID decoder. Its line protocol (ASCII, one
command per line, 115200 baud) is documented in hil/README.md; every command answers
`OK ...` or `ERR <reason>`.

Status: written against that protocol; not yet run against a controller (no rig here).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

from firmware.app.backends import LinuxBackend
from firmware.app.compose import build_analog
from firmware.config.model import Config
from firmware.config.store import load_config
from firmware.contracts.callerid import CallerId, CidAbsence
from firmware.contracts.clock import MonotonicClock
from firmware.contracts.ports import PortCommand, PortEvent


class RigError(RuntimeError):
    pass


class RigController:
    """The serial link to the rig controller."""

    def __init__(self, device: str, baud: int = 115200) -> None:
        import serial  # pyserial, only needed on the rig

        self._ser = serial.Serial(device, baud, timeout=5)

    def ask(self, command: str) -> str:
        self._ser.write((command + "\n").encode("ascii"))
        reply = self._ser.readline().decode("ascii", "replace").strip()
        if not reply.startswith("OK"):
            raise RigError(f"rig controller: {command!r} -> {reply or 'no answer'}")
        return reply[2:].strip()


@dataclass
class CidEntry:
    at: float
    caller_id: CallerId
    call_waiting: bool = False


class HilHandset:
    """The virtual handset's API, played by the rig controller on one port."""

    def __init__(self, rig: RigController, port: int) -> None:
        self._rig, self.port = rig, port
        self.hook = False
        self.cid_ack_digit: str | None = "D"

    def off_hook(self) -> None:
        self._rig.ask(f"HOOK {self.port} OFF")
        self.hook = True

    def on_hook(self) -> None:
        self._rig.ask(f"HOOK {self.port} ON")
        self.hook = False

    def flash(self, ms: int = 120) -> None:
        self._rig.ask(f"FLASH {self.port} {ms}")

    def press(self, digits: str, *, on_ms: int = 100, off_ms: int = 100, level_dbm0: float = -7.0) -> None:
        self._rig.ask(f"DTMF {self.port} {digits} {on_ms} {off_ms} {level_dbm0}")

    def dial_pulse(self, digits: str, *, pps: float = 10.0, break_ms: float = 60, make_ms: float = 40,
                   interdigit_ms: float = 700) -> None:
        self._rig.ask(f"PULSE {self.port} {digits} {pps} {break_ms} {make_ms} {interdigit_ms}")

    @property
    def ringing(self) -> bool:
        return self._rig.ask(f"RINGING? {self.port}") == "1"

    def ring_bursts(self, since: float | None = None) -> list[tuple[float, float]]:
        data = json.loads(self._rig.ask(f"RINGS? {self.port} {since or 0}"))
        return [(float(a), float(b)) for a, b in data]

    @property
    def display(self) -> list[CidEntry]:
        self._rig.ask(f"CIDACK {self.port} {self.cid_ack_digit or '-'}")
        entries = json.loads(self._rig.ask(f"CID? {self.port}"))
        return [CidEntry(e["at"], _caller_id(e), bool(e.get("cw"))) for e in entries]


def _caller_id(entry: dict[str, Any]) -> CallerId:
    absent = entry.get("absence")
    return CallerId(number=entry.get("number"), name=entry.get("name"),
                    number_absence=CidAbsence(absent) if absent else None)


class HilRig:
    """`Rig` on the real board: real drivers, real time, handsets played by the controller."""

    STEP = 0.010

    def __init__(self, cfg: Config | None = None, **_: Any) -> None:
        self.cfg = cfg or load_config(os.environ.get("PBX_HIL_CONFIG", "/etc/pbx/pbx.yaml"))
        self.clock = MonotonicClock()
        self.controller = RigController(os.environ.get("PBX_HIL_SERIAL", "/dev/ttyACM0"))
        self.analog = build_analog(self.cfg, LinuxBackend(self.cfg), self.clock)
        self._events: list[PortEvent] = list(self.analog.loop.start())

    def handset(self, port: int) -> HilHandset:
        return HilHandset(self.controller, port)

    def chip(self, port: int) -> Any:
        import pytest

        pytest.skip("fault injection into chips exists only on the virtual board")

    def now(self) -> float:
        return self.clock.now()

    def wait(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        next_at = time.monotonic()
        while time.monotonic() < end:
            self._events += self.analog.loop.step(self.clock.now())
            next_at += self.STEP
            time.sleep(max(0.0, next_at - time.monotonic()))

    def command(self, cmd: PortCommand) -> None:
        self._events += self.analog.loop.command(cmd, self.clock.now())

    def events(self, port: int | None = None, kind: type | None = None) -> list[PortEvent]:
        return [e for e in self._events
                if (port is None or e.port == port) and (kind is None or isinstance(e, kind))]

    def clear_events(self) -> None:
        self._events.clear()
