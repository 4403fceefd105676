"""Time conditions as destinations: a call sent to `time:<name>` (or its number) goes to the open,
closed or holiday destination by the schedule in force; the day/night switch overrides the schedule,
by the condition's feature code on any handset (automatic -> the opposite of what the schedule says;
forced -> automatic, announced) or from the API/web page (auto, day, night). Every change of the
switch goes out as `SaveDayNight` (the runtime keeps it in the state directory); at start-up the daemon
hands the saved positions back (`RestoreDayNight`), so a restart keeps the office in night mode."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from firmware.config.attendant import Goto, TimeConditionConfig
from firmware.pbx.commands import OfficeJob
from firmware.pbx.core import Core
from firmware.pbx.features.control import OfficeRefused, OfficeStatus, RestoreDayNight, SetDayNight
from firmware.pbx.features.goto import Router
from firmware.pbx.features.timecond.schedule import Mode, Period, destination, in_force, period
from firmware.pbx.legs import FxsEvent
from firmware.pbx.numbering import FeatureTarget
from firmware.pbx.state import Call, FxsLeg

ANNOUNCE = {Mode.AUTO: "auto_mode", Mode.DAY: "day_mode", Mode.NIGHT: "night_mode"}


@dataclass(frozen=True)
class SaveDayNight(OfficeJob):
    """The switch changed: keep these forced positions ((condition, day | night); the others are
    automatic) across a restart."""

    modes: tuple[tuple[str, str], ...]


class TimeConditions:
    def __init__(self, core: Core, router: Router) -> None:
        self.core = core
        self.router = router
        self.modes: dict[str, Mode] = {}
        self.routed: deque[tuple[str, Period]] = deque(maxlen=100)           # (condition, period) of routed calls
        router.handlers["time"] = self._route
        core.hooks.office.append(self._command)
        core.hooks.reconfigured.append(lambda c: self._reconfigured())
        self._codes()

    def _codes(self) -> None:
        for tc in self.core.settings.office.time_conditions:
            if tc.override_code:
                self.core.hooks.features[f"daynight_{tc.name}"] = self._code

    def _reconfigured(self) -> None:
        """New settings: codes of added conditions work at once; removed conditions lose their position."""
        self._codes()
        gone = [name for name in self.modes if self.condition(name) is None]
        for name in gone:
            del self.modes[name]
        if gone:
            self._save()

    def condition(self, name: str) -> TimeConditionConfig | None:
        return next((t for t in self.core.settings.office.time_conditions if t.name == name), None)

    def mode(self, name: str) -> Mode:
        return self.modes.get(name, Mode.AUTO)

    def period_now(self, tc: TimeConditionConfig) -> Period:
        return in_force(tc, self.mode(tc.name), self.core.wall)

    # --- routing ----------------------------------------------------------------------------------------
    def _route(self, call: Call, goto: Goto) -> None:
        tc = self.condition(goto.value)
        if tc is None:
            self.router.hang_up(call, f"no time condition {goto.value!r}")
            return
        now = self.period_now(tc)
        self.routed.append((tc.name, now))
        call.extra["time_condition"] = {"name": tc.name, "period": now.value, "mode": self.mode(tc.name).value}
        self.router.send(call, destination(tc, now))

    # --- the day/night switch ------------------------------------------------------------------------------
    def set_mode(self, name: str, mode: Mode) -> Mode:
        if mode is Mode.AUTO:
            self.modes.pop(name, None)
        else:
            self.modes[name] = mode
        return mode

    def _save(self) -> None:
        self.core.out.emit(SaveDayNight(tuple(sorted((n, m.value) for n, m in self.modes.items()))))

    def toggle(self, name: str) -> Mode:
        """Forced -> automatic; automatic -> the opposite of what the schedule says now."""
        tc = self.condition(name)
        assert tc is not None
        if self.mode(name) is not Mode.AUTO:
            return self.set_mode(name, Mode.AUTO)
        return self.set_mode(name, Mode.NIGHT if period(tc, self.core.wall) is Period.OPEN else Mode.DAY)

    def _code(self, core: Core, leg: FxsLeg, target: FeatureTarget, now: float) -> None:
        name = target.feature.removeprefix("daynight_")
        if self.condition(name) is None:            # removed from the config since its code was known
            core.timers.cancel(leg.id, "digits")
            leg.fire(FxsEvent.FAIL)
            core.party(leg.id).play("congestion")
            return
        mode = self.toggle(name)
        self._save()
        core.timers.cancel(leg.id, "digits")
        leg.fire(FxsEvent.FAIL)                      # collecting -> releasing: the announcement, then hang up
        core.party(leg.id).prompt((ANNOUNCE[mode],), core.settings.prompt_language)

    def status(self) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for tc in self.core.settings.office.time_conditions:
            now = self.period_now(tc)
            out.append({"name": tc.name, "number": tc.number, "mode": self.mode(tc.name).value,
                        "schedule": period(tc, self.core.wall).value, "in_force": now.value,
                        "destination": destination(tc, now), "code": tc.override_code})
        return out

    def _command(self, core: Core, cmd: object) -> dict[str, object] | None:
        if isinstance(cmd, OfficeStatus):
            return None
        if isinstance(cmd, RestoreDayNight):
            return self._restore(cmd)
        if not isinstance(cmd, SetDayNight):
            return None
        try:
            mode = Mode(cmd.mode)
        except ValueError:
            raise OfficeRefused(f"mode must be auto, day or night, not {cmd.mode!r}") from None
        names = [cmd.condition] if cmd.condition else [t.name for t in core.settings.office.time_conditions]
        if not names or any(self.condition(n) is None for n in names):
            raise OfficeRefused(f"no time condition {cmd.condition!r}" if cmd.condition else "no time conditions")
        for name in names:
            self.set_mode(name, mode)
        self._save()
        return {"conditions": self.status()}

    def _restore(self, cmd: RestoreDayNight) -> dict[str, object]:
        restored, dropped = [], []
        for name, text in cmd.modes:
            if self.condition(name) is not None and text in (Mode.DAY.value, Mode.NIGHT.value):
                self.set_mode(name, Mode(text))
                restored.append(name)
            else:
                dropped.append(name)
        if dropped:                                  # the saved file forgets them too
            self._save()
        return {"restored": restored, "dropped": dropped, "conditions": self.status()}
