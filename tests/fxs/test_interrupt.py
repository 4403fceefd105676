"""Interrupt-driven idle scanning of FXS ports against the ProSLIC model (fact sheet 1.1 DR18-23, 1.9).

The INT pin is open drain and active low; the model asserts it lazily when the line is read. All
times come from the rig's fake clock (default debounce DR69 = 5 ms, scan_int_ms = 5 ms).
"""

from __future__ import annotations

import functools
import itertools
import logging
import random
from collections.abc import Callable

import pytest

from firmware.contracts.clock import FakeClock
from firmware.contracts.ports import OffHook, OnHook, PortAlarm, PortAlarmCleared, PortEvent, StartRinging
from firmware.drivers.fxs import registers as r
from firmware.drivers.sim.gpio import VirtualGpioLine
from firmware.drivers.sim.line import TwoWireLine
from firmware.drivers.sim.pcm import VirtualPcmHighway
from firmware.drivers.sim.si321x import Si321xModel
from tests.fxs import test_driver_model as driver_model
from tests.fxs.rig import Rig

DEBOUNCE_S, SCAN_INT_S, SAFETY_S = 0.005, 0.005, 1.0
EPS = 1e-9


def reads(rig: Rig, reg: int, since: float, cs: int | None = None) -> list[float]:
    return [x.at for x in rig.bus.log
            if x.at >= since and x.out[0] == 0x80 | reg and (cs is None or x.cs == cs)]


def off_hook_after(rig: Rig, index: int, at: float, seconds: float = 0.1) -> float:
    """Close slot `index`'s loop at `at`; return how long after that the port reported OffHook."""
    rig[index].line.set_loop(True, at=at)
    rig.run(at - rig.clock.now() + seconds)
    events = rig.take(index)
    assert [type(e) for e in events] == [OffHook]
    return events[0].at - at


def counting(line: VirtualGpioLine, clock: FakeClock) -> list[float]:
    """Record every read of `line` (a driver that never pulls low)."""
    seen: list[float] = []

    def pulls_low() -> bool:
        seen.append(clock.now())
        return False
    line.add_driver(pulls_low)
    return seen


# --- the model's INT pin ---------------------------------------------------------------------------
def test_model_asserts_int_after_debounce_without_any_spi_access_and_lines_are_wired_or() -> None:
    clock = FakeClock(1000.0)
    highway = VirtualPcmHighway()
    lines = [TwoWireLine(clock, name=f"l{i}") for i in range(2)]
    chips = [Si321xModel(clock, part="Si3215", line=line, highway=highway) for line in lines]
    irq = VirtualGpioLine("INT")
    for chip in chips:
        chip.attach_interrupt(irq)
        chip.spi_write(r.LINE_STATE, 0x01)
        chip.spi_write(r.LOOP_DEBOUNCE, 0x04)
        chip.spi_write(r.IRQ_MASK2, r.IRQ_HOOK_BITS)
    assert irq.read() is True
    lines[1].set_loop(True)
    clock.advance(DEBOUNCE_S - 0.0005)
    assert irq.read() is True                      # not debounced yet
    clock.advance(0.0005)
    assert irq.read() is False                     # nobody read DR68: the INT read evaluated the chip
    assert chips[1].spi_read(r.IRQ_STATUS2) == r.IRQ_LOOP_CLOSURE and chips[0].spi_read(r.IRQ_STATUS2) == 0
    chips[1].spi_write(r.IRQ_STATUS2, r.IRQ_LOOP_CLOSURE)          # write 1 to clear
    assert irq.read() is True
    lines[1].set_loop(False)
    clock.advance(0.01)
    chips[1].spi_write(r.IRQ_MASK2, 0x00)                          # pending but masked: no pull
    assert chips[1].spi_read(r.IRQ_STATUS2) == r.IRQ_LOOP_CLOSURE and irq.read() is True
    chips[1].spi_write(r.IRQ_MASK2, r.IRQ_HOOK_BITS)
    assert irq.read() is False
    irq.drive(False)                                              # another open-drain source, alone
    chips[1].spi_write(r.IRQ_STATUS2, 0xFF)
    assert irq.read() is False
    irq.drive(True)
    assert irq.read() is True


