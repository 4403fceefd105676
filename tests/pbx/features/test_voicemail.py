"""Voicemail on the fake clock: leaving a message (greeting, beep, the caller's leg alone recorded, stored
and mailed with the WAV), message waiting on and off (FSK lamp command, stutter dial tone), listening from
a handset with the PIN (counts in words, save, delete, forward), wrong PINs, forwarding of an extension
on no answer and on busy, a full mailbox, and a ring group's final destination voicemail."""

from __future__ import annotations

from firmware.config.dialplan import InboundConfig
from firmware.config.features import FeaturesConfig
from firmware.config.ringgroups import FinalConfig, MemberConfig, RingGroupConfig, StageConfig
from firmware.config.voicemail import MailboxConfig, VoicemailConfig
from firmware.contracts.ports import LineDisconnect, SetMessageWaiting, StartRinging, StopRinging
from firmware.pbx.commands import PlayTone, StartRecording, StopRecording
from firmware.pbx.features.voicemail import DepositOutcome, MessageInfo, MessageOp
from tests.pbx.features.helpers import incoming, tone
from tests.pbx.features.office_helpers import office_rig, press, prompt_done, report, said, stored
from tests.pbx.rig import of, one


def leave_message(rig, port: int = 5, box: str = "203", seconds: float = 8.0):  # type: ignore[no-untyped-def]
    """A line caller sent to voicemail:<box>: greeting over, beep, talks, hangs up."""
    out = incoming(rig, port)
    assert said(out, f"fxo:{port}")[-1] == "leave_message"
    prompt_done(rig, f"fxo:{port}")
    rig.advance(0.5)                                                # the beep
    rec = one(StartRecording, rig.log)
    rig.advance(seconds)
    rig.ev(LineDisconnect, port)
    return rec


def test_leaving_a_message_records_the_caller_alone_and_mails_it() -> None:
    rig = office_rig(inbound=[InboundConfig("fxo:5", "voicemail:203")])
    rec = leave_message(rig)
    assert rec.legs == ("fxo:5",) and rec.path.startswith("voicemail/203/") and rec.call_id < 0
    assert one(StopRecording, rig.log).call_id == rec.call_id
    job = one(type(stored(rig)[0]), rig.log)
    assert job.box == "203" and job.info.caller == "030123456" and 8.0 <= job.info.duration_s <= 8.5
    assert job.mail is not None and job.mail.to == ("anna@example.com",)
    att = job.mail.attachments[0]
    assert att.path == rec.path and att.mimetype == "audio/wav"
    assert "030123456" in job.mail.body and "Duration" in job.mail.body
    cdr = rig.cdrs()[-1]
    assert cdr.extra["voicemail"]["outcome"] == DepositOutcome.STORED.value  # type: ignore[index]


def test_message_waiting_lamp_and_stutter_tone_follow_the_new_messages() -> None:
    rig = office_rig(inbound=[InboundConfig("fxo:5", "voicemail:203")])
    leave_message(rig)
    out = report(rig, stored(rig)[0])                                 # the runtime stored it
    assert SetMessageWaiting(3, True) in out                            # (and the others' lamps: off)
    out = rig.off_hook(3)
    assert tone(out, "fxs:3") == "stutter"
    rig.on_hook(3)
    rig.off_hook(4)
    assert tone(rig.log, "fxs:4") == "dial"                            # 204 has no messages


