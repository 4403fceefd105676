"""Scenario tests: the PSTN line on an FXO port against the virtual exchange (issue: FXO ports).

Port-level scenarios on the rig (fake clock): the far end hangs up with only one disconnect
signal at a time and the line is released; DTMF and speech on the line never look like a
hang-up; the echo canceller's ERLE on the exchange's hybrid echo path; a neon message-waiting
voltage is not a ring.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from firmware.config.model import Config, FxoPortConfig
from firmware.contracts.callerid import CallerId
from firmware.contracts.ports import (
    DialDigits,
    DisconnectMethod,
    LineCallerId,
    LineDisconnect,
    LineRingStart,
    PortAlarm,
    Release,
    Seize,
)
from firmware.drivers.sim.exchange_echo import LineNoise
from firmware.drivers.sim.exchange_party import DisconnectSignal, FarParty
from firmware.drivers.sim.wavio import read_wav
from firmware.dsp.dtmf import DtmfSender
from firmware.dsp.levels import dbm0
from tests.scenario.rig import VirtualRig

LINE = 5


def call_out(rig: VirtualRig, party: FarParty, number: str = "3012345") -> None:
    rig.exchange(LINE).add_party(number, party)
    rig.command(Seize(LINE))
    rig.wait(0.5)
    rig.command(DialDigits(LINE, number))
    end = rig.now() + 30
    while rig.now() < end and party.answered_at is None:
        rig.wait(0.25)
    assert party.answered_at is not None, "the far party never answered"


def disconnects(rig: VirtualRig) -> list[DisconnectMethod]:
    return [e.method for e in rig.events(LINE, LineDisconnect)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("iso", ["DE", "RU", "PL", "GB", "US"])
def test_far_end_hangup_signalled_only_by_busy_tone(make_rig: type[VirtualRig], iso: str) -> None:
    rig = make_rig(Config(country=iso))
    rig.exchange(LINE).disconnect = DisconnectSignal(battery_drop=False, tone=True)
    call_out(rig, FarParty(answer_after_rings=1, hangup_after_s=4.0))
    rig.wait(12.0)
    assert disconnects(rig) == [DisconnectMethod.BUSY_TONE]
    rig.command(Release(LINE))
    rig.wait(2.0)
    assert rig.exchange(LINE).state.value == "idle"


@pytest.mark.parametrize("signal,method", [
    ({"polarity_reversal": True}, DisconnectMethod.POLARITY_REVERSAL),
    ({"loop_current_drop": True}, DisconnectMethod.LOOP_CURRENT_DROP),
    ({"battery_drop": True}, DisconnectMethod.BATTERY_DROP),
])
def test_far_end_hangup_signalled_by_one_dc_signal(make_rig: type[VirtualRig], signal: dict[str, bool],
                                                   method: DisconnectMethod) -> None:
    # this line gives no answer signal: a reversal can only mean the far end hung up
    rig = make_rig(Config(fxo=[FxoPortConfig(port=LINE, answer_on_polarity=False)]))
    rig.exchange(LINE).disconnect = DisconnectSignal(**{"battery_drop": False, **signal})
    call_out(rig, FarParty(answer_after_rings=1, hangup_after_s=3.0))
    rig.wait(6.0)
    assert disconnects(rig) == [method]


def test_answer_and_hangup_both_by_polarity_reversal(make_rig: type[VirtualRig]) -> None:
    rig = make_rig()
    ex = rig.exchange(LINE)
    ex.disconnect = DisconnectSignal(battery_drop=False, polarity_reversal=True)
    ex.reverse_on_answer = True
    call_out(rig, FarParty(answer_after_rings=1, hangup_after_s=3.0))
    rig.wait(1.5)
    assert disconnects(rig) == []          # the answer reversal is not a hang-up
    rig.wait(4.0)
    assert disconnects(rig) == [DisconnectMethod.POLARITY_REVERSAL]


def speech(tmp: Path, seconds: float = 20.0) -> np.ndarray:
    """German speech from espeak-ng at 8 kHz (a stand-in for a real far-end talker)."""
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.fail("espeak-ng and sox are needed (make setup installs them)")
    raw, wav = tmp / "speech22k.wav", tmp / "speech.wav"
    text = ("Guten Tag, hier ist das Büro Schmidt. Unsere Sprechzeiten sind Montag bis Freitag von neun "
            "bis siebzehn Uhr. Bitte hinterlassen Sie eine Nachricht nach dem Signalton. ") * 3
    subprocess.run(["espeak-ng", "-v", "de", "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(wav)], check=True)
    audio = read_wav(wav)
    return audio[: int(seconds * 8000)]


def test_speech_and_dtmf_on_the_line_are_not_a_hangup(make_rig: type[VirtualRig], tmp_path: Path) -> None:
    rig = make_rig()
    talk = speech(tmp_path)
    sender = DtmfSender(level_dbm0=-8.0, on_ms=120, off_ms=120)
    sender.add("1234567890*#" * 6)
    keys = sender.generate(len(talk))
    audio = np.clip(talk.astype(np.int32) + keys, -32768, 32767).astype(np.int16)
    call_out(rig, FarParty(answer_after_rings=1, audio=audio, loop_audio=False))
    rig.wait(len(audio) / 8000 + 2.0)
    assert disconnects(rig) == []
    assert not rig.events(LINE, PortAlarm)


def erle_run(make_rig: type[VirtualRig], echo_cancel: bool) -> float:
    """Residual echo level (dBm0) toward the box while it sends -20 dBm0 noise to a silent far party."""
    cfg = Config(fxo=[FxoPortConfig(port=LINE, acim=0, echo_cancel=echo_cancel)])  # mismatched: DE line is ACIM 3
    rig = make_rig(cfg)
    rig.exchange(LINE)._noise = LineNoise(None)   # virtual-only: a noiseless line isolates the echo
    call_out(rig, FarParty(answer_after_rings=1))
    rng = np.random.default_rng(3)

    class NoiseRouter:
        def port_audio_in(self, port: int, samples: np.ndarray) -> None:
            pass

        def port_audio_out(self, port: int, n: int) -> np.ndarray | None:
            return np.clip(rng.normal(0, 1620, n), -32768, 32767).astype(np.int16) if port == LINE else None

        def port_active(self, port: int) -> bool:
            return port == LINE

    heard: list[np.ndarray] = []
    rig.analog.loop.router = NoiseRouter()
    rig.analog.loop.taps[LINE] = lambda clean, ref: heard.append(clean.copy())
    rig.wait(12.0)
    tail = np.concatenate(heard[-200:])   # the last 2 s, after convergence
    return dbm0(tail)


def test_echo_canceller_erle_is_at_least_30_db_on_the_line_echo_path(make_rig: type[VirtualRig]) -> None:
    raw = erle_run(make_rig, echo_cancel=False)
    residual = erle_run(make_rig, echo_cancel=True)
    assert raw > -40, f"the mismatched line should return audible echo, got {raw:.1f} dBm0"
    assert raw - residual >= 30.0, f"ERLE {raw - residual:.1f} dB (echo {raw:.1f}, residual {residual:.1f} dBm0)"


def test_neon_message_waiting_voltage_is_not_a_ring(rig: VirtualRig) -> None:
    rig.exchange(LINE).neon_mwi(True)
    rig.wait(5.0)
    rig.exchange(LINE).neon_mwi(False)
    rig.wait(1.0)
    assert not rig.events(LINE, LineRingStart)
    rig.exchange(LINE).ring(CallerId(number="4930123456"))
    rig.wait(6.0)
    assert rig.events(LINE, LineRingStart)
    assert [e.caller_id.number for e in rig.events(LINE, LineCallerId)] == ["4930123456"]  # type: ignore[attr-defined]
