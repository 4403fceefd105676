"""When is the office open: weekly windows (weekdays + HH:MM in the box's time zone, as ring-group
schedules) and holiday calendars (one day or a period; with a year, or every year), evaluated on the
engine's wall clock. Pure functions: a fake clock walks them across a holiday in the tests."""

from __future__ import annotations

import enum
from datetime import date, datetime

from firmware.config.attendant import HolidayConfig, TimeConditionConfig
from firmware.pbx.features.ringgroup.table import in_schedule


class Period(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"
    HOLIDAY = "holiday"


class Mode(enum.Enum):
    """The day/night switch: automatic (the schedule decides), forced open (day), forced closed (night)."""

    AUTO = "auto"
    DAY = "day"
    NIGHT = "night"


def _day(text: str, year: int) -> date:
    parts = [int(p) for p in text.split("-")]
    return date(*parts) if len(parts) == 3 else date(year, parts[0], parts[1])


def is_holiday(holiday: HolidayConfig, day: date) -> bool:
    """`day` falls on the holiday (a period may cross the new year when given without a year)."""
    try:
        first = _day(holiday.date, day.year)
        last = _day(holiday.until, day.year) if holiday.until else first
    except ValueError:                      # 02-29 in a year without it
        return False
    if len(holiday.date) == 5 and last < first:      # 12-24 .. 01-06 every year
        return day >= first or day <= last
    return first <= day <= last


def period(tc: TimeConditionConfig, wall: datetime) -> Period:
    """What the schedule says at `wall` (holidays first, then the weekly hours)."""
    if any(is_holiday(h, wall.date()) for h in tc.holidays):
        return Period.HOLIDAY
    if not tc.hours:                        # no hours at all: never open by the schedule
        return Period.CLOSED
    return Period.OPEN if in_schedule(list(tc.hours), wall) else Period.CLOSED


def in_force(tc: TimeConditionConfig, mode: Mode, wall: datetime) -> Period:
    """The period calls are routed by: the switch overrides the schedule."""
    if mode is Mode.DAY:
        return Period.OPEN
    if mode is Mode.NIGHT:
        return Period.CLOSED
    return period(tc, wall)


def destination(tc: TimeConditionConfig, now: Period) -> str:
    if now is Period.OPEN:
        return tc.open
    if now is Period.HOLIDAY and tc.holiday:
        return tc.holiday
    return tc.closed
