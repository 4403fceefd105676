"""FxsPort against the Si3210/Si3215 behavioural model on the virtual SPI bus (driver-level tests)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from firmware.contracts.callerid import CallerId, CidStandard, CidTiming
from firmware.contracts.ports import (
    AlarmCode,
    CallerIdAck,
    DigitMethod,
    DigitReceived,
    ForwardDisconnect,
    HookFlash,
    LineState,
    OffHook,
    OnHook,
    PortAlarm,
    PortAlarmCleared,
    RingCadence,
    Seize,
    SendCallWaiting,
    SetPolarity,
    StartRinging,
    StopRinging,
)
from firmware.drivers.fxs import registers as r
from firmware.dsp.callerid import CidReceiver
from firmware.dsp.dtmf import DtmfReceiver, DtmfSender
from firmware.dsp.g711 import Law
from firmware.dsp.levels import goertzel_dbm0
from tests.fxs.rig import Rig

DE = RingCadence("de", (1000, 4000))
LF_OPEN, LF_ACTIVE, LF_OHT, LF_RINGING, LF_REV_ACTIVE, LF_REV_OHT = 0, 1, 2, 4, 5, 6


def linefeeds_since(rig: Rig, index: int, t0: float) -> list[tuple[int, int]]:
    chip = rig[index].chip
    assert chip is not None
    return [(round((t - t0) * 1000), lf) for t, lf in chip.linefeed_log if t >= t0]


# --- init ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("part", ["Si3210", "Si3215"])
def test_init_identifies_the_part_and_leaves_the_line_active(part: str) -> None:
    rig = Rig((part,))
    assert rig.start() == [[]]
    port, chip = rig[0].port, rig[0].chip
    assert chip is not None
    assert (port.part, port.revision, port.in_alarm) == (part, 5, False)
    assert port.line_state is LineState.ACTIVE and chip.linefeed == LF_ACTIVE
    assert rig[0].line.feed_at().volts == pytest.approx(48, abs=1)
    assert chip.indirect(26) == 0x4000 and chip.indirect(27) == 0x4000      # unity gains
    assert chip.indirect(20) == 0x7EF0 and chip.indirect(29) == 0x3600      # ringing preset, ring trip
    assert port.calibration is not None and len(port.calibration) == 12
    assert port.digit_method is (DigitMethod.DTMF_HW if part == "Si3210" else DigitMethod.DTMF_SW)


@pytest.mark.parametrize("ms_per_transfer", [2.0, 20.0])
def test_slow_spi_bus_does_not_make_a_healthy_chip_fail_its_power_up(ms_per_transfer: float) -> None:
    """On a slow or heavily loaded box (the virtual appliance under software emulation) the SPI traffic
    before the converter is switched on (indirect registers, hundreds of frames) takes longer than the
    500 ms power-up limit: the limit runs from the switch-on, so a chip that is ready is not refused."""
    rig = Rig(("Si3210",))
    transfer = rig.bus.transfer

    def slow(cs: int, out: bytes) -> bytes:
        rig.clock.advance(ms_per_transfer / 1000)
        return transfer(cs, out)
    rig.bus.transfer = slow                                    # type: ignore[method-assign]
    t0 = rig.clock.now()
    assert rig.start() == [[]]
    assert rig.clock.now() - t0 > 1.0
    assert not rig[0].port.in_alarm and rig[0].port.warnings == []


def test_absent_chip_goes_into_alarm_quoting_the_value_read() -> None:
    rig = Rig((None,))
    [events] = rig.start()
    assert events == [PortAlarm(1, events[0].at, code=AlarmCode.CHIP_ABSENT,
                                reason="port 1: no ProSLIC (DR0 read 0xFF)")]
    assert rig[0].port.in_alarm and rig[0].port.alarm == events[0]


def test_expected_part_mismatch_goes_into_alarm() -> None:
    rig = Rig(("Si3215",), expected_part="Si3210")
    [[alarm]] = rig.start()
    assert isinstance(alarm, PortAlarm) and alarm.code is AlarmCode.CHIP_ABSENT
    assert "expected Si3210, found Si3215 (DR1 read 0x88)" in alarm.reason


@pytest.mark.parametrize(("law", "dr1"), [(Law.MULAW, 0x28), (Law.ALAW, 0x20)])
def test_pcm_slot_and_law_registers(law: Law, dr1: int) -> None:
    rig = Rig(("Si3210", "Si3210", "Si3210", "Si3210"), law=law)
    rig.start()
    chip = rig[3].chip
    assert chip is not None
    assert [chip.spi_read(reg) for reg in (1, 2, 3, 4, 5)] == [dr1, 24, 0, 24, 0]   # slot 3 = 24 PCLK


def test_handset_audio_arrives_in_the_ports_slot_with_the_ports_law() -> None:
    rig = Rig(("Si3215", "Si3215"), law=Law.ALAW)
    rig.start()
    rig[1].line.set_loop(True)
    rig.run(0.2)
    rig[1].line.play((np.sin(np.arange(8000) * 2 * np.pi * 1000 / 8000) * 6000).astype(np.int16))
    rig.run(0.5)
    heard = np.concatenate(rig[1].from_set[-30:])
    assert goertzel_dbm0(heard, 1000) > -20
    silent = np.concatenate(rig[0].from_set[-30:])
    assert goertzel_dbm0(silent, 1000) < -50


def test_reset_line_is_pulsed_before_identification() -> None:
    rig = Rig(("Si3215",), reset=True)
    chip = rig[0].chip
    assert chip is not None
    chip.spi_write(8, 0x00)                              # left over from a previous run: not reset values
    chip.spi_write(64, 0x01)
    t0 = rig.clock.now()
    assert rig.start() == [[]]                           # the pulse restored them: fresh checks pass
    gpio = rig[0].reset
    assert gpio is not None and gpio.history == [True, False, True]
    assert rig.bus.log[0].at - t0 >= 0.1                 # held low 100 ms before the first SPI frame


def test_calibration_that_never_finishes_is_a_calibration_alarm() -> None:
    rig = Rig(("Si3215",))
    chip = rig[0].chip
    assert chip is not None
    chip.calibration_hangs = True
    t0 = rig.clock.now()
    [[alarm]] = rig.start()
    assert isinstance(alarm, PortAlarm) and alarm.code is AlarmCode.CALIBRATION_FAILED
    assert "DR96" in alarm.reason
    assert rig.clock.now() - t0 >= 4.0      # two auto attempts of 2 s each before the manual fallback


# --- hook, dialling --------------------------------------------------------------------------
def test_off_hook_flash_and_hang_up() -> None:
    rig = Rig(("Si3215",))
    rig.start()
    line = rig[0].line
    line.set_loop(True)
    rig.run(0.1)
    line.set_loop(False)
    rig.run(0.3)
    line.set_loop(True)
    rig.run(0.5)
    line.set_loop(False)
    rig.run(2.0)
    kinds = [type(e) for e in rig.take(0)]
    assert kinds == [OffHook, HookFlash, OnHook]


def test_rotary_dialling_through_the_chip() -> None:
    rig = Rig(("Si3215",))
    rig.start()
    line, t = rig[0].line, rig.clock.now()
    line.set_loop(True, at=t + 0.05)
    for i in range(3):                       # "3": 60 ms break / 40 ms make at 10 pps
        line.set_loop(False, at=t + 0.5 + 0.1 * i)
        line.set_loop(True, at=t + 0.56 + 0.1 * i)
    rig.run(1.5)
    digits = [e for e in rig.take(0) if isinstance(e, DigitReceived)]
    assert [(d.digit, d.method) for d in digits] == [("3", DigitMethod.PULSE)]


def test_idle_ports_are_scanned_every_20_ms_and_off_hook_ports_every_10_ms() -> None:
    rig = Rig(("Si3215",))
    rig.start()
    rig.run(0.05)

    def dr68_reads(seconds: float) -> int:
        before = len(rig.bus.log)
        rig.run(seconds)
        return sum(1 for x in rig.bus.log[before:] if x.out[0] == 0x80 | r.LOOP_STAT)

    assert dr68_reads(1.0) == 50
    rig[0].line.set_loop(True)
    rig.run(0.1)
    assert dr68_reads(1.0) == 100


def test_hardware_dtmf_on_the_si3210() -> None:
    rig = Rig(("Si3210",))
    rig.start()
    rig[0].line.set_loop(True)
    rig.run(0.2)
    sender = DtmfSender(level_dbm0=-10.0)
    sender.add("19#")
    rig[0].line.play(sender.generate(8000 * 6 // 10))
    rig.run(1.0)
    digits = [e for e in rig.take(0) if isinstance(e, DigitReceived)]
    assert [(d.digit, d.method) for d in digits] == [("1", DigitMethod.DTMF_HW), ("9", DigitMethod.DTMF_HW),
                                                     ("#", DigitMethod.DTMF_HW)]


def test_software_dtmf_on_the_si3215() -> None:
    rig = Rig(("Si3215",))
    rig.start()
    rig[0].line.set_loop(True)
    rig.run(0.2)
    sender = DtmfSender(level_dbm0=-10.0)
    sender.add("42*")
    rig[0].line.play(sender.generate(8000 * 6 // 10))
    rig.run(1.0)
    digits = [e for e in rig.take(0) if isinstance(e, DigitReceived)]
    assert [(d.digit, d.method) for d in digits] == [("4", DigitMethod.DTMF_SW), ("2", DigitMethod.DTMF_SW),
                                                     ("*", DigitMethod.DTMF_SW)]


# --- ringing ------------------------------------------------------------------------------------
def test_ring_and_oht_linefeed_sequence() -> None:
    rig = Rig(("Si3215",))
    rig.start()
    rig.run(0.1)
    port, t0 = rig[0].port, rig.clock.now()
    assert port.handle(StartRinging(1, DE), t0) == []
    rig.run(6.5)
    port.handle(StopRinging(1), rig.clock.now())
    rig.run(7.0)
    assert linefeeds_since(rig, 0, t0) == [(0, LF_RINGING), (1000, LF_OHT), (5000, LF_RINGING),
                                           (6000, LF_OHT), (12000, LF_ACTIVE)]
    ring = rig[0].line.feed_at(t0 + 0.5)
    assert ring.ringing and ring.ring_hz == pytest.approx(20.5, abs=0.2)


def test_ring_trip_stops_ringing_at_once() -> None:
    rig = Rig(("Si3215",))
    rig.start()
    port, t0 = rig[0].port, rig.clock.now()
    port.handle(StartRinging(1, DE), t0)
    rig.run(0.4)
    rig[0].line.set_loop(True)
    rig.run(0.2)
    [event] = rig.take(0)
    assert isinstance(event, OffHook)
    assert event.at - (t0 + 0.4) < 0.04                 # ring-trip debounce + one 10 ms scan
    assert rig[0].chip is not None and rig[0].chip.linefeed == LF_ACTIVE
    rig.run(5.0)
    assert linefeeds_since(rig, 0, t0 + 0.45) == []      # no further ring burst


def test_caller_id_after_the_first_ring_is_sent_in_oht() -> None:
    rig = Rig(("Si3215",))
    rig.start()
    port, t0 = rig[0].port, rig.clock.now()
    port.handle(StartRinging(1, DE, CallerId(number="5551234", name="Anna")), t0)
    assert port.pending_output(80, t0) is None
    rig.run(1.4)
    assert port.pending_output(80, rig.clock.now()) is not None     # in the CID interval: silence first
    rig.run(0.5)
    heard = np.concatenate(rig[0].line.terminal_end.heard[-40:])  # type: ignore[union-attr]
    assert goertzel_dbm0(heard, 1200) > -30                          # Bell 202 mark tone on the pair
    assert rig[0].chip is not None and rig[0].chip.linefeed == LF_OHT


def test_polarity_reversal_and_forward_disconnect() -> None:
    rig = Rig(("Si3215",))
    rig.start()
    port, t0 = rig[0].port, rig.clock.now()
    rig[0].line.set_loop(True)
    rig.run(0.1)
    port.handle(SetPolarity(1, True), rig.clock.now())
    rig.run(0.1)
    assert rig[0].line.feed_at().volts < 0
    port.handle(ForwardDisconnect(1, 500), rig.clock.now())
    rig.run(1.0)
    changes = linefeeds_since(rig, 0, t0 + 0.001)
    assert [lf for _, lf in changes] == [LF_REV_ACTIVE, LF_OPEN, LF_REV_ACTIVE]
    assert changes[2][0] - changes[1][0] == 500
    assert [type(e) for e in rig.take(0)] == [OffHook]    # the disconnect is not mistaken for a flash


def test_call_waiting_ack_from_the_set() -> None:
    rig = Rig(("Si3215",))
    rig.start()
    rig[0].line.set_loop(True)
    rig.run(0.2)
    rig.take(0)
    port = rig[0].port
    port.handle(SendCallWaiting(1, CallerId(number="5551234")), rig.clock.now())
    rig.run(0.45)                                        # SAS 300 ms + CAS 85 ms played
    sender = DtmfSender(level_dbm0=-10.0, on_ms=60, off_ms=0)
    sender.add("D")
    rig[0].line.play(sender.generate(480))
    rig.run(0.3)
    events = rig.take(0)
    assert [(type(e), getattr(e, "digit", None)) for e in events] == [(CallerIdAck, "D")]


def test_unknown_command_is_refused_by_name() -> None:
    rig = Rig(("Si3215",))
    rig.start()
    with pytest.raises(ValueError, match="cannot handle Seize"):
        rig[0].port.handle(Seize(1), rig.clock.now())


def test_stop_opens_the_line() -> None:
    rig = Rig(("Si3215",))
    rig.start()
    rig[0].port.stop()
    assert rig[0].chip is not None and rig[0].chip.linefeed == LF_OPEN
    assert rig[0].port.next_deadline == float("inf")


# --- faults -------------------------------------------------------------------------------------
def test_single_power_alarm_is_answered_by_rewriting_the_linefeed() -> None:
    rig = Rig(("Si3215",))
    rig.start()
    rig.run(0.5)
    chip = rig[0].chip
    assert chip is not None
    chip.inject_power_alarm()
    assert chip.linefeed == LF_OPEN
    rig.run(0.6)
    assert chip.linefeed == LF_ACTIVE
    assert rig.take(0) == [] and not rig[0].port.in_alarm


def test_power_alarm_while_ringing_rewrites_active_and_rings_at_the_next_burst() -> None:
    rig = Rig(("Si3215",))
    rig.start()
    rig.run(0.1)
    port, chip, t0 = rig[0].port, rig[0].chip, rig.clock.now()
    assert chip is not None
    port.handle(StartRinging(1, DE), t0)
    rig.run(0.3)
    chip.inject_power_alarm()
    rig.run(5.5)
    changes = linefeeds_since(rig, 0, t0)
    assert changes[0] == (0, LF_RINGING) and changes[1] == (300, LF_OPEN)
    rewrite = changes[2]
    assert rewrite[1] == LF_ACTIVE and 300 < rewrite[0] <= 600     # at the next sanity check
    assert changes[3:] == [(1000, LF_OHT), (5000, LF_RINGING)]
    assert rig.take(0) == []


def test_persistent_power_alarm_puts_the_port_in_alarm_and_recovers_after_decay() -> None:
    rig = Rig(("Si3215",))
    rig.start()
    rig.run(0.5)
    chip = rig[0].chip
    assert chip is not None
    chip.inject_power_alarm(persistent=True)
    rig.run(5.0)
    [alarm] = rig.take(0)
    assert isinstance(alarm, PortAlarm) and alarm.code is AlarmCode.POWER_ALARM
    assert "10 power alarms" in alarm.reason
    assert chip.linefeed == LF_OPEN
    rig.run(3.0)
    assert chip.linefeed == LF_OPEN                       # no more rewrites while in alarm
    chip.clear_power_alarm()
    rig.run(12.0)
    assert [type(e) for e in rig.take(0)] == [PortAlarmCleared]
    assert chip.linefeed == LF_ACTIVE and not rig[0].port.in_alarm


def test_chip_reset_behind_our_back_is_reinitialised_with_saved_calibration() -> None:
    rig = Rig(("Si3215",), law=Law.ALAW)
    rig.start()
    rig.run(0.5)
    chip = rig[0].chip
    assert chip is not None
    t_reset = rig.clock.now()
    chip.inject_reset()
    rig.run(0.6)
    events = rig.take(0)
    assert [type(e) for e in events] == [PortAlarm, PortAlarmCleared]
    assert isinstance(events[0], PortAlarm) and events[0].code is AlarmCode.CHIP_RESET
    assert "DR8 read 0x02" in events[0].reason
    assert chip.linefeed == LF_ACTIVE
    assert chip.spi_read(8) == 0 and chip.spi_read(1) & 0x3F == 0x20
    cal_starts = [x for x in rig.bus.log if x.at >= t_reset and x.out[0] == r.CALIBR1 and x.out[1] & 0x40]
    assert cal_starts == []                               # saved calibration, no new calibration


def test_spi_fault_on_one_port_leaves_the_other_working_and_recovers_with_back_off() -> None:
    rig = Rig(("Si3215", "Si3215"))
    rig.start()
    rig.run(0.5)
    bad = rig[0].chip
    assert bad is not None
    bad.spi_fault = True
    t_fault = rig.clock.now()
    rig.run(0.1)
    [alarm] = rig.take(0)
    assert isinstance(alarm, PortAlarm) and alarm.code is AlarmCode.CHIP_NOT_ANSWERING
    assert re.fullmatch(r"port 1: chip not answering on SPI \(read 0xFF from DR6[48]\)", alarm.reason)
    rig[1].line.set_loop(True)
    rig.run(0.2)
    assert [type(e) for e in rig.take(1)] == [OffHook]
    rig.run(10.0)
    attempts = [x.at - t_fault for x in rig.bus.log if x.cs == 0 and x.at > t_fault + 0.05
                and x.out[0] == 0x80 | r.SPI_MODE]
    assert [round(a) for a in attempts] == [1, 3, 7]      # 1 s, 2 s, 4 s back-off
    assert rig.take(0) == []
    bad.spi_fault = False
    rig.run(8.1)
    [cleared] = rig.take(0)
    assert isinstance(cleared, PortAlarmCleared) and round(cleared.at - t_fault) == 15
    assert not rig[0].port.in_alarm and bad.linefeed == LF_ACTIVE


def test_daisy_chained_chips_on_one_chip_select() -> None:
    rig = Rig(("Si3210", "Si3215"), daisy=True)
    assert rig.start() == [[], []]
    assert [s.port.part for s in rig.slots] == ["Si3210", "Si3215"]
    assert all(x.out[0] in (0x01, 0x02) for x in rig.bus.log if len(x.out) == 3)
    rig[1].line.set_loop(True)
    rig.run(0.1)
    assert [type(e) for e in rig.take(1)] == [OffHook] and rig.take(0) == []


# --- caller ID before the first ring, with the real DSP ------------------------------------------
def test_dtmf_clip_before_the_first_ring_with_line_reversal() -> None:
    rig = Rig(("Si3215",), cid_standard=CidStandard.DTMF, cid_timing=CidTiming.BEFORE_RING_LINE_REVERSAL)
    rig.start()
    rig.run(0.1)
    t0 = rig.clock.now()
    rig[0].port.handle(StartRinging(1, DE, CallerId(number="5551234")), t0)
    rig.run(3.0)
    heard = np.concatenate(rig[0].line.terminal_end.heard)  # type: ignore[union-attr]
    assert DtmfReceiver().feed(heard[-3 * 8000:]) == "A5551234C"
    changes = linefeeds_since(rig, 0, t0)
    assert [lf for _, lf in changes[:3]] == [LF_REV_OHT, LF_OHT, LF_RINGING]
    assert changes[2][0] - changes[1][0] >= 250             # polarity restored before the first ring


def test_etsi_fsk_after_rp_as() -> None:
    rig = Rig(("Si3215",), cid_standard=CidStandard.ETSI_V23, cid_timing=CidTiming.BEFORE_RING_RP_AS)
    rig.start()
    rig.run(0.1)
    t0 = rig.clock.now()
    rig[0].port.handle(StartRinging(1, RingCadence("uk", (400, 200, 400, 2000)),
                                    CallerId(number="01234567", name="Bob")), t0)
    rig.run(4.0)
    heard = np.concatenate(rig[0].line.terminal_end.heard)  # type: ignore[union-attr]
    [message] = CidReceiver(CidStandard.ETSI_V23).feed(heard[-4 * 8000:])
    assert message == CallerId(number="01234567", name="Bob")
    changes = linefeeds_since(rig, 0, t0)
    assert changes[:2] == [(0, LF_RINGING), (250, LF_OHT)]    # 250 ms ring-pulse alert
    assert changes[2][1] == LF_RINGING and changes[2][0] > 750
