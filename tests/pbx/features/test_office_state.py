"""Office state that outlives a step of the engine: the day/night switch reported for saving and handed
back after a restart, new settings taken up by features at once (a ring group's daily report, a time
condition's code), and follow-me - an extension's own numbers rung after its desk phone, in parallel or
one after another, ending at its mailbox - on the fake clock."""

from __future__ import annotations

from dataclasses import replace

from firmware.config.callers import PhonebookConfig, PhonebookEntryConfig
from firmware.config.dialplan import ExtensionConfig, InboundConfig
from firmware.config.features import FeaturesConfig
from firmware.config.model import Config
from firmware.config.ringgroups import MemberConfig, ReportConfig, RingGroupConfig, ScheduleWindow, StageConfig
from firmware.config.voicemail import MailboxConfig, VoicemailConfig
from firmware.contracts.ports import DialDigits, LinePolarityReversal, Seize, StartRinging, StopRinging
from firmware.pbx.commands import SendMail
from firmware.pbx.features.control import RestoreDayNight, SetDayNight, SetPhonebook, UserSettings
from firmware.pbx.features.timecond import SaveDayNight
from firmware.pbx.settings import PbxSettings
from tests.pbx.features.helpers import incoming, linked
from tests.pbx.features.office_helpers import said
from tests.pbx.features.test_timecond_lists import HOURS, at, hours_rig, routed
from tests.pbx.rig import WALL0, Rig, of, one


# --- the day/night switch across a restart ---------------------------------------------------------------
def test_every_switch_change_is_reported_for_saving() -> None:
    rig = hours_rig()
    out = rig.engine.office(SetDayNight("office", "night"), rig.now, rig.wall)
    assert one(SaveDayNight, out).modes == (("office", "night"),)
    rig.off_hook(2)
    out = rig.dial(2, "*60")                                        # forced -> automatic by the handset
    assert said(out, "fxs:2") == ("auto_mode",) and one(SaveDayNight, out).modes == ()
    rig.on_hook(2)
    rig.off_hook(2)
    out = rig.dial(2, "*60")                                        # automatic (open) -> night
    assert one(SaveDayNight, out).modes == (("office", "night"),)


def test_the_saved_night_mode_routes_calls_after_a_restart() -> None:
    before = hours_rig()
    saved = one(SaveDayNight, before.engine.office(SetDayNight("office", "night"), before.now, before.wall))
    after = hours_rig()                                             # a new engine: the restarted daemon
    out = after.engine.office(RestoreDayNight(saved.modes), after.now, after.wall)
    assert not of(SaveDayNight, out)
    assert after.engine.office_result["restored"] == ["office"]
    incoming(after)                                                 # Monday 09:00: the schedule says open
    assert routed(after) == ["closed"]
    assert after.engine.features.office.times.status()[0]["mode"] == "night"


def test_a_saved_position_of_a_removed_condition_is_dropped_and_forgotten() -> None:
    rig = hours_rig()
    out = rig.engine.office(RestoreDayNight((("office", "day"), ("gone", "night"), ("office2", "lunch"))),
                            rig.now, rig.wall)
    assert rig.engine.office_result["dropped"] == ["gone", "office2"]
    assert one(SaveDayNight, out).modes == (("office", "day"),)


# --- the imported phone book ------------------------------------------------------------------------------
def test_the_imported_phone_book_names_the_next_caller_and_the_config_entry_wins() -> None:
    own = PhonebookConfig(entries=[PhonebookEntryConfig("0301239999", "Typed In")])
    rig = Rig(phonebook=own, inbound=[InboundConfig("fxo:5", "201")])
    out = rig.engine.office(SetPhonebook((("+4930123456", "Firma Muster"), ("0301239999", "Imported"))), rig.now,
                            rig.wall)
    assert out == [] and rig.engine.office_result["phonebook"] == {"config": 1, "imported": 2, "numbers": 2}
    out = incoming(rig, number="030123456", name="")
    assert of(StartRinging, out)[0].caller_id.name == "Firma Muster"  # type: ignore[union-attr]
    assert rig.engine.features.office.screening.book.name("0049 30 1239999") == "Typed In"