def test_model_int_follows_loop_closure_changes_caused_by_linefeed_writes_and_power_alarms() -> None:
    clock = FakeClock(1000.0)
    line = TwoWireLine(clock)
    chip = Si321xModel(clock, part="Si3210", line=line, highway=VirtualPcmHighway())
    irq = VirtualGpioLine("INT")
    chip.attach_interrupt(irq)
    for reg, value in ((r.LOOP_DEBOUNCE, 0x04), (r.AUTO_STATE, 0x07), (r.IRQ_MASK2, r.IRQ_HOOK_BITS)):
        chip.spi_write(reg, value)
    line.set_loop(True)                                        # off-hook on an open line: LCR cannot see it
    clock.advance(0.1)
    assert irq.read() is True
    chip.spi_write(r.LINE_STATE, 0x01)                         # line active: now the loop closure shows
    clock.advance(DEBOUNCE_S)
    assert irq.read() is False
    chip.spi_write(r.IRQ_STATUS2, 0xFF)
    clock.advance(0.1)
    assert irq.read() is True
    chip.inject_power_alarm()                                  # auto-open: LCR drops after the debounce
    assert irq.read() is True                                  # power-alarm bits are masked
    clock.advance(DEBOUNCE_S)
    assert irq.read() is False and chip.spi_read(r.LOOP_STAT) == 0


# --- init -------------------------------------------------------------------------------------------
def test_init_enables_only_the_hook_interrupts_and_leaves_nothing_pending() -> None:
    rig = Rig(("Si3215",), interrupt="own")
    assert rig.start() == [[]]
    chip, irq = rig[0].chip, rig[0].irq
    assert chip is not None and irq is not None
    assert [chip.spi_read(reg) for reg in range(r.IRQ_STATUS1, r.IRQ_MASK3 + 1)] == [0, 0, 0, 0, 0x03, 0]
    assert irq.read() is True and rig[0].port.interrupt_driven
    polled = Rig(("Si3215",))
    polled.start()
    assert polled[0].chip is not None and polled[0].chip.spi_read(r.IRQ_MASK2) == 0xFF   # as DAHDI, pin unused


# --- idle cost --------------------------------------------------------------------------------------
def test_idle_port_reads_the_line_every_5_ms_and_dr68_only_at_safety_scans() -> None:
    rig = Rig(("Si3215",), interrupt="own")
    rig.start()
    rig.run(0.5)
    assert rig[0].irq is not None
    line_reads = counting(rig[0].irq, rig.clock)
    t0 = rig.clock.now()
    rig.run(3.0)
    dr68 = reads(rig, r.LOOP_STAT, t0)
    assert len(dr68) == 3
    assert all(1000 <= round((b - a) * 1000) <= 1005 for a, b in itertools.pairwise(dr68))
    others = {x.out[0] for x in rig.bus.log if x.at >= t0} - {0x80 | r.LOOP_STAT}
    assert others == {0x80 | r.LINE_STATE, 0x80 | r.IRQ_STATUS2}        # the 250 ms sanity check only
    assert len(reads(rig, r.LINE_STATE, t0)) == 12
    assert 599 <= len(line_reads) <= 601                                # one INT read per 5 ms scan


# --- latency ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("phase_ms", [0.0, 1.0, 2.5, 4.0, 4.9])
def test_off_hook_is_reported_within_debounce_plus_scan_int(phase_ms: float) -> None:
    rig = Rig(("Si3215",), interrupt="own")
    rig.start()
    rig.run(0.2)
    latency = off_hook_after(rig, 0, rig.clock.now() + phase_ms / 1000)
    assert DEBOUNCE_S - EPS <= latency <= DEBOUNCE_S + SCAN_INT_S + EPS


