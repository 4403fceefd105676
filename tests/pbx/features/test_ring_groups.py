"""Ring groups: stages and strategies, a stage with every member busy, answered in stage 2 (not
missed), nobody answering through every stage to the final destination, a missing mailbox (fallback),
anonymous callers, caller-ID prefix and distinctive ring, music instead of ringback, mobiles in
their schedule only, missed-call mail and the daily report at its wall-clock time."""

from __future__ import annotations

from datetime import timedelta

from firmware.config.dialplan import InboundConfig
from firmware.config.features import FeaturesConfig
from firmware.config.ringgroups import (
    FinalConfig,
    MemberConfig,
    MissedConfig,
    ReportConfig,
    RingGroupConfig,
    ScheduleWindow,
    StageConfig,
)
from firmware.contracts.ports import DialDigits, LinePolarityReversal, Seize, StartRinging, StopRinging
from firmware.pbx.commands import Disposition, PlayMusic, SendMail
from firmware.pbx.features.ringgroup import GroupOutcome
from firmware.telephony.cadences import DISTINCTIVE_BY_NAME
from tests.pbx.features.helpers import incoming, linked, tone
from tests.pbx.rig import WALL0, Rig, of, one


def ext(*numbers: str) -> list[MemberConfig]:
    return [MemberConfig(extension=n) for n in numbers]


def group_rig(*stages: StageConfig, **kw: object) -> Rig:
    group = RingGroupConfig(number="600", name="Sales", stages=list(stages), **kw)  # type: ignore[arg-type]
    return Rig(features=FeaturesConfig(ring_groups=[group]), inbound=[InboundConfig("fxo:5", "600")])


def rung(out: list[object]) -> set[int]:
    return {r.port for r in of(StartRinging, out)}


def test_stages_ring_in_turn_and_an_answer_in_stage_2_is_not_missed() -> None:
    rig = group_rig(StageConfig(members=ext("201", "202"), ring_s=15), StageConfig(members=ext("203"), ring_s=15),
                    missed=MissedConfig(email=["office@example.com"]))
    out = incoming(rig)
    assert rung(out) == {1, 2}
    out = rig.advance(15)
    assert {s.port for s in of(StopRinging, out)} == {1, 2} and rung(out) == {3}
    snap = rig.engine.snapshot(rig.now).features.groups[0]
    assert snap.calls[0].stage == 2 and snap.calls[0].ringing == ("203",)
    out = rig.off_hook(3)
    assert linked(out, "fxo:5", "fxs:3") and rig.state("fxo:5") == "connected"
    rig.advance(30)
    out = rig.on_hook(3)
    [rec] = rig.engine.features.groups.reports.today["600"]
    assert (rec.outcome, rec.stage, rec.missed, rec.answered_by) == (GroupOutcome.ANSWERED, 2, False, "203")
    assert not of(SendMail, rig.log)
    assert rig.cdrs()[-1].extra["group"] == "600"


def test_in_order_rings_one_member_after_another() -> None:
    rig = group_rig(StageConfig(members=ext("201", "202", "203"), ring_s=60, strategy="in_order", step_s=10))
    assert rung(incoming(rig)) == {1}
    out = rig.advance(10)
    assert one(StopRinging, out).port == 1 and rung(out) == {2}
    out = rig.advance(10)
    assert one(StopRinging, out).port == 2 and rung(out) == {3}


def test_memory_hunt_adds_members_and_keeps_the_first_ringing() -> None:
    rig = group_rig(StageConfig(members=ext("201", "202", "203"), ring_s=60, strategy="memory_hunt", step_s=10))
    assert rung(incoming(rig)) == {1}
    out = rig.advance(10)
    assert not of(StopRinging, out) and rung(out) == {2}
    assert rung(rig.advance(10)) == {3}


def test_a_stage_with_every_member_busy_is_skipped_at_once() -> None:
    rig = group_rig(StageConfig(members=ext("201", "202")), StageConfig(members=ext("203")))
    rig.off_hook(1)
    rig.off_hook(2)
    out = incoming(rig)
    assert rung(out) == {3}
    assert rig.engine.snapshot(rig.now).features.groups[0].calls[0].stage == 2


def test_nobody_answering_goes_to_the_final_extension_then_gives_up() -> None:
    rig = group_rig(StageConfig(members=ext("201"), ring_s=10), StageConfig(members=ext("202"), ring_s=10),
                    StageConfig(members=ext("203"), ring_s=10), final=FinalConfig(type="extension", number="204"),
                    missed=MissedConfig(email=["office@example.com"]))
    incoming(rig)
    rig.advance(10)
    rig.advance(10)
    out = rig.advance(10)
    assert rung(out) == {4} and rig.engine.snapshot(rig.now).features.groups[0].calls[0].state == "final"
    out = rig.advance(60)                              # calls.no_answer_s
    assert one(StopRinging, out).port == 4 and rig.state("fxo:5") == "incoming"   # the line rings out
    from firmware.contracts.ports import LineDisconnect
    out = rig.ev(LineDisconnect, 5)
    cdr = rig.cdrs()[-1]
    assert cdr.disposition is Disposition.NO_ANSWER and cdr.reason == "nobody answered in group 600"
    mail = one(SendMail, out)
    assert mail.to == ("office@example.com",) and "030123456" in mail.subject and "Sales" in mail.body


