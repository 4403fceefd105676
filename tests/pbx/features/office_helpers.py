"""Helpers for the office-feature scenarios: a line caller pressing keys, prompts ending (the runtime's
PromptFinished), what a leg was told, and a rig with menus, time conditions and mailboxes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from firmware.config.attendant import IvrMenuConfig, IvrOptionConfig
from firmware.config.dialplan import InboundConfig
from firmware.config.features import FeaturesConfig
from firmware.config.ringgroups import MemberConfig, RingGroupConfig, StageConfig
from firmware.config.voicemail import MailboxConfig, VoicemailConfig
from firmware.contracts.ports import DigitReceived
from firmware.pbx.commands import Command, PlayPrompt, PromptFinished
from firmware.pbx.features.voicemail import MailboxContents, StoreMessage
from tests.pbx.rig import Rig, of


def prompt_done(rig: Rig, leg: str) -> list[Command]:
    out = rig.engine.media_event(PromptFinished(leg), rig.now, rig.wall)
    rig.log += out
    return out


def press(rig: Rig, port: int, keys: str, gap: float = 0.3) -> list[Command]:
    out: list[Command] = []
    for i, k in enumerate(keys):
        if i:
            out += rig.advance(gap)
        out += rig.ev(DigitReceived, port, digit=k)
    return out


def prompts(commands: Iterable[object], leg: str) -> list[tuple[str, ...]]:
    return [c.words for c in commands if isinstance(c, PlayPrompt) and c.leg == leg]


def said(commands: Iterable[object], leg: str) -> tuple[str, ...]:
    """The last prompt's words to `leg` (() if none)."""
    found = prompts(commands, leg)
    return found[-1] if found else ()


def stored(rig: Rig) -> list[StoreMessage]:
    return of(StoreMessage, rig.log)


def report(rig: Rig, job: StoreMessage, *older: Any) -> list[Command]:
    """What the runtime does after storing: the box's contents back to the engine."""
    out = rig.engine.media_event(MailboxContents(job.box, (*older, job.info)), rig.now, rig.wall)
    rig.log += out
    return out


MAIN = IvrMenuConfig(name="main", number="500", prompt=["welcome", "enter_extension"], options=[
    IvrOptionConfig("1", "ivr:sales"), IvrOptionConfig("2", "600"), IvrOptionConfig("9", "repeat"),
    IvrOptionConfig("0", "201")], timeout_s=5.0, retries=2, fail_destination="hangup")
SALES = IvrMenuConfig(name="sales", prompt=["welcome"], options=[
    IvrOptionConfig("1", "202"), IvrOptionConfig("2", "voicemail:203")], timeout_s=5.0, retries=1,
    timeout_destination="", fail_destination="201")


def office_rig(**config: Any) -> Rig:
    group = RingGroupConfig(number="600", name="Sales", stages=[StageConfig(members=[MemberConfig(extension="203"),
                                                                                      MemberConfig(extension="204")])])
    defaults: dict[str, Any] = {
        "ivr": [MAIN, SALES], "inbound": [InboundConfig("fxo:5", "ivr:main")],
        "features": FeaturesConfig(ring_groups=[group]),
        "voicemail": VoicemailConfig(boxes=[MailboxConfig("201", pin="1234"), MailboxConfig("203", email=[
            "anna@example.com"]), MailboxConfig("202", forward_no_answer_s=15, forward_busy=True)]),
    }
    defaults.update(config)
    return Rig(**defaults)
