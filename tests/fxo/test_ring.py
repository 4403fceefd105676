"""Ring qualifier (fact sheet 2.5, wctdm24xxp method) driven sample by sample on a fake time base."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from firmware.contracts.errors import IllegalTransition
from firmware.contracts.ports import LineRingStart, LineRingStop, PortEvent
from firmware.drivers.fxo import registers as r
from firmware.drivers.fxo.ring import RingInput, RingQualifier, RingState

T0 = 1000.0


def ring_bits(dt: float, hz: float = 25.0) -> int:
    """Reg 5 while ringing: RDTP on the positive half-wave, RDTN on the negative one."""
    phase = round(dt * hz * 1e6) % 1_000_000
    return r.RDTP if phase < 500_000 else r.RDTN


def run(q: RingQualifier, start: float, stop: float, bits: Callable[[float], int],
        step: float = 0.001) -> list[PortEvent]:
    """Sample reg 5 every `step` s over [start, stop); `bits(dt)` gives the reading `dt` s after T0."""
    events: list[PortEvent] = []
    n = round((stop - start) / step)
    for i in range(n):
        dt = round(start - T0 + i * step, 9)
        events += q.sample(bits(dt) | r.ONHM, T0 + dt)
    return events


def test_real_ring_starts_on_the_third_alternation() -> None:
    q = RingQualifier(port=2)
    # 25 Hz: RDTP 0-20 ms, RDTN 20-40, RDTP 40-60, RDTN 60-80 ms: alternations at 20, 40, 60 ms
    events = run(q, T0, T0 + 0.1, ring_bits)
    starts = [e for e in events if isinstance(e, LineRingStart)]
    assert len(starts) == 1
    assert starts[0].at == pytest.approx(T0 + 0.060, abs=1e-9)
    assert starts[0].port == 2
    assert q.ringing


def test_neon_message_waiting_voltage_never_rings() -> None:
    q = RingQualifier(port=0)
    events = run(q, T0, T0 + 3.0, lambda dt: r.RDTP, step=0.005)  # one bit, steady, for 3 s
    assert events == []
    assert not q.ringing


def test_slow_alternation_outside_the_128_ms_window_is_not_a_ring() -> None:
    q = RingQualifier(port=0)
    events = run(q, T0, T0 + 2.0, lambda dt: ring_bits(dt, hz=5.0), step=0.005)  # 100 ms half-waves
    assert events == []


def test_ring_stops_128_ms_after_the_last_ring_bit_and_reports_the_burst_length() -> None:
    q = RingQualifier(port=0)

    def burst(dt: float) -> int:
        return ring_bits(dt) if dt < 1.0 else 0

    events = run(q, T0, T0 + 1.5, burst)
    stops = [e for e in events if isinstance(e, LineRingStop)]
    assert len(stops) == 1
    # last ring bit at 999 ms, first empty reading at 1000 ms, stop 128 ms after that
    assert stops[0].at == pytest.approx(T0 + 1.000 + 0.128, abs=1e-9)
    assert stops[0].on_ms == 999
    assert q.state is RingState.OFF


def test_short_gap_inside_a_burst_does_not_end_the_ring() -> None:
    q = RingQualifier(port=0)

    def gappy(dt: float) -> int:
        return 0 if 0.5 <= dt < 0.6 else ring_bits(dt)   # 100 ms without bits < 128 ms

    events = run(q, T0, T0 + 1.0, gappy)
    assert [type(e) for e in events] == [LineRingStart]


def test_cadence_of_two_bursts_is_measured() -> None:
    q = RingQualifier(port=0)

    def de_cadence(dt: float) -> int:  # 1 s on, 4 s off, repeated
        return ring_bits(dt) if round(dt * 1000) % 5000 < 1000 else 0

    events = run(q, T0, T0 + 6.5, de_cadence, step=0.005)
    assert [type(e) for e in events] == [LineRingStart, LineRingStop, LineRingStart, LineRingStop]
    on1, off1, on2 = q.cadence
    assert abs(on1 - 1000) <= 10 and abs(on2 - 1000) <= 10
    assert abs(off1 - 4000) <= 10


def test_ring_bits_without_battery_are_ignored() -> None:
    q = RingQualifier(port=0)
    events: list[PortEvent] = []
    for i in range(200):
        t = T0 + i * 0.001
        events += q.sample(ring_bits(i * 0.001), t, battery_ok=False)
    assert events == []


def test_illegal_transition_names_machine_port_state_and_event() -> None:
    q = RingQualifier(port=3)
    with pytest.raises(IllegalTransition) as info:
        q.fsm.fire(RingInput.EXPIRED)  # no timer runs in OFF
    text = str(info.value)
    assert "ring qualifier" in text and "port 3" in text and "OFF" in text and "EXPIRED" in text


def test_next_deadline_is_the_debounce_window_end() -> None:
    q = RingQualifier(port=0)
    q.sample(r.RDTP, T0)
    assert q.next_deadline == pytest.approx(T0 + 0.128)
    q.sample(0, T0 + 0.128)
    assert q.state is RingState.OFF and q.next_deadline is None
    assert math.isclose(q.debounce_s, 0.128)
