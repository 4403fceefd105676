"""Power-alarm counter with decay and SPI recovery back-off (fact sheet 1.10; DAHDI recheck_sanity).

Power alarms (the chip dropped the linefeed to Open, or DR19 power-alarm bits): up to
`max_alarms - 1` are answered by rewriting the linefeed; the `max_alarms`-th puts the port in
alarm and rewriting stops. The count decays by one every `decay_s`; after a decay the port
probes once with a rewrite, and the alarm clears when that rewrite holds.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from firmware.contracts.errors import IllegalTransition


class PowerState(enum.Enum):
    OK = "ok"
    ALARMED = "alarmed"    # too many alarms: linefeed left Open
    PROBING = "probing"    # a decay allowed one more rewrite; waiting to see if it holds


class PowerEvent(enum.Enum):
    ALARM = "alarm"        # sanity check found the line dropped to Open / DR19 alarm bits
    HELD = "held"          # sanity check found the intended linefeed in place
    DECAY = "decay"        # decay timer


class Action(enum.Enum):
    NONE = "none"
    REWRITE = "rewrite"    # write the intended linefeed again
    RAISE = "raise"        # report PortAlarm(POWER_ALARM)
    CLEAR = "clear"        # report PortAlarmCleared


_S, _E = PowerState, PowerEvent
TRANSITIONS: dict[tuple[PowerState, PowerEvent], str] = {
    (_S.OK, _E.ALARM): "_count",
    (_S.OK, _E.HELD): "_nothing",
    (_S.OK, _E.DECAY): "_decay",
    (_S.ALARMED, _E.ALARM): "_nothing",
    (_S.ALARMED, _E.HELD): "_cleared",
    (_S.ALARMED, _E.DECAY): "_decay_and_probe",
    (_S.PROBING, _E.ALARM): "_probe_failed",
    (_S.PROBING, _E.HELD): "_cleared",
    (_S.PROBING, _E.DECAY): "_decay",
}


class PowerAlarmCounter:
    def __init__(self, port: int, *, max_alarms: int = 10, decay_s: float = 10.0) -> None:
        if max_alarms < 1 or decay_s <= 0:
            raise ValueError("power alarm limit and decay must be positive")
        self.port = port
        self.max_alarms = max_alarms
        self.decay_s = decay_s
        self.state = PowerState.OK
        self.count = 0
        self.total = 0
        self._decay_at: float | None = None

    @property
    def deadline(self) -> float | None:
        return self._decay_at

    def poll(self, now: float) -> list[Action]:
        actions: list[Action] = []
        while self._decay_at is not None and round((now - self._decay_at) * 1e6) >= 0:
            actions.append(self.handle(PowerEvent.DECAY, self._decay_at))
        return [a for a in actions if a is not Action.NONE]

    def alarm(self, now: float) -> Action:
        return self.handle(PowerEvent.ALARM, now)

    def held(self, now: float) -> Action:
        return self.handle(PowerEvent.HELD, now)

    def handle(self, event: PowerEvent, now: float) -> Action:
        name = TRANSITIONS.get((self.state, event))
        if name is None:
            raise IllegalTransition("power alarm", f"port {self.port}", self.state.value, event.value)
        handler: Callable[[float], Action] = getattr(self, name)
        return handler(now)

    def _nothing(self, now: float) -> Action:
        return Action.NONE

    def _count(self, now: float) -> Action:
        self.count += 1
        self.total += 1
        if self._decay_at is None:
            self._decay_at = now + self.decay_s
        if self.count >= self.max_alarms:
            self.state = PowerState.ALARMED
            return Action.RAISE
        return Action.REWRITE

    def _step_decay(self, now: float) -> None:
        self.count = max(self.count - 1, 0)
        self._decay_at = now + self.decay_s if self.count else None

    def _decay(self, now: float) -> Action:
        self._step_decay(now)
        return Action.NONE

    def _decay_and_probe(self, now: float) -> Action:
        self._step_decay(now)
        self.state = PowerState.PROBING
        return Action.REWRITE

    def _probe_failed(self, now: float) -> Action:
        self.count += 1
        self.total += 1
        self.state = PowerState.ALARMED
        return Action.NONE

    def _cleared(self, now: float) -> Action:
        self.state = PowerState.OK
        return Action.CLEAR


class SpiBackoff:
    """Recovery attempts after a chip fault: 1 s, 2 s, 4 s, ... capped at 60 s."""

    def __init__(self, *, first_s: float = 1.0, cap_s: float = 60.0) -> None:
        self.first_s = first_s
        self.cap_s = cap_s
        self.failures = 0
        self.next_attempt: float | None = None

    @property
    def delay(self) -> float:
        return min(self.first_s * (2 ** max(self.failures - 1, 0)), self.cap_s)

    def failed(self, now: float) -> float:
        """Record a failure at `now`; returns when to try again."""
        self.failures += 1
        self.next_attempt = now + self.delay
        return self.next_attempt

    def due(self, now: float) -> bool:
        return self.next_attempt is not None and round((now - self.next_attempt) * 1e6) >= 0

    def succeeded(self) -> None:
        self.failures = 0
        self.next_attempt = None
