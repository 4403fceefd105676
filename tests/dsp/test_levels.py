"""Level and frequency measurement helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from firmware.dsp import levels


def test_full_scale_sine_is_plus_3_14_dbm0() -> None:
    x = (32767 * np.sin(2 * np.pi * 1000 * np.arange(8000) / 8000)).astype(np.int16)
    assert levels.dbm0(x) == pytest.approx(3.14, abs=0.02)


def test_mulaw_digital_milliwatt_is_0_dbm0() -> None:
    # G.711 digital milliwatt sequence (mu-law 1e 0b 0b 1e 9e 8b 8b 9e) decodes to 0 dBm0
    from firmware.dsp import g711

    dmw = g711.decode(bytes.fromhex("1e0b0b1e9e8b8b9e") * 1000, g711.Law.MULAW)
    assert levels.dbm0(dmw) == pytest.approx(0.0, abs=0.15)


@pytest.mark.parametrize("level", [-40.0, -13.0, 0.0])
def test_tone_has_requested_level_and_frequency(level: float) -> None:
    x = levels.tone(425.0, level, 8000)
    assert x.dtype == np.int16 and x.size == 8000
    assert levels.dbm0(x) == pytest.approx(level, abs=0.05)
    assert levels.goertzel_dbm0(x, 425.0) == pytest.approx(level, abs=0.1)
    assert levels.dominant_frequency(x) == pytest.approx(425.0, abs=0.5)


def test_goertzel_separates_components() -> None:
    x = levels.tone(697.0, -20.0, 4000).astype(np.int32) + levels.tone(1209.0, -10.0, 4000)
    assert levels.goertzel_dbm0(x, 697.0) == pytest.approx(-20.0, abs=0.2)
    assert levels.goertzel_dbm0(x, 1209.0) == pytest.approx(-10.0, abs=0.2)
    assert levels.goertzel_dbm0(x, 941.0) < -50.0


def test_dominant_frequency_interpolates_between_bins() -> None:
    x = levels.tone(1234.5, -10.0, 1600)
    assert levels.dominant_frequency(x) == pytest.approx(1234.5, abs=1.0)
    both = x.astype(np.int32) + levels.tone(350.0, -20.0, 1600)
    assert levels.spectrum_peaks(both, count=2)[1][0] == pytest.approx(350, abs=1)


def test_silence() -> None:
    z = levels.silence(160)
    assert z.dtype == np.int16 and not z.any()
    assert levels.dbm0(z) == levels.MIN_DBM0
    assert levels.dominant_frequency(z) == 0.0
    assert math.isfinite(levels.goertzel_dbm0(z, 1000.0))
