"""Voicemail through the runtime: the engine's StoreMessage (made on the fake clock) is executed by the
runtime's voicemail executor - the finished recording kept with its JSON, too-short ones thrown away -,
the mail goes through a real SMTP server on loopback (aiosmtpd) with the WAV attached, and the WAV decoded
from the mail with the stdlib `wave` module holds the caller's audio (a 1 kHz tone); the box's contents
go back to the engine and the handset's lamp command follows. Then the daemon itself: a caller on the
virtual exchange line plays a 1 kHz tone into voicemail, and the mail's WAV carries it."""

from __future__ import annotations

import io
import json
import wave
from pathlib import Path

import numpy as np
import pytest

from firmware.config.dialplan import InboundConfig
from firmware.config.features import MailConfig
from firmware.config.voicemail import MailboxConfig, VoicemailConfig
from firmware.contracts.ports import LineDisconnect, SetMessageWaiting
from firmware.dsp.levels import dominant_frequency
from firmware.runtime.mail import MailSender
from firmware.runtime.office import OfficeRuntime
from tests.pbx.features.helpers import incoming
from tests.pbx.features.office_helpers import prompt_done, stored
from tests.pbx.rig import Rig
from tests.runtime.test_mail import Inbox, smtp  # noqa: F401 - the SMTP fixture

RATE = 8000


def write_tone(path: Path, seconds: float, freq: float = 1000.0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * RATE)) / RATE
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.sin(2 * np.pi * freq * t) * 8000).astype("<i2").tobytes())


def vm_rig(port: int) -> Rig:
    mail = MailConfig(host="127.0.0.1", port=port, sender="pbx@office.example", username="pbx", password="secret",
                      starttls=False)
    box = MailboxConfig("201", name="Anna", email=["anna@office.example"])
    return Rig(voicemail=VoicemailConfig(boxes=[box]), inbound=[InboundConfig("fxo:5", "voicemail:201")], mail=mail)


def test_a_message_is_stored_mailed_with_its_wav_and_lights_the_lamp(smtp: tuple[Inbox, int],  # noqa: F811
                                                                      tmp_path: Path) -> None:
    inbox, port = smtp
    rig = vm_rig(port)
    incoming(rig)
    prompt_done(rig, "fxo:5")
    rig.advance(0.5)
    rig.advance(6.0)
    rig.ev(LineDisconnect, 5)
    job = stored(rig)[0]
    write_tone(tmp_path / job.path, 6.0)                               # what the recorder wrote
    sender = MailSender(rig.engine.settings.mail)
    fed: list[object] = []
    office = OfficeRuntime(lambda: tmp_path, fed.append, sender.send)
    office.run(job, 0.0)
    sender.flush()
    meta = json.loads((tmp_path / job.path).with_suffix(".json").read_text())
    assert meta["caller"] == "030123456" and meta["folder"] == "new" and meta["duration_s"] == 6.0
    (_sender, to, msg), = inbox.messages
    assert to == ["anna@office.example"] and "030123456" in str(msg["Subject"])
    part = next(p for p in msg.walk() if p.get_content_type() == "audio/wav")
    with wave.open(io.BytesIO(part.get_payload(decode=True)), "rb") as w:
        assert (w.getframerate(), w.getnchannels()) == (RATE, 1)
        audio = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    assert abs(dominant_frequency(audio) - 1000) < 10 and len(audio) == 6 * RATE
    out = rig.engine.media_event(fed[-1], rig.now, rig.wall)           # the box's contents back to the engine
    assert SetMessageWaiting(1, True) in out


def test_a_too_short_message_is_thrown_away(tmp_path: Path) -> None:
    rig = vm_rig(25)
    incoming(rig)
    prompt_done(rig, "fxo:5")
    rig.advance(0.5)
    rig.advance(0.5)
    rig.ev(LineDisconnect, 5)
    job = stored(rig)[0]
    write_tone(tmp_path / job.path, 0.5)
    fed: list[object] = []
    office = OfficeRuntime(lambda: tmp_path, fed.append, lambda mail: pytest.fail("no mail for nothing"))
    office.run(job, 0.0)
    assert not (tmp_path / job.path).exists() and office.discarded == 1
    assert fed[-1].messages == ()  # type: ignore[attr-defined]


@pytest.mark.slow
def test_the_daemon_records_the_callers_tone_and_mails_it(smtp: tuple[Inbox, int],  # noqa: F811
                                                           tmp_path: Path) -> None:
    from firmware.config.model import Config
    from firmware.contracts.callerid import CallerId
    from firmware.contracts.tones import ToneSegment, ToneSpec
    from firmware.drivers.sim.exchange_party import FarParty
    from tests.scenario.live import LiveRig

    inbox, port = smtp
    base = vm_rig(port).cfg
    cfg = Config(voicemail=base.voicemail, inbound=base.inbound, mail=base.mail)
    live = LiveRig(tmp_path / "state", cfg)
    try:
        tone = ToneSpec("caller", (ToneSegment((1000.0,), 0),), 0, -10.0)
        caller = FarParty(name="caller", caller_id=CallerId(number="030999"), audio=tone)
        live.exchange(5).ring(CallerId(number="030999"), answer_party=caller)
        assert live.wait_for(lambda: bool(inbox.messages) or False, timeout=0.1) is False
        live.wait(22.0)                        # the German greeting (~11 s), the beep, then the 1 kHz tone recorded
        live.exchange(5).far_hangup()
        assert live.wait_for(lambda: bool(inbox.messages), timeout=15.0), "no voicemail mail"
    finally:
        live.close()
    (_sender, _to, msg), = inbox.messages
    part = next(p for p in msg.walk() if p.get_content_type() == "audio/wav")
    with wave.open(io.BytesIO(part.get_payload(decode=True)), "rb") as w:
        audio = np.frombuffer(w.readframes(w.getnframes()), "<i2")
        rate = w.getframerate()
    assert len(audio) > rate * 5
    middle = audio[len(audio) // 4: 3 * len(audio) // 4]
    assert rate == RATE and abs(dominant_frequency(middle) - 1000) < 15