def test_listening_with_the_pin_saves_deletes_and_puts_the_lamp_out() -> None:
    rig = office_rig()
    msgs = (MessageInfo("m1", "new", "030111", "", "2024-05-06T08:15:00+00:00", 12.0, 2000),
            MessageInfo("m2", "new", "", "", "2024-05-03T17:01:00+00:00", 5.0, 1000),
            MessageInfo("m0", "saved", "030222", "", "2024-05-01T10:00:00+00:00", 3.0, 900))
    from firmware.pbx.features.voicemail import MailboxContents
    rig.engine.media_event(MailboxContents("201", msgs), rig.now, rig.wall)
    rig.off_hook(1)
    out = rig.dial(1, "*97")
    assert said(out, "fxs:1") == ("enter_pin",)
    out = press(rig, 1, "1234#")
    assert said(out, "fxs:1") == ("you_have", "num.2", "new_messages.other", "and", "num.1.f",   # German (DE):
                                  "saved_messages.one", "main_menu")                        # eine gespeicherte
    out = press(rig, 1, "1")                                            # new messages, oldest first
    words = said(out, "fxs:1")
    assert words[:4] == ("message_number", "num.1", "received", "weekday.4")     # last Friday
    assert "unknown_caller" in words and "file:voicemail/201/m2.wav" in words
    out = press(rig, 1, "7")                                            # delete m2
    assert MessageOp("voicemail", "201", "m2", "delete") in out and said(out, "fxs:1") == ("deleted",)
    out = prompt_done(rig, "fxs:1")
    words = said(out, "fxs:1")
    assert words[:4] == ("message_number", "num.2", "received", "today") and "file:voicemail/201/m1.wav" in words
    assert words[words.index("from"):words.index("from") + 7] == ("from", "0", "3", "0", "1", "1", "1")
    out = press(rig, 1, "2")                                            # save m1: no new message left
    assert MessageOp("voicemail", "201", "m1", "save") in out
    assert SetMessageWaiting(1, False) in out
    rig.on_hook(1)
    assert rig.cdrs()[-1].extra["voicemail_access"]["box"] == "201"  # type: ignore[index]


def test_wrong_pins_hang_up_after_the_attempts() -> None:
    rig = office_rig()
    rig.off_hook(1)
    rig.dial(1, "*98")
    press(rig, 1, "201#")
    for _ in range(2):
        out = press(rig, 1, "9999#")
        assert said(out, "fxs:1") == ("wrong_pin", "enter_pin")
    out = press(rig, 1, "9999#")
    assert said(out, "fxs:1") == ("wrong_pin", "too_many_attempts", "goodbye")
    prompt_done(rig, "fxs:1")
    assert rig.cdrs()[-1].extra["voicemail_access"]["outcome"] == "locked_out"  # type: ignore[index]


def test_no_answer_forwards_a_direct_call_to_voicemail() -> None:
    rig = office_rig(inbound=[InboundConfig("fxo:5", "202")])
    out = incoming(rig)
    assert {r.port for r in of(StartRinging, out)} == {2}
    out = rig.advance(15)                                               # 202: forward_no_answer_s 15
    assert one(StopRinging, out).port == 2 and said(out, "fxo:5")[0] == "vm_person"
    assert "vm_unavailable" in said(out, "fxo:5")
    assert list(rig.engine.features.office.forwarding.taken) == [(1, "202", "no_answer")]


def test_busy_forwards_an_internal_call_to_the_busy_greeting() -> None:
    rig = office_rig()
    rig.off_hook(2)                                                     # 202 busy (dialling)
    rig.off_hook(1)
    rig.dial(1, "202")
    out = rig.advance(0.01)
    assert "vm_busy" in said(out, "fxs:1") and rig.state("fxs:1") == "connected"


def test_a_full_mailbox_says_so() -> None:
    box = MailboxConfig("203", max_messages=1)
    rig = office_rig(voicemail=VoicemailConfig(boxes=[box]), inbound=[InboundConfig("fxo:5", "voicemail:203")])
    from firmware.pbx.features.voicemail import MailboxContents
    rig.engine.media_event(MailboxContents("203", (MessageInfo("m", "new", "", "", "2024-05-06T08:00:00", 3.0),)),
                           rig.now, rig.wall)
    out = incoming(rig)
    assert said(out, "fxo:5") == ("mailbox_full", "goodbye") and not of(StartRecording, out)


def test_a_ring_group_nobody_answers_ends_in_its_mailbox() -> None:
    group = RingGroupConfig(number="600", stages=[StageConfig(members=[MemberConfig(extension="203")], ring_s=10)],
                            final=FinalConfig(type="voicemail", number="600"))
    rig = office_rig(features=FeaturesConfig(ring_groups=[group]), inbound=[InboundConfig("fxo:5", "600")],
                     voicemail=VoicemailConfig(boxes=[MailboxConfig("600", members=["203", "204"]),
                                                      MailboxConfig("203")]))
    incoming(rig)
    out = rig.advance(10)
    assert said(out, "fxo:5")[:4] == ("vm_person", "6", "0", "0")
    assert rig.engine.features.groups.reports.today["600"][0].missed
    assert not any(isinstance(c, PlayTone) and c.leg == "fxo:5" for c in out)
