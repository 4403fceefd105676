"""Time conditions: office hours, holidays, the day/night switch."""

from firmware.pbx.features.timecond.conditions import SaveDayNight, TimeConditions
from firmware.pbx.features.timecond.schedule import Mode, Period, in_force, is_holiday, period

__all__ = ["Mode", "Period", "SaveDayNight", "TimeConditions", "in_force", "is_holiday", "period"]
