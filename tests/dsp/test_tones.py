"""Tone generator: frequencies, levels and cadences of generated call-progress tones."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest

from firmware.contracts.tones import ToneSegment, ToneSpec, parse_tone
from firmware.dsp import levels
from firmware.dsp.tones import ToneGenerator


def play(spec: ToneSpec, seconds: float, frame: int = 160) -> npt.NDArray[np.int16]:
    gen = ToneGenerator(spec)
    n = int(seconds * 8000)
    chunks = [gen.generate(frame) for _ in range(-(-n // frame))]
    assert all(c.size == frame for c in chunks)
    return np.concatenate(chunks)[:n]


def bursts(x: npt.NDArray[np.int16]) -> list[tuple[bool, int]]:
    """(on, ms) runs of the envelope: on = any |sample| > 200 within a 3 ms window."""
    loud = np.abs(x.astype(np.int32)) > 200
    on = np.convolve(loud, np.ones(24), mode="same") > 0
    edges = np.flatnonzero(np.diff(on.astype(np.int8))) + 1
    bounds = np.concatenate([[0], edges, [on.size]])
    return [(bool(on[a]), round((b - a) / 8)) for a, b in itertools.pairwise(bounds)]


def test_german_busy_tone_frequency_level_and_cadence() -> None:
    x = play(parse_tone("de_busy", "425/480,0/480"), 5.0)
    first_burst = x[:480 * 8]
    assert levels.dominant_frequency(first_burst) == pytest.approx(425.0, abs=1.0)
    assert levels.dbm0(first_burst) == pytest.approx(-13.0, abs=0.1)
    runs = bursts(x)[:-1]                        # the last run is cut by the end of capture
    assert runs[0][0] is True
    assert all(ms == pytest.approx(480, abs=4) for _, ms in runs)
    assert [on for on, _ in runs] == [True, False] * (len(runs) // 2) + [True] * (len(runs) % 2)


def test_frame_size_does_not_change_the_signal() -> None:
    spec = parse_tone("it_cw", "425/400,0/100,425/250,0/100,425/150,0/14000")
    assert np.array_equal(play(spec, 3.0, frame=160), play(spec, 3.0, frame=37))


def test_dual_frequency_tone_components() -> None:
    x = play(parse_tone("us_busy", "480+620/500,0/500", level_dbm0=-24.0), 0.5)
    assert levels.goertzel_dbm0(x, 480) == pytest.approx(-24.0, abs=0.2)
    assert levels.goertzel_dbm0(x, 620) == pytest.approx(-24.0, abs=0.2)
    assert [round(f) for f, _ in levels.spectrum_peaks(x, count=2)] in ([480, 620], [620, 480])


def test_uk_ringback_double_ring() -> None:
    runs = bursts(play(parse_tone("uk_ring", "400+450/400,0/200,400+450/400,0/2000"), 6.0))
    assert [(on, pytest.approx(ms, abs=4)) for on, ms in runs[:5]] == [
        (True, 400), (False, 200), (True, 400), (False, 2000), (True, 400)]


def test_segments_beyond_one_spandsp_descriptor() -> None:
    runs = bursts(play(parse_tone("it_cw", "425/400,0/100,425/250,0/100,425/150,0/14000"), 1.2))
    assert [ms for _, ms in runs[:5]] == [pytest.approx(v, abs=4) for v in (400, 100, 250, 100, 150)]


def test_play_once_information_tone_then_done() -> None:
    spec = parse_tone("us_info", "!950/330,!1400/330,!1800/330")
    gen = ToneGenerator(spec)
    x = gen.generate(8000)
    assert gen.done
    thirds = [x[i * 2640:(i + 1) * 2640] for i in range(3)]
    assert [round(levels.dominant_frequency(t)) for t in thirds] == [950, 1400, 1800]
    assert not x[3 * 2640:].any()
    assert not gen.generate(160).any() and gen.generate(160).size == 160


def test_repeating_tone_is_never_done_and_steady_tone_has_no_gap() -> None:
    gen = ToneGenerator(parse_tone("dial", "350+440"))
    x = np.concatenate([gen.generate(160) for _ in range(200)])
    assert not gen.done
    assert bursts(x) == [(True, 4000)]


def test_repeat_from_plays_prefix_once() -> None:
    spec = parse_tone("recall", "!425/100,!0/100,!425/100,!0/100,!425/100,!0/100,425")
    runs = bursts(play(spec, 2.0))
    assert [on for on, _ in runs] == [True, False, True, False, True, False, True]
    assert runs[-1][1] == pytest.approx(1400, abs=4)


def test_fractional_level() -> None:
    x = play(parse_tone("dial", "425", level_dbm0=-13.5), 1.0)
    assert levels.dbm0(x) == pytest.approx(-13.5, abs=0.1)


def test_call_waiting_alert_signal_sas_and_cas() -> None:
    sas = ToneSpec("sas", (ToneSegment((440.0,), 300),), repeat_from=None)
    cas = ToneSpec("cas", (ToneSegment((2130.0, 2750.0), 85),), repeat_from=None)
    gen = ToneGenerator(cas)
    x = gen.generate(800)
    assert gen.done and np.flatnonzero(x)[-1] < 680 and np.flatnonzero(x)[-1] > 670
    assert levels.goertzel_dbm0(x[:680], 2130) == pytest.approx(-13, abs=0.3)
    assert levels.goertzel_dbm0(x[:680], 2750) == pytest.approx(-13, abs=0.3)
    y = ToneGenerator(sas).generate(4000)
    assert np.count_nonzero(np.abs(y) > 200) > 2000 and not y[2400:].any()


def test_modulated_tone_has_sidebands() -> None:
    x = play(parse_tone("mod", "425*25"), 1.0)
    assert levels.dominant_frequency(x) == pytest.approx(425, abs=1)
    side = levels.goertzel_dbm0(x, 400), levels.goertzel_dbm0(x, 450)
    assert all(s > levels.goertzel_dbm0(x, 425) - 10 for s in side)   # 90 % AM: sidebands at -7 dB