def test_two_ports_on_one_shared_line_each_report_only_their_own_hook_changes() -> None:
    rig = Rig(("Si3215", "Si3210"), interrupt="shared")
    rig.start()
    rig.run(1.1)                                  # just after a safety scan
    t0 = rig.clock.now() + 0.0013
    assert off_hook_after(rig, 0, t0) <= DEBOUNCE_S + SCAN_INT_S + EPS
    assert rig.take(1) == []
    assert reads(rig, r.LOOP_STAT, t0, cs=1) == []          # the idle port never looked at DR68
    t1 = rig.clock.now() + 0.0031
    assert off_hook_after(rig, 1, t1) <= DEBOUNCE_S + SCAN_INT_S + EPS
    assert rig.take(0) == []
    for slot in rig.slots:
        slot.line.set_loop(False)
    rig.run(1.5)
    assert [type(e) for e in rig.take(0)] == [OnHook] and [type(e) for e in rig.take(1)] == [OnHook]
    t2 = rig.clock.now() + 0.002
    for slot in rig.slots:
        slot.line.set_loop(True, at=t2)
    rig.run(0.1)
    for index in (0, 1):
        [event] = rig.take(index)
        assert isinstance(event, OffHook) and event.at - t2 <= DEBOUNCE_S + SCAN_INT_S + EPS
    assert rig.slots[0].irq is not None and rig.slots[0].irq.read() is True   # nobody left pulling low


def test_ring_trip_on_one_port_and_the_shared_line_released_afterwards() -> None:
    rig = Rig(("Si3215", "Si3215"), interrupt="shared")
    rig.start()
    rig.run(0.2)
    port = rig[0].port
    port.handle(StartRinging(1, driver_model.DE), rig.clock.now())
    rig.run(0.3)
    t0 = rig.clock.now() + 0.001
    rig[0].line.set_loop(True, at=t0)
    rig.run(0.2)
    [event] = rig.take(0)
    assert isinstance(event, OffHook) and event.at - t0 < 0.05
    assert rig[0].chip is not None and rig[0].chip.linefeed == driver_model.LF_ACTIVE
    rig[0].line.set_loop(False)
    rig.run(1.5)
    assert [type(e) for e in rig.take(0)] == [OnHook] and rig.take(1) == []
    assert rig[0].irq is not None and rig[0].irq.read() is True


def test_random_lifts_on_four_ports_sharing_a_line_are_all_reported_in_time() -> None:
    rig = Rig(("Si3215", "Si3210", "Si3215", "Si3210"), interrupt="shared")
    rig.start()
    rig.run(0.3)
    rng = random.Random(11)
    for _ in range(15):
        t0 = rig.clock.now() + rng.uniform(0.0, 0.01)
        lifted = rng.sample(range(4), rng.randint(1, 4))
        for index in lifted:
            rig[index].line.set_loop(True, at=t0 + rng.choice((0.0, rng.uniform(0.0, 0.02))))
        rig.run(0.1)
        for index in range(4):
            events = rig.take(index)
            if index not in lifted:
                assert events == []
                continue
            assert [type(e) for e in events] == [OffHook]
            closed_at = rig[index].line.loop_stable_since()
            assert events[0].at - closed_at <= DEBOUNCE_S + SCAN_INT_S + EPS
            rig[index].line.set_loop(False)
        rig.run(1.3 + rng.uniform(0.0, 0.5))
        assert all([type(e) for e in rig.take(i)] == ([OnHook] if i in lifted else []) for i in range(4))


# --- when the line does not help -----------------------------------------------------------------------
def test_a_line_that_never_asserts_still_gets_the_hook_change_by_the_safety_scan() -> None:
    rig = Rig(("Si3215",), interrupt="own", wire_int=False)
    rig.start()
    rig.run(1.2)
    last_safety = reads(rig, r.LOOP_STAT, 0.0)[-1]
    t0 = last_safety + 0.001                                 # worst case: just after a safety scan
    latency = off_hook_after(rig, 0, t0, seconds=1.2)
    assert DEBOUNCE_S + SCAN_INT_S < latency <= SAFETY_S + SCAN_INT_S + EPS


def test_a_line_stuck_low_costs_a_dr19_read_per_scan_but_keeps_the_latency() -> None:
    rig = Rig(("Si3215",), interrupt="own")
    rig.start()
    assert rig[0].irq is not None
    rig[0].irq.drive(False)
    rig.run(1.2)
    t0 = rig.clock.now()
    rig.run(0.5)
    assert len(reads(rig, r.IRQ_STATUS2, t0)) >= 100 and len(reads(rig, r.LOOP_STAT, t0)) <= 1
    assert off_hook_after(rig, 0, rig.clock.now() + 0.002) <= DEBOUNCE_S + SCAN_INT_S + EPS


