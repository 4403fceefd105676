"""Virtual handset caller-ID display: on-hook FSK/DTMF spills via the chip, MWI, call-waiting CAS + ack."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from firmware.contracts.callerid import CallerId, CidStandard
from firmware.dsp import g711
from firmware.dsp.callerid import CidSender, encode_message, encode_mwi
from firmware.dsp.dtmf import DtmfReceiver
from tests.sim.conftest import Rig

RATE = 8000
PEAK = 5000.0   # about -13 dBm0 per tone


# --- an independent spill generator (numpy only, written from GR-30 / EN 300 659 framing) ------------
def _fsk(bits: list[int], mark: float, space: float) -> np.ndarray:
    """Phase-continuous 1200 baud FSK."""
    n = int(len(bits) * RATE / 1200)
    index = np.minimum((np.arange(n) * 1200) // RATE, len(bits) - 1)
    freq = np.where(np.asarray(bits)[index] == 1, mark, space)
    phase = np.cumsum(2 * np.pi * freq / RATE)
    return (PEAK * np.sin(phase)).astype(np.int16)


def _framed(data: bytes) -> list[int]:
    bits: list[int] = []
    for byte in data:
        bits += [0, *((byte >> i) & 1 for i in range(8)), 1]
    return bits


def _mdmf(number: str, name: str) -> bytes:
    body = bytes([0x01, 8]) + b"03151230" + bytes([0x02, len(number)]) + number.encode()
    body += bytes([0x07, len(name)]) + name.encode()
    msg = bytes([0x80, len(body)]) + body
    return msg + bytes([-sum(msg) & 0xFF])


def _spill(message: bytes, mark: float, space: float) -> np.ndarray:
    bits = _framed(b"\x55" * 30) + [1] * 180 + _framed(message) + [1] * 60
    return np.concatenate([np.zeros(4000, np.int16), _fsk(bits, mark, space)])


def _dtmf_clip(text: str) -> np.ndarray:
    rows, cols = (697, 770, 852, 941), (1209, 1336, 1477, 1633)
    keys = ("123A", "456B", "789C", "*0#D")
    t = np.arange(int(0.07 * RATE)) / RATE
    out = [np.zeros(2000, np.int16)]
    for ch in text:
        r = next(i for i, row in enumerate(keys) if ch in row)
        c = keys[r].index(ch)
        pair = np.sin(2 * np.pi * rows[r] * t) + np.sin(2 * np.pi * cols[c] * t)
        out.append((PEAK * pair).astype(np.int16))
        out.append(np.zeros(int(0.07 * RATE), np.int16))
    return np.concatenate(out)


def _dsp_spill(message: bytes, standard: CidStandard, seizure: bool = True) -> np.ndarray:
    sender = CidSender(standard, seizure=seizure)
    sender.start(message)
    chunks = []
    while not sender.done:
        chunks.append(sender.generate(800))
    return np.concatenate(chunks)


def _play(rig: Rig, slot: int, audio: np.ndarray) -> None:
    rig.highway.driver_write(slot, g711.encode(audio, g711.Law.MULAW))
    rig.audio(len(audio) // 8 + 500)


@pytest.fixture
def oht(rig: Rig) -> Rig:
    rig.highway.limit = 200_000
    rig.start_pcm(rx_slot=2, tx_slot=3, linefeed=0x02)   # on-hook transmission, as after a ring
    return rig


@pytest.mark.parametrize(("mark", "space"), [(1200.0, 2200.0), (1300.0, 2100.0)], ids=["bell202", "v23"])
def test_display_decodes_an_independently_modulated_spill(oht: Rig, mark: float, space: float) -> None:
    _play(oht, 2, _spill(_mdmf("2015550123", "ALICE"), mark, space))
    assert len(oht.phone.display) == 1       # both FSK receivers decode it: shown once
    cid = oht.phone.last_caller_id
    assert cid is not None and (cid.number, cid.name) == ("2015550123", "ALICE")
    assert cid.when is not None and (cid.when.month, cid.when.day, cid.when.hour) == (3, 15, 12)
    assert not oht.phone.display[0].call_waiting


def test_display_decodes_a_dtmf_clip_spill(oht: Rig) -> None:
    _play(oht, 2, _dtmf_clip("A5551234C"))
    cid = oht.phone.last_caller_id
    assert cid is not None and cid.number == "5551234"


def test_display_decodes_spills_from_the_dsp_sender(oht: Rig) -> None:
    caller = CallerId(number="0612345678", name="BOB")
    _play(oht, 2, _dsp_spill(encode_message(caller, CidStandard.ETSI_V23), CidStandard.ETSI_V23))
    assert oht.phone.last_caller_id == caller


def test_mwi_spill_lights_and_clears_the_lamp(oht: Rig) -> None:
    _play(oht, 2, _dsp_spill(encode_mwi(True, CidStandard.BELL202), CidStandard.BELL202))
    assert oht.phone.mwi_lamp
    _play(oht, 2, _dsp_spill(encode_mwi(False, CidStandard.BELL202), CidStandard.BELL202))
    assert not oht.phone.mwi_lamp
    assert oht.phone.display == []


def test_spill_in_active_state_never_reaches_an_on_hook_set(rig: Rig) -> None:
    rig.highway.limit = 200_000
    rig.start_pcm(rx_slot=2, tx_slot=3, linefeed=0x01)   # forgot OHT
    _play(rig, 2, _spill(_mdmf("2015550123", "ALICE"), 1200.0, 2200.0))
    assert rig.phone.display == []


# --- call waiting ----------------------------------------------------------------------------------------
def _tones(freqs: tuple[float, ...], ms: int) -> np.ndarray:
    t = np.arange(ms * 8) / RATE
    return (sum(PEAK * 0.7 * np.sin(2 * np.pi * f * t) for f in freqs)).astype(np.int16)


def _call_waiting(rig: Rig) -> tuple[np.ndarray, float]:
    """SAS + CAS down the line to an off-hook set; the FSK follows once the set acknowledged."""
    rig.highway.limit = 200_000
    rig.start_pcm(rx_slot=2, tx_slot=3)
    rig.phone.off_hook()
    rig.ms(300)
    rig.line.start_recording()
    alert = np.concatenate([_tones((440.0,), 300), np.zeros(800, np.int16), _tones((2130.0, 2750.0), 85)])
    rig.highway.driver_write(2, g711.encode(alert, g711.Law.MULAW))
    for _ in range(100):
        rig.audio(10)
        if rig.phone.heard_sas_cas and rig.phone.heard_sas_cas[-1].kind == "ack":
            break
    rig.audio(150)
    fsk_at = rig.clock.now()
    spill = _dsp_spill(encode_message(CallerId(number="3035550199", name="CAROL"), CidStandard.BELL202),
                       CidStandard.BELL202, seizure=False)
    rig.highway.driver_write(2, g711.encode(spill, g711.Law.MULAW))
    rig.audio(len(spill) // 8 + 300)
    return rig.line.stop_recording(), fsk_at


def _level_blocks(audio: np.ndarray, freq: float) -> np.ndarray:
    blocks = audio[: len(audio) // 80 * 80].reshape(-1, 80).astype(float)
    ref = np.exp(-2j * np.pi * freq * np.arange(80) / RATE)
    return np.abs(blocks @ ref) / 40.0


def test_cas_is_acknowledged_and_the_call_waiting_spill_shown(rig: Rig) -> None:
    audio, fsk_at = _call_waiting(rig)
    down, up = audio[:, 0], audio[:, 1]
    assert [h.kind for h in rig.phone.heard_sas_cas] == ["sas", "cas", "ack"]
    both = np.minimum(_level_blocks(down, 2130.0), _level_blocks(down, 2750.0))
    cas_blocks = np.nonzero(both > 1000)[0]
    cas_end = (cas_blocks[-1] + 1) * 80
    ack = np.nonzero(up)[0]
    assert 0 < ack[0] - cas_end <= 800                   # starts within 100 ms of CAS ending
    assert ack[-1] - ack[0] + 1 == pytest.approx(520, abs=16)   # about 65 ms of tone
    receiver = DtmfReceiver()
    assert receiver.feed(up) == "D"
    entry = rig.phone.display[-1]
    assert entry.call_waiting and entry.caller_id.number == "3035550199"
    assert len(rig.phone.display) == 1
    heard_fsk = rig.phone.earpiece(fsk_at)
    assert max(_level_blocks(heard_fsk, 1200.0).max(), _level_blocks(heard_fsk, 2200.0).max()) < 50


def test_set_without_cid_on_call_waiting_does_not_ack(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig(cid_ack_digit=None)
    audio, _ = _call_waiting(rig)
    assert [h.kind for h in rig.phone.heard_sas_cas] == ["sas", "cas"]
    assert not np.any(audio[:, 1])
    assert rig.phone.display == []


def test_dial_tone_and_dtmf_are_not_taken_for_sas_or_cas(rig: Rig) -> None:
    rig.highway.limit = 200_000
    rig.start_pcm(rx_slot=2, tx_slot=3)
    rig.phone.off_hook()
    noise = np.concatenate([_tones((350.0, 440.0), 1000), _dtmf_clip("159#D")])
    _play(rig, 2, noise)
    assert rig.phone.heard_sas_cas == []
