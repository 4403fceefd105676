"""ProSLIC model, audio path: PCM slot and law placement, line-state gating, gains, loopback, DTMF decoder."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from firmware.dsp import g711
from firmware.dsp.levels import dbm0, goertzel_dbm0, tone
from tests.sim.conftest import Rig

TONE_HZ = 1000.0


def _queue_tone(rig: Rig, slot: int, ms: int, law: g711.Law = g711.Law.MULAW, level: float = -10.0) -> None:
    rig.highway.driver_write(slot, g711.encode(tone(TONE_HZ, level, ms * 8), law))


def _tx_audio(rig: Rig, slot: int, law: g711.Law = g711.Law.MULAW) -> np.ndarray:
    return g711.decode(rig.highway.driver_read(slot, 100_000), law)


@pytest.mark.parametrize(("mulaw", "law"), [(True, g711.Law.MULAW), (False, g711.Law.ALAW)])
def test_rx_slot_and_law_select_what_the_earpiece_hears(rig: Rig, mulaw: bool, law: g711.Law) -> None:
    rig.start_pcm(rx_slot=3, tx_slot=5, mulaw=mulaw)
    rig.phone.off_hook()
    _queue_tone(rig, 2, 200, law)             # a neighbour's slot
    rig.audio(200)
    assert dbm0(rig.phone.earpiece()) < -60
    since = rig.clock.now()
    _queue_tone(rig, 3, 200, law)
    rig.audio(200)
    heard = rig.phone.earpiece(since)
    assert goertzel_dbm0(heard, TONE_HZ) == pytest.approx(-10.0, abs=0.5)


def test_wrong_law_garbles_the_audio(rig: Rig) -> None:
    rig.start_pcm(rx_slot=0, tx_slot=1, mulaw=True)
    rig.phone.off_hook()
    _queue_tone(rig, 0, 200, g711.Law.ALAW)   # driver writes A-law into a µ-law chip
    rig.audio(200)
    heard = rig.phone.earpiece()
    assert abs(goertzel_dbm0(heard, TONE_HZ) - -10.0) > 6     # the set hears it badly distorted


@pytest.mark.parametrize(("linefeed", "off_hook", "passes"), [
    (0x01, False, False),   # Active, on-hook: audio paths powered down
    (0x01, True, True),     # Active, off-hook: talk
    (0x02, False, True),    # OHT: on-hook transmission (caller ID)
    (0x05, True, True),     # Reverse active, off-hook
    (0x00, True, False),    # Open
    (0x04, False, False),   # Ringing
])
def test_line_state_gates_audio_toward_the_set(rig: Rig, linefeed: int, off_hook: bool, passes: bool) -> None:
    rig.start_pcm(rx_slot=1, tx_slot=2, linefeed=linefeed)
    if off_hook:
        rig.phone.off_hook()
    rig.line.start_recording()
    _queue_tone(rig, 1, 200)
    rig.audio(200)
    down = rig.line.stop_recording()[:, 0]
    assert (goertzel_dbm0(down, TONE_HZ) > -20) is passes


def test_tx_slot_carries_the_microphone_only_off_hook_in_active(rig: Rig) -> None:
    rig.start_pcm(rx_slot=0, tx_slot=6)
    rig.phone.mic_tone(TONE_HZ, -10.0)
    rig.audio(100)
    on_hook = rig.highway.driver_read(6, 100_000)
    assert len(on_hook) == 800                # the stream keeps running ...
    assert set(on_hook) == {g711.silence_byte(g711.Law.MULAW)}   # ... with silence codes
    rig.phone.off_hook()
    rig.audio(200)
    sent = _tx_audio(rig, 6)
    assert len(sent) == 1600
    assert goertzel_dbm0(sent, TONE_HZ) == pytest.approx(-10.0, abs=0.5)
    assert rig.highway.to_box_available(5) == rig.highway.to_box_available(7) == 0


def test_digital_gains_scale_both_directions(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig("Si3210")
    rig.start_pcm(rx_slot=0, tx_slot=1, rx_gain=0x2000, tx_gain=0x4000)   # DAHDI's -6 dB playback
    rig.spi.write(9, 0x08)                    # DR9: TX +3.5 dB
    rig.phone.off_hook()
    rig.phone.mic_tone(TONE_HZ, -10.0)
    _queue_tone(rig, 0, 200)
    rig.audio(200)
    assert goertzel_dbm0(rig.phone.earpiece(), TONE_HZ) == pytest.approx(-16.0, abs=0.5)
    assert goertzel_dbm0(_tx_audio(rig, 1), TONE_HZ) == pytest.approx(-6.5, abs=0.5)


def test_reset_loopback_returns_rx_to_tx_and_cuts_the_line(rig: Rig) -> None:
    rig.start_pcm(rx_slot=2, tx_slot=3)
    rig.spi.write(8, 0x02)                    # the reset value: digital loopback
    rig.phone.off_hook()
    rig.phone.mic_tone(500.0, -10.0)
    _queue_tone(rig, 2, 200)
    rig.audio(200)
    assert dbm0(rig.phone.earpiece()) < -60   # the set hears nothing ...
    looped = _tx_audio(rig, 3)
    assert goertzel_dbm0(looped, TONE_HZ) == pytest.approx(-10.0, abs=0.5)   # ... the box hears itself
    assert goertzel_dbm0(looped, 500.0) < -50


def test_chip_reset_makes_the_port_silent(rig: Rig) -> None:
    rig.start_pcm(rx_slot=2, tx_slot=3)
    rig.phone.off_hook()
    rig.phone.mic_tone(TONE_HZ, -10.0)
    rig.audio(100)
    assert goertzel_dbm0(_tx_audio(rig, 3), TONE_HZ) > -11
    rig.chip.inject_reset()
    since = rig.clock.now()
    _queue_tone(rig, 2, 200)
    rig.audio(200)
    assert rig.highway.to_box_available(3) == 0      # PCM off after reset: nothing transmitted
    assert dbm0(rig.phone.earpiece(since)) < -60
    assert rig.spi.read(8) == 0x02


def _dr24_while_keying(rig: Rig, digits: str) -> tuple[list[int], int]:
    rig.phone.press(digits, on_ms=80, off_ms=80)
    seen: list[int] = []
    for _ in range(len(digits) * 16 + 10):
        rig.audio(10)
        value = rig.spi.read(24)
        if value & 0x10 and (not seen or seen[-1] != value):
            seen.append(value)
        if not value & 0x10 and seen and seen[-1] != 0:
            seen.append(0)
    return [v for v in seen if v], rig.spi.read(20)


def test_si3210_dtmf_decoder_reports_keys_pressed_on_the_handset(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig("Si3210")
    rig.start_pcm(rx_slot=0, tx_slot=1)
    rig.phone.off_hook()
    rig.spi.write(20, 0xFF)
    codes, dr20 = _dr24_while_keying(rig, "190*#D")
    assert codes == [0x11, 0x19, 0x1A, 0x1B, 0x1C, 0x10]
    assert dr20 & 0x01
    assert rig.spi.read(24) & 0x10 == 0       # key released: VAL clears


def test_si3215_has_no_dtmf_decoder(rig: Rig) -> None:
    rig.start_pcm(rx_slot=0, tx_slot=1)
    rig.phone.off_hook()
    codes, dr20 = _dr24_while_keying(rig, "159")
    assert codes == []
    assert dr20 & 0x01 == 0
    assert rig.spi.read(24) == 0
