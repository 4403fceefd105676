"""Chip-level alarms of an FXO port with bounded recovery back-off (architecture guide: faults are alarms)."""

# A chip fault (absent chip, chip not answering, ISO link down, chip reset) puts the port in alarm;
# recovery re-runs the init sequence after 1 s, then 2 s, 4 s ... capped at `max_s` (60 s). A
# repeated failure with the same alarm code stays quiet; a different code is reported. Success
# clears the alarm and the back-off.

from __future__ import annotations

import logging

from firmware.contracts.errors import BusError, ChipAbsentError, ChipTimeoutError, ChipVerifyError
from firmware.contracts.ports import AlarmCode, PortAlarm, PortAlarmCleared, PortEvent

log = logging.getLogger(__name__)

FIRST_BACKOFF_S = 1.0


def alarm_code(exc: BaseException, *, ever_up: bool) -> AlarmCode:
    """Which alarm a driver/bus exception means."""
    if isinstance(exc, ChipTimeoutError):
        return AlarmCode.LINK_FAILED
    if isinstance(exc, ChipAbsentError):
        return AlarmCode.CHIP_NOT_ANSWERING if ever_up else AlarmCode.CHIP_ABSENT
    if isinstance(exc, (ChipVerifyError, BusError)):
        return AlarmCode.CHIP_NOT_ANSWERING
    return AlarmCode.CHIP_NOT_ANSWERING


class ChipAlarm:
    """The chip alarm of one port and when to try the next recovery."""

    def __init__(self, port: int, *, max_s: float = 60.0) -> None:
        self.port = port
        self.max_s = max_s
        self.alarm: PortAlarm | None = None
        self.backoff_s = FIRST_BACKOFF_S
        self.next_attempt: float | None = None
        self.attempts = 0
        self.history: list[float] = []   # attempt times (tests and the web page)

    @property
    def active(self) -> bool:
        return self.alarm is not None

    def due(self, now: float) -> bool:
        return self.next_attempt is not None and now >= self.next_attempt

    def fault(self, code: AlarmCode, reason: str, now: float) -> list[PortEvent]:
        """A fault while running (or at start): alarm now, first recovery after 1 s."""
        self.backoff_s = FIRST_BACKOFF_S
        self.next_attempt = now + self.backoff_s
        return self._report(code, reason, now)

    def attempt_started(self, now: float) -> None:
        self.attempts += 1
        self.history.append(now)
        self.next_attempt = None

    def attempt_failed(self, code: AlarmCode, reason: str, now: float) -> list[PortEvent]:
        self.backoff_s = min(self.backoff_s * 2.0, self.max_s)
        self.next_attempt = now + self.backoff_s
        return self._report(code, reason, now)

    def cleared(self, now: float) -> list[PortEvent]:
        was = self.alarm
        self.alarm = None
        self.next_attempt = None
        self.backoff_s = FIRST_BACKOFF_S
        if was is None:
            return []
        log.info("port %d: chip recovered after %d attempt(s)", self.port, self.attempts)
        return [PortAlarmCleared(self.port, now)]

    def _report(self, code: AlarmCode, reason: str, now: float) -> list[PortEvent]:
        if self.alarm is not None and self.alarm.code is code:
            return []
        log.warning("port %d: %s: %s", self.port, code.value, reason)
        self.alarm = PortAlarm(self.port, now, code=code, reason=reason)
        return [self.alarm]
