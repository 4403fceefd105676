"""Port alarm bookkeeping: SPI sanity, power alarms, chip faults and recovery (fact sheet 1.1, 1.10).

Decides which `PortAlarm` a fault becomes, keeps the port's one current alarm, and turns the
power-alarm counter's actions into events. Register I/O stays in the port.
"""

from __future__ import annotations

import logging

from firmware.contracts.errors import (
    BusError,
    ChipAbsentError,
    ChipTimeoutError,
    ChipVerifyError,
    DriverError,
)
from firmware.contracts.ports import AlarmCode, PortAlarm, PortAlarmCleared, PortEvent
from firmware.drivers.fxs.alarm import Action, PowerAlarmCounter, PowerState, SpiBackoff
from firmware.drivers.fxs.proslic import CalibrationError, PowerUpError

log = logging.getLogger(__name__)
LOOP_STAT_ZERO_BITS = 0xF8   # DR68 bits 7:3 always read 0 (fact sheet 1.1)


def fault_alarm(port: int, now: float, exc: BaseException) -> PortAlarm:
    """The alarm a chip fault raised during start, tick or recovery becomes."""
    text = str(exc)
    if not text.startswith(f"port {port}:"):
        text = f"port {port}: " + (f"SPI transfer failed: {text}" if isinstance(exc, BusError) else text)
    if isinstance(exc, CalibrationError):
        code = AlarmCode.CALIBRATION_FAILED
    elif isinstance(exc, PowerUpError):
        code = AlarmCode.POWER_ALARM
    elif isinstance(exc, ChipAbsentError):
        code = AlarmCode.CHIP_ABSENT
    elif isinstance(exc, (ChipTimeoutError, ChipVerifyError, BusError, DriverError)):
        code = AlarmCode.CHIP_NOT_ANSWERING
    else:
        raise TypeError(f"not a chip fault: {exc!r}")
    return PortAlarm(port, now, code=code, reason=text)


class Supervisor:
    def __init__(self, port: int, power: PowerAlarmCounter, backoff: SpiBackoff) -> None:
        self.port = port
        self.power = power
        self.backoff = backoff
        self.alarm: PortAlarm | None = None
        self.chip_down = False

    @property
    def power_blocked(self) -> bool:
        """Too many power alarms: the linefeed is left as the chip dropped it."""
        return self.power.state is PowerState.ALARMED

    # --- register sanity ---------------------------------------------------------------------
    def check_loop_status(self, dr68: int) -> None:
        if dr68 & LOOP_STAT_ZERO_BITS:
            raise ChipVerifyError(
                f"port {self.port}: chip not answering on SPI (read 0x{dr68:02X} from DR68)")

    def check_line_state(self, dr64: int) -> None:
        if dr64 == 0xFF:
            raise ChipVerifyError(f"port {self.port}: chip not answering on SPI (read 0xFF from DR64)")

    # --- power alarms ------------------------------------------------------------------------
    def on_power_action(self, now: float, action: object, *, written: object,
                        dr19: int | None = None) -> tuple[list[PortEvent], bool]:
        """Events for a power-counter action and whether the linefeed must be rewritten."""
        if action is Action.REWRITE:
            if self.power.state is PowerState.PROBING:
                log.warning("port %d: power alarm count decayed to %d, trying the linefeed again",
                            self.port, self.power.count)
            else:
                log.warning("port %d: power alarm %d (%s), rewriting the linefeed", self.port,
                            self.power.count, _cause(dr19))
            return [], True
        if action is Action.RAISE:
            reason = (f"port {self.port}: {self.power.count} power alarms ({_cause(dr19)}); line left open, "
                      "check for a short circuit or an overloaded line")
            return self._raise(PortAlarm(self.port, now, code=AlarmCode.POWER_ALARM, reason=reason)), False
        if action is Action.CLEAR and self.alarm is not None and self.alarm.code is AlarmCode.POWER_ALARM:
            self.alarm = None
            return [PortAlarmCleared(self.port, now)], False
        return [], False

    # --- chip faults ---------------------------------------------------------------------------
    def raise_reset(self, now: float, dr8: int) -> PortAlarm:
        alarm = PortAlarm(self.port, now, code=AlarmCode.CHIP_RESET,
                          reason=f"port {self.port}: chip was reset behind our back (DR8 read 0x{dr8:02X}); "
                                 "re-initialising")
        self.alarm = alarm
        self.chip_down = True
        return alarm

    def chip_fault(self, now: float, alarm: PortAlarm) -> list[PortEvent]:
        """One PortAlarm per outage: failed recovery attempts are logged, not re-reported."""
        was_down, self.chip_down = self.chip_down, True
        retry = self.backoff.failed(now)
        log.warning("%s; next attempt in %.0f s", alarm.reason, retry - now)
        if was_down and self.alarm is not None and self.alarm.code is not AlarmCode.CHIP_RESET:
            return []
        return self._raise(alarm)

    def chip_up(self, now: float) -> list[PortEvent]:
        """Init succeeded: clear a chip alarm; a power alarm still counted stays raised."""
        self.chip_down = False
        events: list[PortEvent] = []
        if self.alarm is not None:
            self.alarm = None
            events.append(PortAlarmCleared(self.port, now))
        if self.power.state is not PowerState.OK:
            reason = f"port {self.port}: {self.power.count} power alarms; line left open"
            events += self._raise(PortAlarm(self.port, now, code=AlarmCode.POWER_ALARM, reason=reason))
        return events

    def _raise(self, alarm: PortAlarm) -> list[PortEvent]:
        self.alarm = alarm
        log.error("%s", alarm.reason)
        return [alarm]


def _cause(dr19: int | None) -> str:
    if dr19:
        return f"DR19 read 0x{dr19:02X}: power alarm Q1..Q6 bits 0x{dr19 & 0xFC:02X}"
    return "linefeed dropped to Open"
