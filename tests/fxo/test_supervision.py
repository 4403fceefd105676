"""Disconnect supervision: loop current and safe zone, battery, polarity, selection, idle limit (2.6)."""

from __future__ import annotations

import pytest

from firmware.contracts.errors import IllegalTransition
from firmware.contracts.ports import DisconnectMethod, LineDisconnect, PortEvent
from firmware.drivers.fxo.settings import FxoSettings
from firmware.drivers.fxo.supervision import Supervisor, SupEvent, SupState

T0 = 100.0
M = DisconnectMethod


def sup_for(**kw: object) -> Supervisor:
    return Supervisor(FxoSettings(port=5, **kw))  # type: ignore[arg-type]


def drive_current(s: Supervisor, start_ms: int, stop_ms: int, ma: float, step_ms: int = 5) -> list[PortEvent]:
    """A loop-current reading then the timers, every `step_ms`, as the port's tick does."""
    events: list[PortEvent] = []
    for t_ms in range(start_ms, stop_ms, step_ms):
        now = T0 + t_ms / 1000.0
        events += s.loop_current(ma, now)
        events += s.tick(now)
    return events


def at_ms(ev: PortEvent) -> int:
    return round((ev.at - T0) * 1000)


def test_loop_current_drop_is_ignored_in_the_safe_zone_then_ends_the_call_after_80_ms() -> None:
    s = sup_for()
    s.seize(T0, outgoing=True)
    events = drive_current(s, 0, 1000, 0.0)
    assert len(events) == 1
    ev = events[0]
    assert isinstance(ev, LineDisconnect) and ev.method is M.LOOP_CURRENT_DROP
    # safe zone over at 650 ms (tick), first trusted reading 655 ms, 80 ms later
    assert at_ms(ev) == 735
    assert s.state is SupState.DISCONNECTED


def test_a_loop_current_dip_shorter_than_80_ms_is_not_a_disconnect() -> None:
    s = sup_for()
    s.seize(T0, outgoing=True)
    drive_current(s, 0, 1000, 25.0)
    assert drive_current(s, 1000, 1075, 0.0) == []
    assert drive_current(s, 1075, 2000, 25.0) == []


def test_battery_drop_ends_the_call_only_when_selected() -> None:
    s = sup_for()
    s.seize(T0, outgoing=False)
    assert s.battery(False, T0 + 2.0) == [LineDisconnect(5, T0 + 2.0, method=M.BATTERY_DROP)]
    only_loop = sup_for(disconnect_methods=frozenset({M.LOOP_CURRENT_DROP}))
    only_loop.seize(T0, outgoing=False)
    assert only_loop.battery(False, T0 + 2.0) == []


def test_polarity_reversal_disconnect_respects_the_answer_delay() -> None:
    s = sup_for()
    s.seize(T0, outgoing=True)
    assert s.polarity_reversal(T0 + 3.0) == []          # the answer
    assert s.answered
    assert s.polarity_reversal(T0 + 3.4) == []          # within 600 ms of the answer
    events = s.polarity_reversal(T0 + 20.0)
    assert events == [LineDisconnect(5, T0 + 20.0, method=M.POLARITY_REVERSAL)]


def test_incoming_call_first_reversal_after_the_delay_is_the_hang_up() -> None:
    s = sup_for()
    s.seize(T0, outgoing=False)
    assert s.polarity_reversal(T0 + 0.2) == []
    assert s.polarity_reversal(T0 + 30.0)[0].method is M.POLARITY_REVERSAL  # type: ignore[attr-defined]


def test_only_one_disconnect_per_call() -> None:
    s = sup_for()
    s.seize(T0, outgoing=False)
    assert len(s.battery(False, T0 + 1.0)) == 1
    assert s.polarity_reversal(T0 + 5.0) == []
    assert drive_current(s, 5000, 6000, 0.0) == []
    s.release()
    s.seize(T0 + 10.0, outgoing=False)
    assert len(s.battery(False, T0 + 12.0)) == 1


def test_dial_pulse_breaks_are_not_loop_current_drops() -> None:
    s = sup_for()
    s.seize(T0, outgoing=True)
    drive_current(s, 0, 1000, 25.0)
    events: list[PortEvent] = []
    for pulse in range(5):                               # 5 pulses: 60 ms open, 40 ms closed
        base = 1000 + pulse * 100
        s.hook_open()
        events += drive_current(s, base, base + 60, 0.0)
        s.hook_closed(T0 + (base + 60) / 1000.0)
        events += drive_current(s, base + 60, base + 100, 0.0)   # FOH masks the current after make
    events += drive_current(s, 1500, 2200, 25.0)
    assert events == []
    assert s.state is SupState.SUPERVISING              # safe zone restarted at the last make (1460 ms)
    assert drive_current(s, 2200, 2400, 0.0)[0].method is M.LOOP_CURRENT_DROP  # type: ignore[attr-defined]


def test_idle_limit_ends_a_silent_call_and_activity_restarts_it() -> None:
    s = sup_for(idle_limit_s=60.0)
    s.seize(T0, outgoing=True)
    s.audio(True, T0 + 30.0)
    assert s.tick(T0 + 89.999) == []
    assert s.next_deadline == pytest.approx(T0 + 90.0)
    assert s.tick(T0 + 90.0) == [LineDisconnect(5, T0 + 90.0, method=M.IDLE_LIMIT)]


def test_idle_limit_can_be_switched_off_but_the_call_cap_still_applies() -> None:
    s = sup_for(disconnect_methods=frozenset({M.BATTERY_DROP}), max_call_s=3600.0)
    s.seize(T0, outgoing=True)
    assert s.tick(T0 + 1000.0) == []
    assert s.tick(T0 + 3600.0) == [LineDisconnect(5, T0 + 3600.0, method=M.IDLE_LIMIT)]


def test_supervisor_table_refuses_a_second_seize() -> None:
    s = sup_for()
    s.seize(T0, outgoing=True)
    with pytest.raises(IllegalTransition, match="disconnect supervisor port 5"):
        s.fsm.fire(SupEvent.SEIZE)