def test_a_line_raising_bus_error_falls_back_to_polling_and_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    rig = Rig(("Si3215",), interrupt="own")
    rig.start()
    rig.run(0.2)
    assert rig[0].irq is not None
    rig[0].irq.broken = True
    with caplog.at_level(logging.WARNING):
        rig.run(2.0)
    failed = [rec for rec in caplog.records if "interrupt line failed" in rec.getMessage()]
    assert len(failed) == 1 and "polling DR68 every 20 ms" in failed[0].getMessage()
    port = rig[0].port
    assert not port.interrupt_driven and not port.in_alarm and rig.take(0) == []
    t0 = rig.clock.now()
    rig.run(1.0)
    assert len(reads(rig, r.LOOP_STAT, t0)) == 50
    assert off_hook_after(rig, 0, rig.clock.now() + 0.001) <= DEBOUNCE_S + 0.020 + EPS


def test_chip_reset_clears_the_masks_and_recovery_sets_them_again() -> None:
    rig = Rig(("Si3215",), interrupt="own")
    rig.start()
    rig.run(0.5)
    chip = rig[0].chip
    assert chip is not None
    chip.inject_reset()
    assert chip.spi_read(r.IRQ_MASK2) == 0
    rig.run(0.6)
    assert [type(e) for e in rig.take(0)] == [PortAlarm, PortAlarmCleared]
    assert chip.spi_read(r.IRQ_MASK2) == r.IRQ_HOOK_BITS and rig[0].port.interrupt_driven
    rig.run(0.1)
    assert off_hook_after(rig, 0, rig.clock.now() + 0.0007) <= DEBOUNCE_S + SCAN_INT_S + EPS


# --- everything else behaves as with polling --------------------------------------------------------------
SAME_WITH_INTERRUPTS = (
    "test_off_hook_flash_and_hang_up", "test_rotary_dialling_through_the_chip", "test_hardware_dtmf_on_the_si3210",
    "test_software_dtmf_on_the_si3215", "test_ring_and_oht_linefeed_sequence", "test_ring_trip_stops_ringing_at_once",
    "test_caller_id_after_the_first_ring_is_sent_in_oht", "test_polarity_reversal_and_forward_disconnect",
    "test_call_waiting_ack_from_the_set", "test_stop_opens_the_line",
    "test_single_power_alarm_is_answered_by_rewriting_the_linefeed",
    "test_power_alarm_while_ringing_rewrites_active_and_rings_at_the_next_burst",
    "test_persistent_power_alarm_puts_the_port_in_alarm_and_recovers_after_decay",
    "test_chip_reset_behind_our_back_is_reinitialised_with_saved_calibration",
    "test_daisy_chained_chips_on_one_chip_select", "test_dtmf_clip_before_the_first_ring_with_line_reversal",
    "test_etsi_fsk_after_rp_as",
)


@pytest.mark.parametrize("name", SAME_WITH_INTERRUPTS)
def test_driver_model_behaviour_is_unchanged_on_a_shared_interrupt_line(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(driver_model, "Rig", functools.partial(Rig, interrupt="shared"))
    test: Callable[[], None] = getattr(driver_model, name)
    test()


def test_spi_fault_is_still_caught_by_the_sanity_check() -> None:
    rig = Rig(("Si3215", "Si3215"), interrupt="shared")
    rig.start()
    rig.run(0.5)
    assert rig[0].chip is not None
    rig[0].chip.spi_fault = True
    t_fault = rig.clock.now()
    rig.run(0.3)
    events: list[PortEvent] = rig.take(0)
    assert len(events) == 1 and isinstance(events[0], PortAlarm)
    assert events[0].at - t_fault <= 0.25 + EPS
    assert off_hook_after(rig, 1, rig.clock.now() + 0.001) <= DEBOUNCE_S + SCAN_INT_S + EPS
