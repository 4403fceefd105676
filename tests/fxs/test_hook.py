"""Hook qualifier boundaries to the millisecond: glitch, pulse, flash, hang-up, pulse digits."""

from __future__ import annotations

import pytest

from firmware.contracts.errors import IllegalTransition
from firmware.contracts.ports import DigitMethod, DigitReceived, HookFlash, OffHook, OnHook, PortEvent
from firmware.drivers.fxs.hook import HookEvent, HookQualifier, HookState, HookWindows

T0 = 1000.0


def ms(x: float) -> float:
    return T0 + x / 1000


def off_hook_qualifier() -> HookQualifier:
    q = HookQualifier(3)
    assert q.feed(ms(0), True) == [OffHook(3, ms(0))]
    return q


def sample(q: HookQualifier, start_ms: int, end_ms: int, breaks: list[tuple[int, int]],
           step_ms: int = 1) -> list[PortEvent]:
    """Feed the loop state every `step_ms` between start and end; `breaks` = [(from, to)) on-hook."""
    events: list[PortEvent] = []
    for t in range(start_ms, end_ms + 1, step_ms):
        open_ = any(a <= t < b for a, b in breaks)
        events += q.feed(ms(t), not open_)
    return events


def one_break(length_ms: int, tail_ms: int = 2000) -> list[PortEvent]:
    q = off_hook_qualifier()
    return sample(q, 1, 1000 + length_ms + tail_ms, [(1000, 1000 + length_ms)])


def test_off_hook_from_idle_is_reported_at_once() -> None:
    q = HookQualifier(1)
    assert q.feed(ms(0), False) == []
    assert q.feed(ms(7), True) == [OffHook(1, ms(7))]
    assert q.off_hook


@pytest.mark.parametrize("length", [1, 14])
def test_break_shorter_than_15_ms_is_ignored(length: int) -> None:
    assert one_break(length) == []


@pytest.mark.parametrize("length", [15, 60, 99])
def test_break_of_15_to_99_ms_is_one_dial_pulse(length: int) -> None:
    events = one_break(length)
    # the digit ends 250 ms after the make that closed the pulse
    assert events == [DigitReceived(3, ms(1000 + length + 250), digit="1", method=DigitMethod.PULSE)]


@pytest.mark.parametrize("length", [100, 120, 600, 1249])
def test_break_of_100_to_1249_ms_is_a_hook_flash(length: int) -> None:
    assert one_break(length) == [HookFlash(3, ms(1000 + length), duration_ms=length)]


@pytest.mark.parametrize("length", [1250, 2000])
def test_break_of_1250_ms_or_more_is_a_hang_up_reported_while_still_on_hook(length: int) -> None:
    q = off_hook_qualifier()
    events = sample(q, 1, 2250, [(1000, 5000)])
    # reported exactly when 1250 ms have passed, while the loop is still open
    assert events == [OnHook(3, ms(2250))]
    assert not q.off_hook
    q = off_hook_qualifier()
    events = sample(q, 1, 1000 + length + 10, [(1000, 1000 + length)])
    assert events == [OnHook(3, ms(2250)), OffHook(3, ms(1000 + length))]


def test_hang_up_not_reported_at_1249_ms() -> None:
    q = off_hook_qualifier()
    assert sample(q, 1, 2249, [(1000, 5000)]) == []
    assert q.feed(ms(2250), False) == [OnHook(3, ms(2250))]


def test_rotary_zero_is_ten_60_40_pulses() -> None:
    q = off_hook_qualifier()
    breaks = [(1000 + 100 * i, 1060 + 100 * i) for i in range(10)]
    events = sample(q, 1, 3000, breaks)
    last_make = 1000 + 900 + 60
    assert events == [DigitReceived(3, ms(last_make + 250), digit="0", method=DigitMethod.PULSE)]


def test_two_digits_separated_by_700_ms() -> None:
    q = off_hook_qualifier()
    first = [(1000 + 100 * i, 1060 + 100 * i) for i in range(3)]        # "3", last make at 1260
    second = [(1960 + 100 * i, 2020 + 100 * i) for i in range(5)]       # "5", 700 ms later
    events = sample(q, 1, 4000, first + second)
    assert [(e.digit, round((e.at - T0) * 1000)) for e in events if isinstance(e, DigitReceived)] == [
        ("3", 1510), ("5", 2670)]
    assert all(isinstance(e, DigitReceived) for e in events)


def test_pulses_then_long_break_give_the_digit_then_a_flash() -> None:
    q = off_hook_qualifier()
    events = sample(q, 1, 3000, [(1000, 1060), (1100, 1400)])
    assert events == [DigitReceived(3, ms(1200), digit="1", method=DigitMethod.PULSE),
                      HookFlash(3, ms(1400), duration_ms=300)]


def test_10_ms_sampling_still_classifies_rotary_pulses() -> None:
    q = off_hook_qualifier()
    breaks = [(1000 + 100 * i, 1060 + 100 * i) for i in range(4)]
    events = sample(q, 0, 3000, breaks, step_ms=10)
    assert [e.digit for e in events if isinstance(e, DigitReceived)] == ["4"]


def test_windows_are_configurable() -> None:
    q = HookQualifier(2, HookWindows(glitch_ms=20, pulse_max_ms=80, flash_max_ms=600, digit_end_ms=300))
    q.feed(ms(0), True)
    events = sample(q, 1, 3000, [(1000, 1090)])
    assert events == [HookFlash(2, ms(1090), duration_ms=90)]
    events = sample(q, 3001, 5000, [(3500, 4500)])
    assert events == [OnHook(2, ms(4100)), OffHook(2, ms(4500))]


def test_bad_windows_are_refused() -> None:
    with pytest.raises(ValueError, match="glitch"):
        HookWindows(glitch_ms=120, pulse_max_ms=100)


def test_illegal_transition_names_machine_port_state_and_event() -> None:
    q = HookQualifier(5)
    with pytest.raises(IllegalTransition) as info:
        q.handle(HookEvent.LOOP_OPEN, T0)
    assert info.value.machine == "hook qualifier"
    assert info.value.name == "port 5"
    assert info.value.state == HookState.ON_HOOK.value
    assert info.value.event == "loop_open"


def test_deadline_tells_when_to_look_again() -> None:
    q = off_hook_qualifier()
    assert q.deadline is None
    q.feed(ms(1000), False)
    assert q.deadline == pytest.approx(ms(2250))
    assert q.busy
