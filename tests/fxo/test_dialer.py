"""Dialling out: pulse timing to the millisecond, hook flash, DTMF hand-off, dial-tone wait (fact 3.1)."""

from __future__ import annotations

import itertools

import pytest

from firmware.drivers.fxo.dialer import Dialer, DialState, pulse_segments
from firmware.drivers.fxo.settings import FxoSettings

T0 = 10.0


def run_ticks(d: Dialer, now: float, until: float) -> list[tuple[int, bool]]:
    """Tick at every deadline (as the port's scheduler does) and log (ms after T0, hook closed)."""
    log: list[tuple[int, bool]] = [(round((now - T0) * 1000), d.hook_closed)]
    while d.next_deadline is not None and d.next_deadline <= until:
        now = d.next_deadline
        d.tick(now)
        if d.hook_closed != log[-1][1]:
            log.append((round((now - T0) * 1000), d.hook_closed))
    return log


def test_pulse_digit_three_breaks_60_makes_40_then_700_ms_pause() -> None:
    d = Dialer(FxoSettings(port=0))
    d.dial("3", pulse=True, now=T0)
    assert d.state is DialState.PULSE_BREAK and not d.hook_closed
    log = run_ticks(d, T0, T0 + 5)
    assert log == [(0, False), (60, True), (100, False), (160, True), (200, False), (260, True)]
    assert d.state is DialState.IDLE and d.next_deadline is None


def test_pulse_digits_zero_is_ten_pulses_and_digits_are_700_ms_apart() -> None:
    d = Dialer(FxoSettings(port=0))
    d.dial("10", pulse=True, now=T0)
    log = run_ticks(d, T0, T0 + 10)
    opens = [t for t, closed in log if not closed]
    assert len(opens) == 11
    assert opens[1] - opens[0] == 60 + 700            # digit 1: one break, then the inter-digit pause
    assert all(b - a == 100 for a, b in itertools.pairwise(opens[1:]))


def test_pulse_timing_follows_the_settings() -> None:
    d = Dialer(FxoSettings(port=0, pulse_make_ms=33, pulse_break_ms=67, pulse_interdigit_ms=800))
    d.dial("2", pulse=True, now=T0)
    assert run_ticks(d, T0, T0 + 5) == [(0, False), (67, True), (100, False), (167, True)]
    assert pulse_segments("2", 33, 67, 800)[-1] == (True, 800)


def test_late_ticks_lengthen_a_segment_but_never_shorten_the_next() -> None:
    d = Dialer(FxoSettings(port=0))
    d.dial("2", pulse=True, now=T0)
    d.tick(T0 + 0.065)                       # 5 ms late: the break lasted 65 ms
    assert d.hook_closed
    assert d.next_deadline == pytest.approx(T0 + 0.105)  # full 40 ms make from the late write


def test_hook_flash_opens_the_loop_for_the_flash_time() -> None:
    d = Dialer(FxoSettings(port=0, flash_ms=100))
    d.flash(100, T0)
    assert run_ticks(d, T0, T0 + 1) == [(0, False), (100, True)]
    assert not d.busy


def test_jobs_queue_in_order_dtmf_after_pulse() -> None:
    d = Dialer(FxoSettings(port=0))
    d.dial("1", pulse=True, now=T0)
    d.dial("*5", pulse=False, now=T0)
    assert d.take_dtmf() == ""
    run_ticks(d, T0, T0 + 2)
    assert d.state is DialState.DTMF
    assert d.take_dtmf() == "*5"
    d.dtmf_done(T0 + 3)
    assert not d.busy


def test_wait_for_dial_tone_then_dial_when_heard() -> None:
    d = Dialer(FxoSettings(port=0, dial_tone_timeout_ms=3000))
    d.wait_for_dial_tone(T0)
    d.dial("5", pulse=False, now=T0)
    assert d.waiting_for_dial_tone and d.take_dtmf() == ""
    d.dial_tone(T0 + 0.4)
    assert d.state is DialState.DTMF and d.take_dtmf() == "5"
    assert not d.dial_tone_timed_out


def test_no_dial_tone_dials_anyway_at_the_timeout() -> None:
    d = Dialer(FxoSettings(port=0, dial_tone_timeout_ms=3000))
    d.wait_for_dial_tone(T0)
    d.dial("7", pulse=True, now=T0)
    d.tick(T0 + 2.999)
    assert d.waiting_for_dial_tone
    d.tick(T0 + 3.0)
    assert d.dial_tone_timed_out and d.state is DialState.PULSE_BREAK


@pytest.mark.parametrize(("digits", "pulse"), [("12*", True), ("#", True), ("12x", False), ("", False)])
def test_digits_a_method_cannot_send_are_refused(digits: str, pulse: bool) -> None:
    d = Dialer(FxoSettings(port=0))
    with pytest.raises(ValueError):
        d.dial(digits, pulse=pulse, now=T0)


def test_cancel_closes_the_loop_and_forgets_the_queue() -> None:
    d = Dialer(FxoSettings(port=0))
    d.dial("99", pulse=True, now=T0)
    d.cancel()
    assert d.hook_closed and not d.busy and d.next_deadline is None


def test_ohs2_on_hook_delay_is_compensated_so_the_line_sees_the_configured_times() -> None:
    d = Dialer(FxoSettings.for_iso("DE", port=0))      # reg 31 0xAB: OHS2, 3 ms on-hook speed
    d.dial("2", pulse=True, now=T0)
    assert run_ticks(d, T0, T0 + 5) == [(0, False), (63, True), (100, False), (163, True)]
    d.flash(100, T0 + 5)
    assert d.next_deadline == pytest.approx(T0 + 5.103)


def test_dialler_table_refuses_a_break_end_while_idle() -> None:
    from firmware.contracts.errors import IllegalTransition
    from firmware.drivers.fxo.dialer import DialEvent

    d = Dialer(FxoSettings(port=8))
    with pytest.raises(IllegalTransition, match=r"dialler port 8: event 'BREAK_OVER' is illegal in state 'IDLE'"):
        d.fsm.fire(DialEvent.BREAK_OVER)


def test_pause_job_holds_the_loop_closed_before_the_digits() -> None:
    d = Dialer(FxoSettings(port=0))
    d.pause(500, T0)
    d.dial("1", pulse=True, now=T0)
    assert d.state is DialState.PAUSE and d.hook_closed
    assert run_ticks(d, T0, T0 + 2) == [(0, True), (500, False), (560, True)]
