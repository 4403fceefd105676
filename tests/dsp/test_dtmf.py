"""DTMF sender and receiver (spandsp), cross-checked with multimon-ng and sox."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from firmware.dsp import levels
from firmware.dsp.dtmf import DIGITS, DtmfReceiver, DtmfSender

from .tools import multimon, sox_synth

LOW = {"1": 697, "2": 697, "3": 697, "A": 697, "4": 770, "5": 770, "6": 770, "B": 770,
       "7": 852, "8": 852, "9": 852, "C": 852, "*": 941, "0": 941, "#": 941, "D": 941}
HIGH = {"1": 1209, "4": 1209, "7": 1209, "*": 1209, "2": 1336, "5": 1336, "8": 1336, "0": 1336,
        "3": 1477, "6": 1477, "9": 1477, "#": 1477, "A": 1633, "B": 1633, "C": 1633, "D": 1633}


def pair(low_hz: float, high_hz: float, low_dbm0: float, high_dbm0: float, ms: int) -> npt.NDArray[np.int16]:
    n = ms * 8
    x = levels.tone(low_hz, low_dbm0, n).astype(np.int32) + levels.tone(high_hz, high_dbm0, n)
    return np.concatenate([x.astype(np.int16), levels.silence(800)])


def receive(rx: DtmfReceiver, x: npt.NDArray[np.int16], frame: int = 160) -> str:
    return "".join(rx.feed(x[i:i + frame]) for i in range(0, len(x), frame))


def test_round_trip_all_sixteen_keys_in_20ms_frames() -> None:
    tx, rx = DtmfSender(), DtmfReceiver()
    tx.add(DIGITS)
    got = ""
    while tx.busy:
        got += rx.feed(tx.generate(160))
    assert got == "0123456789*#ABCD"


def test_digit_is_reported_while_the_key_is_still_down_and_only_once() -> None:
    tx, rx = DtmfSender(on_ms=3000, off_ms=100), DtmfReceiver()
    tx.add("7")
    first = [rx.feed(tx.generate(160)) for _ in range(3)]   # 60 ms
    assert "".join(first) == "7"
    assert rx.tone_present and rx.current_digit == "7"
    rest = receive(rx, tx.generate(8000 * 3))
    assert rest == ""
    assert not rx.tone_present


def test_sender_levels_twist_and_timing() -> None:
    tx = DtmfSender(level_dbm0=-10.0, twist_db=2.0, on_ms=100, off_ms=100)
    tx.add("5")
    assert tx.busy
    x = tx.generate(1600)
    assert not tx.busy
    assert x.size == 1600
    burst = x[:800]
    assert levels.goertzel_dbm0(burst, 770) == pytest.approx(-10.0, abs=0.3)
    assert levels.goertzel_dbm0(burst, 1336) == pytest.approx(-8.0, abs=0.3)
    on = np.flatnonzero(x)
    assert on[0] < 8 and 792 <= on[-1] < 800          # 100 ms tone, then 100 ms silence
    assert not tx.generate(160).any()                  # idle: zeros, still exactly n samples


def test_fractional_level_is_applied() -> None:
    tx = DtmfSender(level_dbm0=-12.5, twist_db=0.0)
    tx.add("1")
    x = tx.generate(800)
    assert levels.goertzel_dbm0(x, 697) == pytest.approx(-12.5, abs=0.3)


def test_generate_spans_several_digits_in_one_call() -> None:
    tx = DtmfSender(on_ms=40, off_ms=40)
    tx.add("123")
    x = tx.generate(8000)
    assert x.size == 8000 and not tx.busy
    assert receive(DtmfReceiver(), x) == "123"


def test_invalid_digit_rejected() -> None:
    with pytest.raises(ValueError):
        DtmfSender().add("12E")


def test_receiver_detects_minus_25_dbm0() -> None:
    assert receive(DtmfReceiver(), pair(697, 1209, -25, -25, 100)) == "1"


def test_threshold_parameter_raises_the_floor() -> None:
    assert receive(DtmfReceiver(threshold_dbm0=-20), pair(697, 1209, -25, -25, 100)) == ""
    assert receive(DtmfReceiver(threshold_dbm0=-20), pair(697, 1209, -15, -15, 100)) == "1"


def test_reverse_twist_of_10_db_rejected_by_default_limit_of_4_db() -> None:
    strong_high = pair(697, 1209, -20, -10, 100)
    assert receive(DtmfReceiver(), strong_high) == ""
    assert receive(DtmfReceiver(reverse_twist_db=12), strong_high) == "1"
    assert receive(DtmfReceiver(), pair(697, 1209, -13, -10, 100)) == "1"   # 3 dB is fine


def test_normal_twist_limit() -> None:
    strong_low = pair(697, 1209, -10, -20, 100)
    assert receive(DtmfReceiver(), strong_low) == ""                         # 10 dB > 8 dB default
    assert receive(DtmfReceiver(normal_twist_db=12), strong_low) == "1"


def test_single_tone_and_dial_tone_are_not_digits() -> None:
    rx = DtmfReceiver()
    assert receive(rx, levels.tone(697, -10, 8000)) == ""
    dial = levels.tone(350, -13, 8000).astype(np.int32) + levels.tone(440, -13, 8000)
    assert receive(rx, dial.astype(np.int16)) == ""


def test_multimon_ng_decodes_our_dtmf() -> None:
    tx = DtmfSender()
    tx.add(DIGITS)
    lines = multimon(tx.generate(8000 * 4), "DTMF")
    assert "".join(line.removeprefix("DTMF: ") for line in lines) == DIGITS


def test_receiver_decodes_dtmf_synthesised_by_sox() -> None:
    parts = []
    for digit in DIGITS:
        parts.append(sox_synth(0.07, "sine", str(LOW[digit]), "sine", str(HIGH[digit]), gains=(0.2, 0.25)))
        parts.append(levels.silence(480))
    assert receive(DtmfReceiver(), np.concatenate(parts)) == DIGITS
