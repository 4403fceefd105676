"""Analog timing defaults and the FXS break classifier."""

from __future__ import annotations

import dataclasses

import pytest

from firmware.telephony.timing import DEFAULT_TIMING, TIMING_SOURCES, AnalogTiming, classify_break


def test_hook_windows_are_ordered() -> None:
    t = DEFAULT_TIMING
    assert 0 < t.hook_glitch_max_ms < t.pulse_break_max_ms < t.flash_max_ms
    assert (t.hook_glitch_max_ms, t.pulse_break_max_ms, t.flash_max_ms) == (15, 100, 1250)


@pytest.mark.parametrize(
    ("ms", "kind"),
    [
        (0, "glitch"), (14, "glitch"), (15, "pulse"), (60, "pulse"), (99, "pulse"),
        (100, "flash"), (120, "flash"), (600, "flash"), (1249, "flash"),
        (1250, "hangup"), (2000, "hangup"),
    ],
)
def test_classify_break(ms: int, kind: str) -> None:
    assert classify_break(ms) == kind


def test_product_requirements() -> None:
    assert classify_break(120) == "flash"
    assert classify_break(600) == "flash"
    assert classify_break(60) == "pulse"
    assert classify_break(2000) == "hangup"


def test_custom_timing_and_validation() -> None:
    dahdi_like = dataclasses.replace(DEFAULT_TIMING, pulse_break_max_ms=201, pulse_digit_end_ms=251)
    assert classify_break(120, dahdi_like) == "pulse"
    with pytest.raises(ValueError):
        AnalogTiming(pulse_break_max_ms=2000)
    with pytest.raises(ValueError):
        AnalogTiming(hook_glitch_max_ms=-1)
    with pytest.raises(ValueError):
        classify_break(-5)


def test_defaults_from_sources() -> None:
    t = DEFAULT_TIMING
    digits = (t.first_digit_timeout_ms, t.inter_digit_timeout_ms, t.match_digit_timeout_ms)
    assert digits == (16000, 8000, 3000)
    assert (t.pulse_make_ms, t.pulse_break_ms, t.pulse_interdigit_ms) == (40, 60, 700)
    assert (t.dtmf_on_ms, t.dtmf_off_ms) == (100, 100)
    assert t.ring_after_hangup_suppress_ms == 2000 and t.fxo_ring_timeout_ms == 8000
    assert t.polarity_on_answer_delay_ms == 600 and t.oht_after_ring_ms == 6000 and t.oht_mwi_ms == 3000
    assert t.call_waiting_repeat_ms == 10000 and t.cas_ack_window_ms == 500
    assert (t.sas_ms, t.cas_ms, t.dt_as_ms) == (300, 85, 100)
    assert (t.battery_debounce_ms, t.battery_alarm_ms) == (64, 1000)


def test_every_field_has_a_source() -> None:
    names = {f.name for f in dataclasses.fields(AnalogTiming)}
    assert names == set(TIMING_SOURCES)