def test_a_missing_mailbox_sends_to_the_fallback_and_the_record_says_so() -> None:
    rig = group_rig(StageConfig(members=ext("201"), ring_s=10),
                    final=FinalConfig(type="voicemail", number="600", fallback="202"))
    incoming(rig)
    out = rig.advance(10)
    assert rung(out) == {2}
    rig.off_hook(2)
    rig.on_hook(2)
    cdr = rig.cdrs()[-1]
    assert cdr.extra["group_note"] == "no voicemail 600: sent to fallback 202"
    assert rig.engine.features.groups.reports.today["600"][0].outcome is GroupOutcome.ANSWERED_ELSEWHERE


def test_anonymous_callers_go_to_their_own_destination() -> None:
    rig = group_rig(StageConfig(members=ext("201", "202")), anonymous="204")
    out = incoming(rig, number="")
    assert rung(out) == {4}


def test_members_see_the_prefix_and_hear_the_distinctive_ring() -> None:
    rig = group_rig(StageConfig(members=ext("201")), cid_name_prefix="Sales: ", ring_cadence="distinctive2")
    ring = one(StartRinging, incoming(rig))
    assert ring.caller_id is not None and ring.caller_id.name == "Sales: Muster"
    assert ring.cadence == DISTINCTIVE_BY_NAME["distinctive2"]


def test_music_instead_of_ringback_answers_the_line_at_once() -> None:
    rig = group_rig(StageConfig(members=ext("201")), ringback="music")
    out = incoming(rig)
    assert one(Seize, out).port == 5 and one(PlayMusic, out).leg == "fxo:5"


def test_an_internal_caller_hears_ringback() -> None:
    rig = group_rig(StageConfig(members=ext("201", "202")))
    rig.off_hook(3)
    out = rig.dial(3, "600")
    assert tone(out, "fxs:3") == "ringback" and rung(out) == {1, 2}


def test_a_mobile_rings_in_parallel_only_inside_its_schedule() -> None:
    mobile = MemberConfig(number="01701234567", schedule=[ScheduleWindow(days="mon-fri", start="08:00", end="09:30")])
    rig = group_rig(StageConfig(members=[*ext("201"), mobile], ring_s=30))
    out = incoming(rig)                     # Monday 09:00
    assert rung(out) == {1} and one(Seize, out).port == 6
    out = rig.advance(1.0)
    assert one(DialDigits, out).digits == "1701234567"
    rig.advance(5.0)                        # dialling done without an answer signal: still ringing
    assert rig.state("fxs:1") == "ringing"
    out = rig.ev(LinePolarityReversal, 6)   # the mobile answered
    assert one(StopRinging, out).port == 1 and linked(out, "fxo:5", "fxo:6")
    assert rig.engine.features.groups.active[1].answered_by == "01701234567"


def test_out_of_schedule_the_mobile_is_not_dialled() -> None:
    mobile = MemberConfig(number="01701234567", schedule=[ScheduleWindow(days="sat,sun")])
    rig = group_rig(StageConfig(members=[*ext("201"), mobile]))
    assert not of(Seize, incoming(rig))


def test_missed_rules_short_calls_and_answered_elsewhere() -> None:
    rig = group_rig(StageConfig(members=ext("201"), ring_s=10), final=FinalConfig(type="extension", number="204"),
                    missed=MissedConfig(min_wait_s=5, answered_elsewhere="missed", email=["o@example.com"]))
    from firmware.contracts.ports import LineDisconnect
    incoming(rig)
    rig.advance(3)
    rig.ev(LineDisconnect, 5)               # gave up after 3 s: not missed
    rig.advance(5)
    incoming(rig)
    rig.advance(10)
    rig.off_hook(4)                         # answered by the final destination: counts as missed here
    rig.on_hook(4)
    records = rig.engine.features.groups.reports.today["600"]
    assert [r.missed for r in records] == [False, True]
    assert len(of(SendMail, rig.log)) == 1


def test_the_daily_report_is_mailed_at_its_wall_clock_time_with_the_call_list() -> None:
    rig = group_rig(StageConfig(members=ext("201")), report=ReportConfig(email=["boss@example.com"], time="18:00"))
    rig.advance(0)                          # the engine starts its timers
    incoming(rig)
    rig.off_hook(1)
    rig.advance(10)
    rig.on_hook(1)
    until_six = (WALL0.replace(hour=18) - rig.wall).total_seconds()
    out = rig.advance(until_six - 1)
    assert not of(SendMail, out)
    mail = one(SendMail, rig.advance(1))
    assert mail.to == ("boss@example.com",) and mail.subject.startswith("Daily activity of Sales: 1 calls, 1 answered")
    assert "030123456" in mail.body and mail.attachments[0].filename == "600-2024-05-06.csv"
    assert "answered" in mail.attachments[0].content
    next_day = one(SendMail, rig.advance(timedelta(days=1).total_seconds()))
    assert next_day.subject.startswith("Daily activity of Sales: 0 calls")
