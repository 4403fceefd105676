"""Cadence detection of busy/congestion tones and cadence measurement for line calibration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from firmware.contracts.tones import ToneSpec, parse_tone
from firmware.dsp import levels
from firmware.dsp.dtmf import DtmfSender
from firmware.dsp.tone_detect import CadenceDetector, measure_cadence
from firmware.dsp.tones import ToneGenerator

from .tools import espeak

BUSY = {
    "de": parse_tone("de_busy", "425/480,0/480"),
    "us": parse_tone("us_busy", "480+620/500,0/500"),
    "uk": parse_tone("uk_busy", "400/375,0/375"),
    "ru": parse_tone("ru_busy", "425/350,0/350"),
    "pl": parse_tone("pl_busy", "425/500,0/500"),
}
CONGESTION = [parse_tone("us_congestion", "480+620/250,0/250"),
              parse_tone("uk_congestion", "400/400,0/350,400/225,0/525"),
              parse_tone("ru_congestion", "425/175,0/175"), parse_tone("de_congestion", "425/240,0/240")]
ALL = [*BUSY.values(), *CONGESTION]
TEXT = ("Good morning. You have reached the sales department. All of our agents are busy with other "
        "customers. Please stay on the line, your call will be answered in the order it was received. "
        "Thank you for your patience.")


def period_samples(spec: ToneSpec) -> int:
    return sum(seg.ms for seg in spec.segments) * 8


def run(det: CadenceDetector, x: npt.NDArray[np.int16], frame: int = 160) -> list[tuple[str, int]]:
    """(name, sample index at the end of the frame that recognised it)."""
    return [(name, i + frame) for i in range(0, len(x), frame) for name in det.feed(x[i:i + frame])]


def tone(spec: ToneSpec, seconds: float, skip: int = 0) -> npt.NDArray[np.int16]:
    gen = ToneGenerator(spec)
    gen.generate(skip)                       # start the capture part-way through a cycle
    return gen.generate(int(seconds * 8000))


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> list[npt.NDArray[np.int16]]:
    tmp: Path = tmp_path_factory.mktemp("speech")
    voices = [espeak(TEXT, tmp), espeak(TEXT, tmp, voice="de", pitch=80),
              espeak(TEXT, tmp, voice="ru", pitch=20)]
    assert all(len(v) >= 8000 * 10 for v in voices)          # at least 10 s each
    return voices


@pytest.mark.parametrize("country", list(BUSY))
def test_busy_tone_recognised_within_three_cycles(country: str) -> None:
    spec = BUSY[country]
    det = CadenceDetector(spec)
    skip = period_samples(spec) // 3                            # capture starts inside a burst
    hits = run(det, np.concatenate([levels.silence(1000), tone(spec, 6.0, skip)]))
    assert hits and hits[0][0] == spec.name
    assert hits[0][1] - 1000 <= 3 * period_samples(spec)
    assert det.active == [spec.name]


def test_each_tone_recognised_by_its_own_name_in_a_mixed_detector() -> None:
    specs = [BUSY["de"], BUSY["us"], BUSY["uk"], BUSY["ru"], *CONGESTION]
    for spec in specs:
        names = {name for name, _ in run(CadenceDetector(specs), tone(spec, 5.0))}
        assert names == {spec.name}


def test_tone_ending_clears_active() -> None:
    det = CadenceDetector(BUSY["de"])
    run(det, tone(BUSY["de"], 4.0))
    assert det.active == ["de_busy"]
    run(det, levels.silence(8000 * 2))
    assert det.active == []


def test_noisy_and_quiet_busy_tone_still_recognised() -> None:
    rng = np.random.default_rng(3)
    x = tone(BUSY["uk"], 5.0).astype(np.float64) * 10 ** (-17 / 20)           # -30 dBm0
    x += rng.normal(0, levels.dbm0_to_rms(-50.0), x.size)                       # 20 dB SNR
    assert [n for n, _ in run(CadenceDetector(BUSY["uk"]), x.astype(np.int16))][:1] == ["uk_busy"]


def test_timing_and_frequency_tolerance() -> None:
    nominal = BUSY["de"]
    slow = parse_tone("slow", "425/528,0/528")                  # +10 %
    much_slower = parse_tone("much_slower", "425/650,0/650")     # +35 %
    off_pitch = parse_tone("off_pitch", "440/480,0/480")         # +3.5 %
    wrong_pitch = parse_tone("wrong_pitch", "520/480,0/480")     # +22 %
    assert run(CadenceDetector(nominal), tone(slow, 5.0))
    assert not run(CadenceDetector(nominal), tone(much_slower, 6.0))
    assert run(CadenceDetector(nominal), tone(off_pitch, 5.0))
    assert not run(CadenceDetector(nominal), tone(wrong_pitch, 5.0))
    assert not run(CadenceDetector(nominal, timing_tolerance=0.02), tone(slow, 5.0))


def test_cycle_count_delays_recognition() -> None:
    x = tone(BUSY["ru"], 6.0)
    one = run(CadenceDetector(BUSY["ru"], cycles=1), x)[0][1]
    three = run(CadenceDetector(BUSY["ru"], cycles=3), x)[0][1]
    assert three - one == pytest.approx(2 * period_samples(BUSY["ru"]), abs=400)


def test_speech_never_fires(speech: list[npt.NDArray[np.int16]]) -> None:
    for voice in speech:
        for gain in (0.3, 1.0, 2.5):
            x = np.clip(voice.astype(np.float64) * gain, -32768, 32767).astype(np.int16)
            assert run(CadenceDetector(ALL), x) == []


def test_dtmf_never_fires() -> None:
    dialing = DtmfSender()
    dialing.add("0123456789*#ABCD0123456789")
    slow = DtmfSender(on_ms=350, off_ms=350)                    # same cadence as the Russian busy tone
    slow.add("5" * 10)
    for x in (dialing.generate(8000 * 6), slow.generate(8000 * 7)):
        assert run(CadenceDetector(ALL), x) == []


def test_measure_busy_cadences() -> None:
    assert measure_cadence(tone(BUSY["de"], 4.0, skip=1000)) == [((425.0,), 480, 480)]
    [(freqs, on, off)] = measure_cadence(tone(BUSY["us"], 4.0))
    assert freqs == (480.0, 620.0) and abs(on - 500) <= 3 and abs(off - 500) <= 3


def test_measure_two_part_cadence_and_steady_tone() -> None:
    assert measure_cadence(tone(CONGESTION[1], 6.0)) == [((400.0,), 400, 350), ((400.0,), 225, 525)]
    [(freqs, on, off)] = measure_cadence(tone(parse_tone("dial", "350+440"), 1.0))
    assert freqs == (350.0, 440.0) and abs(on - 1000) <= 5 and off == 0
    assert measure_cadence(levels.silence(8000)) == []


def test_measure_noisy_line() -> None:
    rng = np.random.default_rng(11)
    x = tone(BUSY["ru"], 5.0, skip=777).astype(np.float64) + rng.normal(0, levels.dbm0_to_rms(-40.0), 40000)
    [(freqs, on, off)] = measure_cadence(x.astype(np.int16))
    assert freqs == (425.0,) and abs(on - 350) <= 5 and abs(off - 350) <= 5
