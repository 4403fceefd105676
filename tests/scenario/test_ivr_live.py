"""The IVR through the whole daemon on the virtual board: a caller on the exchange line is answered by the
menu, keys 1 (DTMF on the line, heard by the FXO driver's DTMF receiver on the answered line) and the
handset of 202 rings with the caller's number; the menu's prompt really plays to the line (the caller
hears speech energy before pressing)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from firmware.config.attendant import IvrMenuConfig, IvrOptionConfig
from firmware.config.dialplan import InboundConfig
from firmware.config.model import Config
from firmware.contracts.callerid import CallerId
from firmware.drivers.sim.exchange_party import FarParty
from firmware.dsp.dtmf import DtmfSender
from firmware.dsp.levels import dbm0
from tests.scenario.live import LiveRig

pytestmark = pytest.mark.slow
RATE = 8000


def keyed(digits: str, after_s: float) -> np.ndarray:
    """Silence, then DTMF `digits` (what the caller's phone sends), then silence."""
    sender = DtmfSender(level_dbm0=-8.0, twist_db=2.0, on_ms=120, off_ms=120)
    sender.add(digits)
    tones = sender.generate(int(RATE * 0.24 * len(digits)))
    sender.close()
    return np.concatenate([np.zeros(int(after_s * RATE), np.int16), tones, np.zeros(RATE * 30, np.int16)])


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveRig]:
    menu = IvrMenuConfig(name="main", options=[IvrOptionConfig("1", "202")])
    rig = LiveRig(tmp_path / "state", Config(ivr=[menu], inbound=[InboundConfig("fxo:5", "ivr:main")]))
    try:
        yield rig
    finally:
        rig.close()


def test_a_line_caller_keys_1_in_the_menu_and_202_rings(live: LiveRig) -> None:
    caller = FarParty(name="caller", caller_id=CallerId(number="030777"), audio=keyed("1", 3.0), loop_audio=False)
    live.exchange(5).ring(CallerId(number="030777"), answer_party=caller)
    assert live.wait_for(lambda: live.port_status(5) == "in call", 10.0), "the menu did not answer"
    live.wait(2.0)
    heard = np.asarray(live.exchange(5).party.heard)
    assert len(heard) and dbm0(heard[-RATE:]) > -40, "no prompt on the line"
    h2 = live.handset(2)
    assert live.wait_for(lambda: h2.ringing, 10.0), "202 does not ring after key 1"
    assert live.wait_for(lambda: bool(h2.display), 8.0), "no caller ID on 202"   # German CID after the 1st ring
    assert h2.display[-1].caller_id.number == "030777"
