"""Message waiting through the real FXS driver and ProSLIC model on the virtual board: the engine's
SetMessageWaiting (a new voicemail reported by the runtime) makes the driver send the FSK MWI spill to
the idle handset, whose lamp lights; when the message has been heard the lamp goes out again."""

from __future__ import annotations

from firmware.config.voicemail import MailboxConfig, VoicemailConfig
from firmware.contracts.ports import SetMessageWaiting
from firmware.pbx.features.voicemail import MailboxContents, MessageInfo
from tests.pbx.rig import Rig, of
from tests.scenario.rig import VirtualRig

MSG = MessageInfo("m1", "new", "030123", "", "2024-05-06T09:00:00+00:00", 7.0, 1000)


def test_the_handset_lamp_follows_new_voicemail(rig: VirtualRig) -> None:
    engine = Rig(voicemail=VoicemailConfig(boxes=[MailboxConfig("201")]))
    out = engine.engine.media_event(MailboxContents("201", (MSG,)), engine.now, engine.wall)
    lamp_on = [c for c in of(SetMessageWaiting, out) if c.port == 1]
    assert lamp_on == [SetMessageWaiting(1, True)]
    rig.wait(1.0)
    rig.command(lamp_on[0])
    rig.wait(6.0)                                    # the FSK spill (on-hook transmission)
    assert rig.handset(1).mwi_lamp
    heard = MessageInfo(*(MSG.id, "saved", MSG.caller, "", MSG.when, MSG.duration_s, MSG.size))
    out = engine.engine.media_event(MailboxContents("201", (heard,)), engine.now, engine.wall)
    assert of(SetMessageWaiting, out) == [SetMessageWaiting(1, False)]
    rig.command(of(SetMessageWaiting, out)[0])
    rig.wait(6.0)
    assert not rig.handset(1).mwi_lamp