# --- new settings taken up at once ---------------------------------------------------------------------------
def test_a_ring_group_added_later_mails_its_daily_report() -> None:
    rig = Rig()
    rig.advance(0)                                                  # the engine runs (timers armed at start)
    group = RingGroupConfig(number="600", name="Sales", stages=[StageConfig(members=[MemberConfig(extension="201")])],
                            report=ReportConfig(email=["boss@example.com"], time="18:00"))
    cfg = replace(rig.cfg, features=FeaturesConfig(ring_groups=[group]))
    rig.engine.reconfigure(PbxSettings.from_config(cfg), rig.now, rig.wall)
    until_six = (WALL0.replace(hour=18) - rig.wall).total_seconds()
    mail = one(SendMail, rig.advance(until_six))
    assert mail.to == ("boss@example.com",) and mail.subject.startswith("Daily activity of Sales")


def test_a_changed_report_time_moves_the_report_and_a_removed_report_stops() -> None:
    group = RingGroupConfig(number="600", name="Sales", stages=[StageConfig(members=[MemberConfig(extension="201")])],
                            report=ReportConfig(email=["boss@example.com"], time="18:00"))
    rig = Rig(features=FeaturesConfig(ring_groups=[group]))
    rig.advance(0)
    later = replace(group, report=replace(group.report, time="20:00"))
    rig.engine.reconfigure(PbxSettings.from_config(replace(rig.cfg, features=FeaturesConfig(ring_groups=[later]))))
    assert not of(SendMail, rig.advance((WALL0.replace(hour=19) - rig.wall).total_seconds()))
    assert of(SendMail, rig.advance(3600))                          # 20:00
    rig.engine.reconfigure(PbxSettings.from_config(replace(rig.cfg, features=FeaturesConfig())))
    assert not of(SendMail, rig.advance(86400))


def test_a_time_condition_added_later_answers_its_code() -> None:
    rig = Rig()
    rig.advance(0)
    tc = replace(HOURS, open="201", closed="202", holiday="")
    rig.engine.reconfigure(PbxSettings.from_config(replace(
        rig.cfg, time_conditions=[tc], inbound=[InboundConfig("fxo:5", "time:office")])))
    rig.off_hook(2)
    out = rig.dial(2, "*60")
    assert said(out, "fxs:2") == ("night_mode",) and one(SaveDayNight, out).modes == (("office", "night"),)


def test_a_removed_condition_loses_its_saved_position() -> None:
    rig = hours_rig()
    rig.engine.office(SetDayNight("office", "night"), rig.now, rig.wall)
    out = rig.engine.reconfigure(PbxSettings.from_config(replace(rig.cfg, time_conditions=[], inbound=[])))
    assert one(SaveDayNight, out).modes == ()


# --- follow-me ----------------------------------------------------------------------------------------------
MOBILE = "01701234567"


def follow_rig(order: str = "parallel", numbers: tuple[str, ...] = ("203", MOBILE), *, box: bool = True,
               **user: object) -> Rig:
    boxes = [MailboxConfig("201", forward_no_answer_s=20)] if box else []
    rig = Rig(voicemail=VoicemailConfig(boxes=boxes), inbound=[InboundConfig("fxo:5", "201")])
    settings = UserSettings("201", follow_me=numbers, follow_me_enabled=True, follow_me_after_s=10,
                            follow_me_order=order, **user)  # type: ignore[arg-type]
    rig.engine.office(settings, rig.now, rig.wall)
    return rig


def rung(out: list[object]) -> set[int]:
    return {r.port for r in of(StartRinging, out)}


def test_follow_me_rings_the_desk_phone_alone_then_every_number_with_it() -> None:
    rig = follow_rig()
    out = incoming(rig)
    assert rung(out) == {1} and not of(Seize, out)
    assert not rung(rig.advance(9.9))
    out = rig.advance(0.1)                                          # 10 s: the numbers join the desk phone
    assert rung(out) == {1, 3} and one(Seize, out).port == 6
    assert one(DialDigits, rig.advance(1.0)).digits == "1701234567"
    out = rig.off_hook(3)                                           # 203 takes it
    assert linked(out, "fxo:5", "fxs:3") and {s.port for s in of(StopRinging, out)} == {1}
    rig.on_hook(3)
    cdr = rig.cdrs()[-1]
    assert cdr.extra["follow_me"] == "201" and cdr.extra["follow_me_answered_by"] == "203"
    assert "group" not in cdr.extra
    assert list(rig.engine.features.office.forwarding.taken) == [(1, "201", "follow_me")]


def test_the_mobile_answering_gets_the_caller() -> None:
    rig = follow_rig(numbers=(MOBILE,))
    incoming(rig)
    rig.advance(11.0)
    out = rig.ev(LinePolarityReversal, 6)                           # the mobile answered (answer signal)
    assert linked(out, "fxo:5", "fxo:6") and one(StopRinging, out).port == 1


