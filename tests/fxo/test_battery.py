"""Battery and polarity debouncers, line-unplugged alarm, polarity-on-answer rule (fact sheet 2.6)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from firmware.contracts.ports import (
    AlarmCode,
    LineBattery,
    LinePolarityReversal,
    PortAlarm,
    PortAlarmCleared,
    PortEvent,
)
from firmware.drivers.fxo.battery import BattState, LineMonitor, PolarityDisconnect

T0 = 500.0


def run(mon: LineMonitor, start_ms: int, stop_ms: int, volts: Callable[[int], float], *,
        off_hook: bool = False, step_ms: int = 1) -> list[PortEvent]:
    """Feed an LVS reading every `step_ms` over [start_ms, stop_ms) after T0."""
    events: list[PortEvent] = []
    for t_ms in range(start_ms, stop_ms, step_ms):
        events += mon.sample(volts(t_ms), T0 + t_ms / 1000.0, off_hook=off_hook)
    return events


def at_ms(ev: PortEvent) -> int:
    return round((ev.at - T0) * 1000)


def test_battery_present_is_reported_after_64_ms_and_loss_after_64_ms() -> None:
    mon = LineMonitor(port=1)
    events = run(mon, 0, 300, lambda t: -48.0 if t < 200 else 0.0)
    assert [(type(e), at_ms(e)) for e in events] == [(LineBattery, 64), (LineBattery, 264)]
    assert isinstance(events[0], LineBattery) and events[0].present
    assert isinstance(events[1], LineBattery) and not events[1].present
    assert not mon.battery


def test_a_battery_glitch_shorter_than_the_debounce_is_not_reported() -> None:
    mon = LineMonitor(port=1)
    run(mon, 0, 100, lambda t: -48.0)
    events = run(mon, 100, 400, lambda t: 1.0 if 200 <= t < 260 else -48.0)  # 60 ms dip
    assert events == []
    assert mon.battery


def test_threshold_is_three_volts_magnitude() -> None:
    mon = LineMonitor(port=1)
    assert run(mon, 0, 100, lambda t: 3.0)[0] == LineBattery(1, T0 + 0.064, present=True)
    mon2 = LineMonitor(port=1)
    run(mon2, 0, 100, lambda t: 2.0)
    assert mon2.battery_fsm.state is BattState.ABSENT


def test_line_unplugged_alarm_after_1000_ms_on_hook_and_cleared_after_1000_ms_back() -> None:
    mon = LineMonitor(port=4)
    run(mon, 0, 100, lambda t: 50.0)
    events = run(mon, 100, 1300, lambda t: 0.0)           # unplugged at 100 ms
    alarms = [e for e in events if isinstance(e, PortAlarm)]
    assert len(alarms) == 1 and at_ms(alarms[0]) == 1100
    assert alarms[0].code is AlarmCode.LINE_UNPLUGGED and "1000 ms" in alarms[0].reason
    events = run(mon, 1300, 2500, lambda t: 50.0)         # plugged back at 1300 ms
    assert [type(e) for e in events] == [LineBattery, PortAlarmCleared]
    assert at_ms(events[1]) == 2300


def test_no_unplugged_alarm_while_off_hook_but_raised_once_on_hook_again() -> None:
    mon = LineMonitor(port=0)
    run(mon, 0, 100, lambda t: 8.0, off_hook=True)
    events = run(mon, 100, 2000, lambda t: 0.0, off_hook=True)
    assert not any(isinstance(e, PortAlarm) for e in events)
    events = run(mon, 2000, 2010, lambda t: 0.0, off_hook=False)
    assert [type(e) for e in events] == [PortAlarm]


def test_first_polarity_after_start_is_learnt_not_reported() -> None:
    mon = LineMonitor(port=0)
    events = run(mon, 0, 500, lambda t: -48.0)
    assert not any(isinstance(e, LinePolarityReversal) for e in events)
    assert mon.polarity == -1


def test_polarity_reversal_needs_64_ms_of_the_new_sign() -> None:
    mon = LineMonitor(port=0)
    run(mon, 0, 200, lambda t: 48.0)
    flicker = run(mon, 200, 400, lambda t: -48.0 if 250 <= t < 300 else 48.0)  # 50 ms: ignored
    assert flicker == []
    events = run(mon, 400, 600, lambda t: -48.0 if t >= 450 else 48.0)
    assert [(type(e), at_ms(e)) for e in events] == [(LinePolarityReversal, 514)]
    assert mon.polarity == -1


def test_polarity_is_not_debounced_through_a_battery_loss() -> None:
    mon = LineMonitor(port=0)
    run(mon, 0, 200, lambda t: 48.0)
    # reversed for 40 ms, then the battery goes (debounce dropped), back normal: no reversal
    events = run(mon, 200, 600, lambda t: -48.0 if t < 240 else (0.0 if t < 300 else 48.0))
    assert not any(isinstance(e, LinePolarityReversal) for e in events)


def test_polarity_on_answer_delay_incoming_call() -> None:
    rule = PolarityDisconnect(answer_delay_ms=600)
    rule.seized(T0, outgoing=False)
    assert rule.reversal(T0 + 0.599) == "ignored"
    assert rule.reversal(T0 + 0.601) == "hangup"


def test_polarity_on_answer_delay_outgoing_call_answer_then_hangup() -> None:
    rule = PolarityDisconnect(answer_delay_ms=600)
    rule.seized(T0, outgoing=True)
    assert rule.reversal(T0 + 0.3) == "ignored"      # too close to going off-hook
    assert rule.reversal(T0 + 5.0) == "answer"
    assert rule.reversal(T0 + 5.5) == "ignored"      # too close to the answer reversal
    assert rule.reversal(T0 + 9.0) == "hangup"


@pytest.mark.parametrize("debounce_ms", [32, 64, 100])
def test_battery_debounce_is_configurable(debounce_ms: int) -> None:
    mon = LineMonitor(port=0, debounce_ms=debounce_ms)
    events = run(mon, 0, 200, lambda t: 48.0)
    assert at_ms(events[0]) == debounce_ms


def test_battery_and_polarity_tables_refuse_events_without_a_timer() -> None:
    from firmware.contracts.errors import IllegalTransition
    from firmware.drivers.fxo.battery import BattInput, PolInput

    mon = LineMonitor(port=6)
    msg = r"battery debouncer port 6: event 'EXPIRED' is illegal in state 'UNKNOWN'"
    with pytest.raises(IllegalTransition, match=msg):
        mon.battery_fsm.fire(BattInput.EXPIRED)
    with pytest.raises(IllegalTransition, match="polarity debouncer port 6"):
        mon.polarity_fsm.fire(PolInput.EXPIRED)
