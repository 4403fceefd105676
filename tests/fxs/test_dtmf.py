"""DTMF receiver choice per part, Si3210 DR24 decoding (edge on VAL), software receiver wrapper."""

from __future__ import annotations

import numpy as np
import pytest

from firmware.contracts.ports import DigitMethod
from firmware.drivers.fxs import dtmf
from firmware.drivers.fxs import registers as r


def test_auto_uses_the_si3210_decoder_and_software_on_the_si3215() -> None:
    assert dtmf.choose_method("auto", r.SI3210) == (DigitMethod.DTMF_HW, None)
    assert dtmf.choose_method("auto", r.SI3215) == (DigitMethod.DTMF_SW, None)
    assert dtmf.choose_method("software", r.SI3210) == (DigitMethod.DTMF_SW, None)


def test_hardware_requested_on_a_si3215_falls_back_with_a_reason() -> None:
    method, why = dtmf.choose_method("hardware", r.SI3215)
    assert method is DigitMethod.DTMF_SW and why is not None and "no DTMF decoder" in why


def test_unknown_mode_refused() -> None:
    with pytest.raises(ValueError, match="dtmf must be one of"):
        dtmf.choose_method("magic", r.SI3210)


@pytest.mark.parametrize(("code", "digit"), [(1, "1"), (9, "9"), (10, "0"), (11, "*"), (12, "#"),
                                             (13, "A"), (15, "C"), (0, "D")])
def test_dr24_codes_follow_the_mt8870_table(code: int, digit: str) -> None:
    assert dtmf.decode(0x10 | code) == digit
    assert dtmf.decode(code) is None        # VAL clear: nothing valid


def test_hardware_digit_reported_once_per_tone() -> None:
    hw = dtmf.HardwareDtmf()
    seen = [hw.feed(v) for v in (0x00, 0x15, 0x15, 0x15, 0x05, 0x15, 0x1A, 0x0A)]
    # 5 on, held, released, 5 again, then a direct change to 0 without a gap is not a new VAL edge
    assert seen == [None, "5", None, None, None, "5", None, None]


def test_software_receiver_is_created_on_first_use() -> None:
    made: list[int] = []

    class Rx:
        def feed(self, samples: np.ndarray) -> str:
            return "7" if samples.any() else ""

    def factory() -> Rx:
        made.append(1)
        return Rx()

    sw = dtmf.SoftwareDtmf(factory)
    assert made == []
    assert sw.feed(np.zeros(80, np.int16)) == ""
    assert sw.feed(np.ones(80, np.int16)) == "7"
    assert made == [1]