def test_in_order_rings_one_number_after_another_with_the_desk_phone() -> None:
    rig = follow_rig("in_order", ("203", "204"))
    incoming(rig)
    out = rig.advance(10)
    assert rung(out) == {1, 3}
    out = rig.advance(20)                                           # the next number, the desk phone again
    assert rung(out) == {1, 4} and 3 in {s.port for s in of(StopRinging, out)}


def test_nobody_answering_ends_in_the_mailbox() -> None:
    rig = follow_rig(numbers=("203",))
    incoming(rig)
    rig.advance(10)
    out = rig.advance(30)
    assert said(out, "fxo:5")[:4] == ("vm_person", "2", "0", "1")


def test_without_follow_me_the_mailbox_takes_the_call_after_its_own_time() -> None:
    rig = follow_rig(numbers=("203",))
    rig.engine.office(UserSettings("201"), rig.now, rig.wall)       # switched off in the portal
    incoming(rig)
    assert not rung(rig.advance(10)) and said(rig.advance(10), "fxo:5")[0] == "vm_person"


def test_always_forwarding_goes_before_follow_me() -> None:
    rig = follow_rig(forward_always="204")
    out = incoming(rig)
    out += rig.advance(0.01)
    assert 4 in rung(out)
    assert not rung(rig.advance(10)) - {4}


def test_outside_numbers_the_extension_may_not_call_are_left_out() -> None:
    cfg = Config(extensions=[ExtensionConfig("201", 1, permission="internal"), ExtensionConfig("202", 2),
                             ExtensionConfig("203", 3), ExtensionConfig("204", 4)])
    rig = Rig(cfg, inbound=[InboundConfig("fxo:5", "201")])
    rig.engine.office(UserSettings("201", follow_me=(MOBILE, "203"), follow_me_enabled=True, follow_me_after_s=10),
                      rig.now, rig.wall)
    incoming(rig)
    out = rig.advance(10)
    assert rung(out) == {1, 3} and not of(Seize, out)


# --- forwarding to outside numbers: with the rights of the extension that set it ---------------------------
def forward_rig(permission: str) -> Rig:
    cfg = Config(extensions=[ExtensionConfig("201", 1, permission=permission), ExtensionConfig("202", 2),
                             ExtensionConfig("203", 3), ExtensionConfig("204", 4)])
    rig = Rig(cfg, inbound=[InboundConfig("fxo:5", "201")])
    rig.engine.office(UserSettings("201", forward_always=MOBILE), rig.now, rig.wall)
    return rig


def test_always_forwarding_to_a_mobile_goes_out_on_a_line() -> None:
    rig = forward_rig("national")
    incoming(rig)
    out = rig.advance(0.01)
    assert one(Seize, out).port == 6 and not rung(out)
    assert one(DialDigits, rig.advance(1.0)).digits == "1701234567"


def test_an_extension_may_not_forward_where_it_may_not_call() -> None:
    """A user with internal rights set a mobile (or lost the right after setting it): the call rings the desk
    phone instead of seizing a line, no toll call on the office's bill."""
    rig = forward_rig("internal")
    out = incoming(rig)
    out += rig.advance(0.01)
    assert rung(out) == {1} and not of(Seize, out + rig.advance(5))
    assert list(rig.engine.features.office.forwarding.refused) == [("201", "always", MOBILE)]


def test_a_handset_calling_an_extension_with_follow_me() -> None:
    rig = follow_rig(numbers=("203",), box=False)
    rig.off_hook(2)
    rig.dial(2, "201")
    out = rig.advance(10 + 3)                                       # (the dial plan's match timeout first)
    assert 3 in rung(out)
    out = rig.off_hook(3)
    assert linked(out, "fxs:2", "fxs:3")


def test_follow_me_reached_through_a_time_condition() -> None:
    tc = replace(HOURS, open="201", closed="202", holiday="", hours=[ScheduleWindow("mon-sun", "00:00", "24:00")])
    rig = Rig(time_conditions=[tc], inbound=[InboundConfig("fxo:5", "time:office")])
    rig.engine.office(UserSettings("201", follow_me=("203",), follow_me_enabled=True, follow_me_after_s=10),
                      rig.now, rig.wall)
    rig.now = at(6, 10)
    out = incoming(rig)
    assert rung(out) == {1}
    assert rung(rig.advance(10)) == {1, 3}
