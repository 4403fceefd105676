"""Line echo canceller: convergence (ERLE), double talk, NLP, and spandsp quirks handled."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from firmware.contracts.errors import DspError
from firmware.dsp import levels
from firmware.dsp.echo import EchoCanceller

from .tools import espeak

FS = 8000
FRAME = 160
Signal = npt.NDArray[np.float64]


def pinkish_noise(seconds: float, level_dbm0: float, seed: int) -> Signal:
    rng = np.random.default_rng(seed)
    white = rng.normal(0.0, 1.0, int(seconds * FS) + 64)
    x = np.convolve(white, 0.8 ** np.arange(64))[64: 64 + int(seconds * FS)]   # one-pole low-pass
    return x / x.std() * levels.dbm0_to_rms(level_dbm0)


def hybrid_echo(far: Signal, erl_db: float = 6.0, delay_ms: float = 5.0) -> Signal:
    """Echo through a short hybrid impulse response: `delay_ms` flat delay, a few taps, `erl_db` loss."""
    h = np.zeros(int(delay_ms * FS / 1000) + 4)
    h[-4:] = [1.0, -0.3, 0.12, -0.05]
    echo = np.convolve(far, h)[: far.size]
    return echo * np.sqrt(np.mean(far ** 2) / np.mean(echo ** 2) / 10 ** (erl_db / 10))


def cancel(ec: EchoCanceller, tx: Signal, rx: Signal) -> Signal:
    t = np.clip(np.rint(tx), -32768, 32767).astype(np.int16)
    r = np.clip(np.rint(rx), -32768, 32767).astype(np.int16)
    out = [ec.process(t[i:i + FRAME], r[i:i + FRAME]) for i in range(0, t.size, FRAME)]
    assert all(o.dtype == np.int16 and o.size == FRAME for o in out)
    return np.concatenate(out).astype(np.float64)


def db(num: Signal, den: Signal) -> float:
    return float(10 * np.log10(np.mean(num ** 2) / max(np.mean(den ** 2), 1e-9)))


def span(a: float, b: float) -> slice:
    return slice(int(a * FS), int(b * FS))


@pytest.fixture(scope="module")
def near_speech(tmp_path_factory: pytest.TempPathFactory) -> Signal:
    tmp: Path = tmp_path_factory.mktemp("near")
    x = espeak("Hello, this is the far party speaking while you are talking. Can you hear me clearly?",
               tmp).astype(np.float64)
    x = x[: 4 * FS]
    return x / np.sqrt(np.mean(x[np.abs(x) > 300] ** 2)) * levels.dbm0_to_rms(-20.0)


def test_erle_after_convergence_is_at_least_30_db() -> None:
    far = pinkish_noise(10.0, -20.0, seed=1)
    echo = hybrid_echo(far)
    assert db(far, echo) == pytest.approx(6.0, abs=0.01)                  # ERL 6 dB
    out = cancel(EchoCanceller(32, nlp=False), far, echo)
    assert db(echo[span(0, 0.5)], out[span(0, 0.5)]) < 15                 # it does have to learn
    assert db(echo[span(8, 10)], out[span(8, 10)]) >= 30
    # no clicks once converged: every 20 ms frame keeps at least 20 dB ERLE
    echo_frames = (echo[span(6, 10)] ** 2).reshape(-1, FRAME).mean(1)
    residual_frames = (out[span(6, 10)] ** 2).reshape(-1, FRAME).mean(1)
    assert 10 * np.log10((echo_frames / residual_frames).min()) >= 20


def test_double_talk_passes_near_speech_and_does_not_diverge(near_speech: Signal) -> None:
    far = pinkish_noise(20.0, -20.0, seed=2)
    echo = hybrid_echo(far)
    near = np.zeros_like(far)
    near[10 * FS: 10 * FS + near_speech.size] = near_speech
    out = cancel(EchoCanceller(32, nlp=False), far, echo + near)
    dt = span(10, 10 + near_speech.size / FS)
    assert db(echo[span(8, 10)], out[span(8, 10)]) >= 30                  # converged before
    assert db(out[dt], near[dt]) == pytest.approx(0.0, abs=1.0)           # near party at full level
    assert db(near[dt], out[dt] - near[dt]) >= 14                         # ...and not mangled
    assert db(echo[span(17, 20)], out[span(17, 20)]) >= 30                # no divergence afterwards


def test_nlp_mutes_residual_but_not_the_far_party(near_speech: Signal) -> None:
    far = pinkish_noise(16.0, -20.0, seed=3)
    echo = hybrid_echo(far)
    near = np.zeros_like(far)
    near[10 * FS: 10 * FS + near_speech.size] = near_speech
    ec = EchoCanceller(32, nlp=True)
    out = cancel(ec, far, echo + near)
    dt = span(10, 10 + near_speech.size / FS)
    assert levels.dbm0(out[span(7, 10)]) < -70                            # echo-only: silent
    assert db(out[dt], near[dt]) == pytest.approx(0.0, abs=1.0)
    assert db(near[dt], out[dt] - near[dt]) >= 12


def test_near_party_alone_passes_untouched(near_speech: Signal) -> None:
    silent_far = np.zeros(near_speech.size)
    out = cancel(EchoCanceller(nlp=True), silent_far, near_speech)
    assert np.max(np.abs(out - np.rint(near_speech))) <= 1


def test_echo_beyond_32_ms_needs_and_gets_the_longer_tail() -> None:
    far = pinkish_noise(16.0, -20.0, seed=4)
    echo = hybrid_echo(far, delay_ms=40.0)
    short = cancel(EchoCanceller(32, nlp=False), far, echo)
    assert db(echo[span(14, 16)], short[span(14, 16)]) < 3
    out = cancel(EchoCanceller(64, nlp=False), far, echo)
    assert db(echo[span(14, 16)], out[span(14, 16)]) >= 25


def test_reset_forgets_the_echo_path() -> None:
    far = pinkish_noise(6.0, -20.0, seed=5)
    echo = hybrid_echo(far)
    ec = EchoCanceller(nlp=False)
    cancel(ec, far, echo)
    ec.reset()
    out = cancel(ec, far[:FS], echo[:FS])
    assert db(echo[: FS // 4], out[: FS // 4]) < 10


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        EchoCanceller(tail_ms=16)
    with pytest.raises(DspError):
        EchoCanceller().process(np.zeros(160, np.int16), np.zeros(80, np.int16))


def test_library_debug_printf_does_not_reach_stdout() -> None:
    code = ("import numpy as np\n"
            "from firmware.dsp.echo import EchoCanceller\n"
            "x = (np.random.default_rng(0).normal(0, 2000, 1600)).astype(np.int16)\n"
            "EchoCanceller().process(x, (x // 2).astype(np.int16))\n"
            "print('done')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"done\n"
