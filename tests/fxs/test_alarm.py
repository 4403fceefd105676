"""Power-alarm counter (limit, decay, probe, clear) and the SPI recovery back-off schedule."""

from __future__ import annotations

from firmware.drivers.fxs.alarm import Action, PowerAlarmCounter, PowerEvent, PowerState, SpiBackoff

T0 = 100.0


def test_nine_alarms_are_rewritten_the_tenth_raises_the_port_alarm() -> None:
    c = PowerAlarmCounter(1)
    actions = [c.alarm(T0 + 0.25 * i) for i in range(10)]
    assert actions[:9] == [Action.REWRITE] * 9
    assert actions[9] is Action.RAISE
    assert c.state is PowerState.ALARMED
    assert c.alarm(T0 + 3.0) is Action.NONE          # no more rewrites, no second raise


def test_count_decays_by_one_every_10_s() -> None:
    c = PowerAlarmCounter(1)
    for i in range(3):
        c.alarm(T0 + i)
    assert c.poll(T0 + 9.999) == [] and c.count == 3
    c.poll(T0 + 10.0)
    assert c.count == 2
    c.poll(T0 + 30.0)
    assert c.count == 0 and c.deadline is None


def test_decay_lets_nine_more_rewrites_after_a_quiet_spell() -> None:
    c = PowerAlarmCounter(1)
    for i in range(5):
        c.alarm(T0 + i * 0.25)
    c.poll(T0 + 60.0)
    assert c.count == 0
    assert [c.alarm(T0 + 61 + i) for i in range(9)] == [Action.REWRITE] * 9


def test_alarmed_port_probes_after_a_decay_and_clears_when_the_rewrite_holds() -> None:
    c = PowerAlarmCounter(1)
    for i in range(10):
        c.alarm(T0 + i * 0.25)
    assert c.poll(T0 + 9.9) == []
    assert c.poll(T0 + 10.0) == [Action.REWRITE]      # first decay at T0 + 10 (from the first alarm)
    assert c.state is PowerState.PROBING and c.count == 9
    assert c.held(T0 + 10.25) is Action.CLEAR
    assert c.state is PowerState.OK


def test_probe_that_fails_goes_back_to_alarm_without_a_second_raise() -> None:
    c = PowerAlarmCounter(1)
    for i in range(10):
        c.alarm(T0 + i * 0.25)
    c.poll(T0 + 10.0)
    assert c.alarm(T0 + 10.25) is Action.NONE
    assert c.state is PowerState.ALARMED and c.count == 10


def test_limit_and_decay_are_configurable() -> None:
    c = PowerAlarmCounter(1, max_alarms=3, decay_s=2.0)
    actions = [c.alarm(T0), c.alarm(T0 + 0.1), c.alarm(T0 + 0.2)]
    assert actions == [Action.REWRITE, Action.REWRITE, Action.RAISE]
    assert c.poll(T0 + 2.0) == [Action.REWRITE]


def test_every_power_event_is_accepted_in_every_state() -> None:
    from firmware.drivers.fxs.alarm import TRANSITIONS

    assert {(s, e) for s in PowerState for e in PowerEvent} == set(TRANSITIONS)


def test_spi_backoff_doubles_from_1_s_and_caps_at_60_s() -> None:
    b = SpiBackoff()
    t = T0
    attempts = []
    for _ in range(9):
        t = b.failed(t)
        attempts.append(round(t - T0))
    assert attempts == [1, 3, 7, 15, 31, 63, 123, 183, 243]


def test_backoff_due_and_reset() -> None:
    b = SpiBackoff()
    b.failed(T0)
    assert not b.due(T0 + 0.999)
    assert b.due(T0 + 1.0)
    b.succeeded()
    assert not b.due(T0 + 100) and b.failures == 0
    assert b.failed(T0 + 100) == T0 + 101
