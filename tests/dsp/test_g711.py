"""G.711 companding: known code points, error bounds, and agreement with independent codecs."""

from __future__ import annotations

import ctypes
import warnings

import numpy as np
import pytest

from firmware.dsp import g711, levels
from firmware.dsp import spandsp as sp
from firmware.dsp.g711 import Law

ALL = np.arange(-32768, 32768, dtype=np.int16)
CODES = bytes(range(256))


def test_zero_encodes_to_the_idle_code_words() -> None:
    zero = np.zeros(3, np.int16)
    assert g711.encode(zero, Law.MULAW) == b"\xff\xff\xff"
    assert g711.encode(zero, Law.ALAW) == b"\xd5\xd5\xd5"
    assert g711.silence_byte(Law.MULAW) == 0xFF
    assert g711.silence_byte(Law.ALAW) == 0xD5


def test_full_scale_code_points() -> None:
    extremes = np.array([32767, -32768], np.int16)
    assert g711.encode(extremes, Law.MULAW) == b"\x80\x00"
    assert g711.encode(extremes, Law.ALAW) == b"\xaa\x2a"
    assert g711.decode(b"\x80\x00\xff\x7f", Law.MULAW).tolist() == [32124, -32124, 0, 0]
    assert g711.decode(b"\xaa\x2a\xd5\x55", Law.ALAW).tolist() == [32256, -32256, 8, -8]


def test_decode_returns_int16_of_same_length() -> None:
    out = g711.decode(b"\x01\x02\x03", Law.ALAW)
    assert out.dtype == np.int16 and out.shape == (3,)


def test_mulaw_error_within_half_a_quantisation_step() -> None:
    x = ALL.astype(np.int64)
    err = np.abs(g711.decode(g711.encode(ALL, Law.MULAW), Law.MULAW).astype(np.int64) - x)
    inside = np.abs(x) <= 32124
    # segment k spans (132 << k) .. (264 << k) - 132 in steps of 8 << k: half a step <= (|x|+132)/32
    assert np.all(err[inside] <= (np.abs(x[inside]) + 132) / 32 + 0.5)
    assert err[~inside].max() <= 644  # overload: clipped to the largest code


def test_alaw_error_within_half_a_quantisation_step() -> None:
    x = ALL.astype(np.int64)
    err = np.abs(g711.decode(g711.encode(ALL, Law.ALAW), Law.ALAW).astype(np.int64) - x)
    inside = np.abs(x) <= 32256
    assert np.all(err[inside] <= np.maximum(8, np.abs(x[inside]) / 32) + 0.5)
    assert err[~inside].max() <= 512


@pytest.mark.parametrize("law", list(Law))
def test_codes_survive_decode_encode(law: Law) -> None:
    once = g711.decode(CODES, law)
    assert np.array_equal(g711.decode(g711.encode(once, law), law), once)


@pytest.mark.parametrize("law", list(Law))
@pytest.mark.parametrize("level", [-30.0, -20.0, -10.0, 0.0])
def test_tone_snr_meets_g712_region(law: Law, level: float) -> None:
    x = levels.tone(1020.0, level, 8000)
    y = g711.decode(g711.encode(x, law), law).astype(np.float64)
    noise = y - x
    snr = 10 * np.log10(np.mean(x.astype(np.float64) ** 2) / np.mean(noise ** 2))
    assert snr > 33.0


@pytest.mark.parametrize(("law", "mode"), [(Law.MULAW, sp.G711_ULAW), (Law.ALAW, sp.G711_ALAW)])
def test_tables_match_spandsp_codec_for_every_value(law: Law, mode: int) -> None:
    lib = sp.lib()
    handle = sp.Handle(lib.g711_init(None, mode), lib.g711_free, "g711")
    coded = (ctypes.c_uint8 * ALL.size)()
    lib.g711_encode(handle.ptr, coded, sp.int16_ptr(ALL), ALL.size)
    decoded = np.zeros(256, np.int16)
    codes = np.frombuffer(CODES, np.uint8).copy()
    lib.g711_decode(handle.ptr, sp.int16_ptr(decoded), codes.ctypes.data_as(sp.c_uint8_p), 256)
    handle.close()
    assert g711.encode(ALL, law) == bytes(coded)
    assert np.array_equal(g711.decode(CODES, law), decoded)


def test_decode_tables_match_python_audioop() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop
    assert np.array_equal(g711.decode(CODES, Law.MULAW), np.frombuffer(audioop.ulaw2lin(CODES, 2), np.int16))
    assert np.array_equal(g711.decode(CODES, Law.ALAW), np.frombuffer(audioop.alaw2lin(CODES, 2), np.int16))
    assert g711.encode(ALL, Law.ALAW) == audioop.lin2alaw(ALL.tobytes(), 2)
