"""Time conditions and screening on the fake clock: office hours route to the menu, after hours to
voicemail, a holiday (every year, and a dated period) to its own destination, walked across midnight;
the day/night switch by feature code and by API; black lists with each treatment, white lists past
the menu, a caller routed by number mask, the phone book's name on the handset and in the record."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

import pytest

from firmware.config.attendant import HolidayConfig, TimeConditionConfig
from firmware.config.callers import (
    CallerListConfig,
    CallerRouteConfig,
    ListEntryConfig,
    PhonebookConfig,
    PhonebookEntryConfig,
)
from firmware.config.dialplan import InboundConfig
from firmware.config.ringgroups import ScheduleWindow
from firmware.contracts.errors import ApiError
from firmware.contracts.ports import Seize, StartRinging
from firmware.pbx.features.control import SetDayNight
from firmware.pbx.features.lists import ScreenOutcome
from tests.pbx.features.helpers import incoming
from tests.pbx.features.office_helpers import office_rig, said
from tests.pbx.rig import START, WALL0, of

HOURS = TimeConditionConfig(name="office", number="510", hours=[ScheduleWindow("mon-fri", "08:00", "18:00")],
                            holidays=[HolidayConfig("12-25", "12-26", "Christmas"), HolidayConfig("2024-05-09")],
                            open="ivr:main", closed="voicemail:201", holiday="announcement:holiday",
                            override_code="*60")


def at(day: int, hour: int, minute: int = 0) -> float:
    """Rig time for 2024-05-<day> hh:mm UTC (WALL0 is Monday 2024-05-06 09:00)."""
    from datetime import datetime
    return START + (datetime(2024, 5, day, hour, minute, tzinfo=UTC) - WALL0).total_seconds()


def hours_rig(**extra: object):  # type: ignore[no-untyped-def]
    return office_rig(time_conditions=[HOURS], inbound=[InboundConfig("fxo:5", "time:office")], **extra)


def routed(rig) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.value for _n, p in rig.engine.features.office.times.routed]


def test_office_hours_menu_after_hours_voicemail_and_a_holiday_across_midnight() -> None:
    rig = hours_rig()
    out = incoming(rig)                                              # Monday 09:00: open
    assert said(out, "fxo:5") == ("welcome", "enter_extension")
    rig.engine.features.office.dialogues.close("fxo:5")
    for day, hour, expect in ((8, 23, "closed"), (9, 7, "holiday"), (9, 23, "holiday"), (10, 0, "closed"),
                              (10, 9, "open"), (11, 10, "closed")):
        rig2 = hours_rig()
        rig2.now = at(day, hour)
        out = incoming(rig2)
        assert routed(rig2) == [expect], (day, hour)
        words = said(out, "fxo:5")
        if expect == "closed":
            assert words[0] == "vm_person"                           # voicemail:201 answers
        elif expect == "holiday":
            assert words == ("holiday", "goodbye")


def test_a_yearly_holiday_period_and_the_record() -> None:
    rig = hours_rig()
    rig.now = START + 365 * 86400 + 200 * 86400                       # some day in 2025 ...
    from datetime import datetime
    rig.now = START + (datetime(2025, 12, 26, 10, 0, tzinfo=UTC) - WALL0).total_seconds()
    incoming(rig)
    assert routed(rig) == ["holiday"]


def test_the_day_night_code_forces_closed_and_back_to_automatic() -> None:
    rig = hours_rig()
    rig.off_hook(2)
    out = rig.dial(2, "*60")
    assert said(out, "fxs:2") == ("night_mode",)
    rig.on_hook(2)
    incoming(rig)
    assert routed(rig) == ["closed"]
    rig.off_hook(2)
    assert said(rig.dial(2, "*60"), "fxs:2") == ("auto_mode",)
    status = rig.engine.features.office.times.status()[0]
    assert status["mode"] == "auto" and status["in_force"] == "open"


def test_the_api_sets_day_night_and_refuses_nonsense() -> None:
    rig = hours_rig()
    rig.now = at(6, 20)                                                # Monday evening: closed
    rig.engine.office(SetDayNight("office", "day"), rig.now, rig.wall)
    assert rig.engine.office_result["conditions"][0]["in_force"] == "open"  # type: ignore[index]
    incoming(rig)
    assert routed(rig) == ["open"]
    with pytest.raises(ApiError):
        rig.engine.office(SetDayNight("office", "evening"), rig.now, rig.wall)
    with pytest.raises(ApiError):
        rig.engine.office(SetDayNight("nope", "day"), rig.now, rig.wall)
    snap = rig.engine.snapshot(rig.now).features.office
    assert snap["time_conditions"][0]["mode"] == "day"  # type: ignore[index]


# --- lists, caller routes, phone book ------------------------------------------------------------------
BLOCK = CallerListConfig(name="spam", kind="block", entries=[ListEntryConfig("_0900X."), ListEntryConfig("+491701234")])


@pytest.mark.parametrize(("treatment", "expect"), [("hangup", None), ("busy", "busy"),
                                                    ("announcement", ("call_rejected", "goodbye")),
                                                    ("voicemail", ("vm_person", "2", "0", "1", "vm_unavailable",
                                                                   "leave_message"))])
def test_blocked_callers_get_their_treatment(treatment: str, expect: object) -> None:
    rig = office_rig(caller_lists=[replace(BLOCK, treatment=treatment, mailbox="201")])  # type: ignore[arg-type]
    out = incoming(rig, number="0900123456")
    assert not of(StartRinging, out)
    result = rig.engine.features.office.screening.results[-1]
    assert result[1] is ScreenOutcome.BLOCKED
    if treatment == "hangup":
        assert rig.cdrs()[-1].extra["blocked"]["treatment"] == "hangup"  # type: ignore[index]
    elif treatment == "busy":
        assert of(Seize, out) and rig.engine.core.out.tones["fxo:5"].name.endswith("busy")
    else:
        assert said(out, "fxo:5") == expect


def test_block_lists_match_any_presentation_and_only_their_lines() -> None:
    rig = office_rig(caller_lists=[replace(BLOCK, lines=["fxo:6"])])
    incoming(rig, number="01701234")                                   # national form of +49 170 1234, line 5
    assert rig.engine.features.office.screening.results[-1][1] is ScreenOutcome.PASSED
    rig = office_rig(caller_lists=[BLOCK])
    incoming(rig, number="00491701234")
    assert rig.engine.features.office.screening.results[-1][1] is ScreenOutcome.BLOCKED


def test_white_listed_callers_skip_the_menu() -> None:
    vip = CallerListConfig(name="vip", kind="allow", entries=[ListEntryConfig("030123456")], destination="202")
    rig = office_rig(caller_lists=[vip])
    out = incoming(rig)
    assert {r.port for r in of(StartRinging, out)} == {2} and not said(out, "fxo:5")
    assert rig.state("fxo:5") == "incoming"                            # the exchange's ringback, not answered


def test_a_caller_routed_by_number_mask_rings_the_st_petersburg_group() -> None:
    route = CallerRouteConfig(caller="_812X.", destination="600", name="St Petersburg")
    rig = office_rig(country="RU", caller_routes=[route])
    out = incoming(rig, number="88121234567")                           # 8 812 ...: trunk prefix form
    assert {r.port for r in of(StartRinging, out)} == {3, 4}
    rig2 = office_rig(country="RU", caller_routes=[route])
    out = incoming(rig2, number="+74951234567")                         # Moscow: the menu
    assert said(out, "fxo:5") == ("welcome", "enter_extension")


def test_the_phone_book_names_the_caller_on_the_handset_and_in_the_record() -> None:
    book = PhonebookConfig(entries=[PhonebookEntryConfig("+4930123456", "Firma Muster")])
    rig = office_rig(phonebook=book, inbound=[InboundConfig("fxo:5", "201")])
    out = incoming(rig, name="")
    assert of(StartRinging, out)[0].caller_id.name == "Firma Muster"  # type: ignore[union-attr]
    rig.off_hook(1)
    rig.on_hook(1)
    assert rig.cdrs()[-1].from_name == "Firma Muster"
