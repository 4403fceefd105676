"""FxoPort against the Si3050 model and the virtual exchange: init per country, absent chip, ISO link,
incoming ring + caller ID, disconnect per method, dialling out, alarms and recovery (fact sheet 2, 3)."""

from __future__ import annotations

import numpy as np
import pytest

from firmware.contracts.callerid import CallerId, CidStandard, CidTiming
from firmware.contracts.ports import (
    AlarmCode,
    DialDigits,
    DisconnectMethod,
    LineBattery,
    LineCallerId,
    LineDisconnect,
    LinePolarityReversal,
    LineRingStart,
    LineRingStop,
    PortAlarm,
    PortAlarmCleared,
    Release,
    RingCadence,
    Seize,
    SendHookFlash,
    StartRinging,
)
from firmware.drivers.sim.exchange_party import FarParty
from firmware.drivers.sim.spi import Family
from firmware.dsp import levels
from firmware.dsp.g711 import Law
from firmware.telephony.countries import COUNTRIES, country
from tests.fxo.rig import FxoRig

M = DisconnectMethod
NUMBER = "0301234567"


def started(iso: str = "DE", **kw: object) -> FxoRig:
    rig = FxoRig(iso, **kw)  # type: ignore[arg-type]
    assert rig.start() == []
    rig.run(0.5)
    rig.take()
    return rig


# --- init ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("iso", sorted(COUNTRIES))
def test_init_writes_the_country_registers(iso: str) -> None:
    rig = FxoRig(iso)
    assert rig.start() == []
    regs = country(iso).daa.registers(fast_pickup=rig.port.s.fast_pickup)
    for reg, value in regs.items():
        assert rig.daa.spi_read(reg) == value, f"{iso}: reg {reg}"
    assert rig.daa.link_up and not rig.port.in_alarm
    assert rig.daa.pcm_law is Law.MULAW and rig.daa.tx_slot == 2 and rig.daa.rx_slot == 2
    assert rig.daa.spi_read(5) & 0x09 == 0x08          # on-hook, line monitor on


def test_a_law_slot_and_gains_reach_the_chip() -> None:
    rig = FxoRig("GB", law=Law.ALAW, rx_gain_db=-3.5, tx_gain_db=2.0)
    rig.start()
    assert rig.daa.pcm_law is Law.ALAW
    assert [rig.daa.spi_read(r) for r in (38, 39, 40, 41)] == [2, 16 + 3, 0, 16 + 5]


def test_battery_present_is_reported_after_start() -> None:
    rig = FxoRig("DE")
    rig.start()
    rig.run(0.5)
    batt = rig.of(LineBattery)
    assert len(batt) == 1 and batt[0].present
    assert rig.port.battery and rig.port.line_volts > 40 and rig.port.polarity in (1, -1)


def test_absent_chip_is_an_alarm_quoting_the_value_read_and_recovery_backs_off() -> None:
    rig = FxoRig("DE", attach=False)
    events = rig.start()
    assert len(events) == 1 and isinstance(events[0], PortAlarm)
    assert events[0].code is AlarmCode.CHIP_ABSENT
    assert "register 2 read 0xFF, expected 0x03" in events[0].reason
    rig.run(130.0)
    assert rig.take() == events                       # no alarm spam while retrying
    gaps = np.diff([events[0].at, *rig.port.alarms.history]).round(3).tolist()
    assert gaps == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0]


def test_chip_plugged_in_later_is_found_by_recovery() -> None:
    rig = FxoRig("DE", attach=False)
    rig.start()
    rig.run(2.0)
    rig.bus.attach(0, Family.DAA, 0, rig.daa)
    rig.run(3.0)
    assert any(isinstance(e, PortAlarmCleared) for e in rig.take())
    assert not rig.port.in_alarm and rig.daa.link_up


def test_iso_link_timeout_is_a_link_alarm() -> None:
    rig = FxoRig("DE", line_side=False)
    t0 = rig.clock.now()
    events = rig.start()
    assert len(events) == 1 and events[0].code is AlarmCode.LINK_FAILED  # type: ignore[attr-defined]
    assert "register 11" in events[0].reason and "2 s" in events[0].reason  # type: ignore[attr-defined]
    assert rig.clock.now() - t0 == pytest.approx(2.1, abs=0.001)   # 100 ms reset wait + 2 s of polls


def test_unknown_command_is_refused_naming_it() -> None:
    rig = started()
    with pytest.raises(ValueError, match="StartRinging"):
        rig.port.handle(StartRinging(1, RingCadence("x", (1000, 4000))), rig.clock.now())


# --- incoming ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("iso", "standard", "timing"), [
    ("US", CidStandard.BELL202, CidTiming.AFTER_FIRST_RING),
    ("GB", CidStandard.ETSI_V23, CidTiming.BEFORE_RING_LINE_REVERSAL),
    ("DE", CidStandard.ETSI_V23, CidTiming.AFTER_FIRST_RING),
    ("FR", CidStandard.ETSI_V23, CidTiming.BEFORE_RING_RP_AS),
    ("DK", CidStandard.DTMF, CidTiming.BEFORE_RING_LINE_REVERSAL),
    ("RU", CidStandard.DTMF, CidTiming.AFTER_FIRST_RING),
    ("JP", CidStandard.JAPAN, CidTiming.BEFORE_RING_LINE_REVERSAL),
])
@pytest.mark.parametrize("auto", [True, False])
def test_incoming_ring_with_caller_id(iso: str, standard: CidStandard, timing: CidTiming, auto: bool) -> None:
    rig = started(iso, cid_standard=None if auto else standard)
    rig.ex.ring(CallerId(number=NUMBER), cid_standard=standard, cid_timing=timing)
    rig.run(12.0)
    cids = rig.of(LineCallerId)
    assert len(cids) == 1 and cids[0].caller_id.number == NUMBER
    starts = rig.of(LineRingStart)
    assert len(starts) >= 2
    assert rig.port.sig.cid.cid_seen and rig.port.sig.cid.seen_standard is standard


def test_ring_cadence_is_reported_with_each_burst() -> None:
    rig = started("DE")
    rig.ex.ring()
    rig.run(11.0)
    stops = rig.of(LineRingStop)
    assert len(stops) == 2 and all(abs(s.on_ms - 1000) <= 25 for s in stops)
    starts = rig.of(LineRingStart)
    assert starts[1].at - starts[0].at == pytest.approx(5.0, abs=0.03)
    assert rig.of(LineCallerId) == []                 # a call without caller ID still rings


def test_neon_message_waiting_voltage_is_not_a_ring() -> None:
    rig = started("US")
    rig.ex.neon_mwi(True)
    rig.run(10.0)
    assert rig.of(LineRingStart) == []


def test_unanswered_call_ends_8_s_after_the_last_ring() -> None:
    rig = started("DE", exchange={"max_rings": 2})
    rig.ex.ring(CallerId(number=NUMBER))
    rig.run(20.0)
    last_stop = rig.of(LineRingStop)[-1]
    ends = rig.of(LineDisconnect)
    assert len(ends) == 1 and ends[0].method is M.IDLE_LIMIT
    assert 7.9 <= ends[0].at - last_stop.at <= 8.1


def test_answering_trips_the_ring_and_connects() -> None:
    rig = started("DE")
    caller = rig.ex.ring(CallerId(number=NUMBER))
    rig.run_until(lambda: bool(rig.of(LineRingStart)), 5.0)
    rig.handle(Seize(1))
    rig.run(2.0)
    assert caller.answered_at is not None and rig.port.off_hook
    assert rig.port.loop_current_ma > 10.0


# --- outgoing and disconnect -------------------------------------------------------------------
def call_out(rig: FxoRig, *, hangup_after_s: float = 4.0, pulse: bool = False) -> FarParty:
    party = rig.ex.add_party(NUMBER, FarParty(answer_after_rings=1, hangup_after_s=hangup_after_s))
    rig.handle(DialDigits(1, NUMBER, pulse=pulse))
    return party


@pytest.mark.parametrize(("signal", "method", "extra"), [
    ({"battery_drop": True}, M.BATTERY_DROP, {}),
    ({"battery_drop": False, "polarity_reversal": True}, M.POLARITY_REVERSAL, {"reverse_on_answer": True}),
    ({"battery_drop": False, "loop_current_drop": True}, M.LOOP_CURRENT_DROP, {}),
    ({"battery_drop": False, "tone": True}, M.BUSY_TONE, {}),
    ({"battery_drop": False}, M.IDLE_LIMIT, {}),
])
def test_far_end_hang_up_is_detected_by_each_method(signal: dict[str, bool], method: DisconnectMethod,
                                                      extra: dict[str, object]) -> None:
    rig = started("DE", exchange={"disconnect": signal, **extra}, idle_limit_s=12.0)
    party = call_out(rig)
    rig.run_until(lambda: bool(rig.of(LineDisconnect)), 40.0)
    ends = rig.of(LineDisconnect)
    assert [e.method for e in ends] == [method]
    assert party.hung_up_at is not None and ends[0].at >= party.hung_up_at
    if method is M.POLARITY_REVERSAL:               # the answer reversal did not end the call
        assert len(rig.of(LinePolarityReversal)) == 2
    rig.handle(Release(1))
    rig.run(1.0)
    assert not rig.daa.offhook


def test_disconnect_method_not_selected_falls_back_to_the_next() -> None:
    rig = started("DE", exchange={"disconnect": {"battery_drop": True, "tone": True}},
                  disconnect_methods=frozenset({M.BUSY_TONE, M.IDLE_LIMIT}))
    call_out(rig)
    rig.run_until(lambda: bool(rig.of(LineDisconnect)), 30.0)
    assert [e.method for e in rig.of(LineDisconnect)] == [M.BUSY_TONE]


def test_dtmf_digits_dialled_out_are_collected_by_the_exchange() -> None:
    rig = started("DE", wait_for_dial_tone=True)
    call_out(rig)
    rig.run(4.0)
    assert rig.ex.dialled == NUMBER
    assert rig.port.dial_tone_heard


def test_pulse_digits_dialled_out_are_collected_by_the_exchange() -> None:
    rig = started("DE")
    t0 = rig.clock.now()
    rig.handle(DialDigits(1, "305", pulse=True))
    rig.run(6.0)
    assert rig.ex.dialled == "305"
    loop = rig[0].line.loop_log(t0)
    assert loop[0] == (t0, True) and not loop[1][1]           # seized, then the first break after the
    assert loop[1][0] - t0 == pytest.approx(0.503, abs=1e-6)  # 500 ms pre-dial pause (+3 ms OHS2 delay)
    assert loop[2][0] - loop[1][0] == pytest.approx(0.060, abs=1e-6)  # a 60 ms break on the line


def test_hook_flash_reaches_the_exchange() -> None:
    rig = started("DE")
    call_out(rig, hangup_after_s=30.0)
    rig.run(6.0)
    # 120 ms, not the country's 100 ms: the exchange model counts a flash from exactly 100 ms and
    # float time stamps put a 100 ms break a hair below that (reported as a model finding)
    rig.handle(SendHookFlash(1, ms=120))
    rig.run(1.0)
    assert rig.ex.flashes == 1 and rig.port.off_hook
    log = rig[0].line.loop_log(rig.clock.now() - 1.0)
    assert round((log[2][0] - log[1][0]) * 1000) == 120      # OHS2 delay compensated: 120 ms on the line
    assert rig.of(LineDisconnect) == []


# --- faults -------------------------------------------------------------------------------------------
def test_line_unplugged_alarm_and_clear() -> None:
    rig = started("DE")
    t0 = rig.clock.now()
    rig.ex.unplug()
    rig.run(1.5)
    alarms = rig.of(PortAlarm)
    assert len(alarms) == 1 and alarms[0].code is AlarmCode.LINE_UNPLUGGED
    assert alarms[0].at - t0 == pytest.approx(1.0, abs=0.03)
    assert rig.port.in_alarm and rig.port.alarm is alarms[0]
    rig.ex.plug()
    rig.run(1.5)
    assert any(isinstance(e, PortAlarmCleared) for e in rig.take()) and not rig.port.in_alarm


def test_chip_not_answering_is_an_alarm_and_recovers_when_it_answers_again() -> None:
    rig = started("DE")
    rig.daa.spi_fault = True
    rig.run(0.5)
    alarms = rig.of(PortAlarm)
    assert len(alarms) == 1 and alarms[0].code is AlarmCode.CHIP_NOT_ANSWERING
    rig.run(5.0)
    assert len(rig.of(PortAlarm)) == 1
    rig.daa.spi_fault = False
    rig.run(10.0)
    assert any(isinstance(e, PortAlarmCleared) for e in rig.take()) and not rig.port.in_alarm
    assert rig.daa.spi_read(30) == rig.port.s.reg30


def test_chip_reset_is_detected_and_the_chip_reinitialised() -> None:
    rig = started("GB")
    t0 = rig.clock.now()
    rig.daa.inject_reset()
    rig.run(4.0)
    events = rig.take()
    codes = [e.code for e in events if isinstance(e, PortAlarm)]
    assert codes == [AlarmCode.CHIP_RESET]
    assert events[0].at - t0 < 0.03                     # caught on the next scan, not by the 1 s check
    assert not any(isinstance(e, LineBattery) and not e.present for e in events)  # no false line loss
    assert any(isinstance(e, PortAlarmCleared) for e in events)
    assert rig.daa.spi_read(30) == 5 and rig.daa.link_up


def test_a_faulty_port_does_not_disturb_the_other() -> None:
    rig = FxoRig("DE", lines=2)
    rig.start()
    rig.run(0.5)
    rig[0].daa.spi_fault = True
    rig[1].ex.ring(CallerId(number=NUMBER))
    rig.run(6.0)
    assert rig.of(PortAlarm, 0) and not rig.of(PortAlarm, 1)
    assert rig.of(LineRingStart, 1) and rig.of(LineCallerId, 1)


def test_seize_with_the_chip_in_alarm_is_ignored_and_tick_never_raises() -> None:
    rig = started("DE")
    rig.port.shadow.bus.dev.close()                     # the SPI device now raises BusError
    events = rig.port.tick(rig.clock.now() + 0.02)
    assert isinstance(events[0], PortAlarm) and events[0].code is AlarmCode.CHIP_NOT_ANSWERING
    assert rig.port.handle(Seize(1), rig.clock.now()) == []
    rig.run(3.0)                                        # recovery attempts fail quietly
    assert rig.port.in_alarm and not rig.port.off_hook


def test_dtmf_dialled_out_has_the_zone_levels_and_the_configured_timing() -> None:
    rig = started("DE", dtmf_on_ms=80, dtmf_off_ms=120)      # DE zone: low group -11, high -9 dBm0
    rig.handle(DialDigits(1, "159"))
    rig.run(1.5)
    sent = np.concatenate(rig[0].sent)
    loud = np.abs(sent.astype(np.int32)) > 500
    bursts = _bursts(loud)
    assert [round(b / 8) for b in bursts] == [80, 80, 80]
    gaps = np.diff([a for a, _ in _burst_spans(loud)])
    assert [round(g / 8) for g in gaps] == [200, 200]
    first = sent[_burst_spans(loud)[0][0]:][:640]
    assert levels.goertzel_dbm0(first, 697) == pytest.approx(-11.0, abs=0.5)
    assert levels.goertzel_dbm0(first, 1209) == pytest.approx(-9.0, abs=0.5)
    assert rig.ex.dialled == "159"


def _burst_spans(loud: np.ndarray, gap: int = 40) -> list[tuple[int, int]]:
    """(start, end) sample spans of tone bursts; zero crossings shorter than `gap` do not split."""
    idx = np.flatnonzero(loud)
    spans: list[tuple[int, int]] = []
    start = prev = int(idx[0])
    for i in idx[1:].tolist():
        if i - prev > gap:
            spans.append((start, prev + 1))
            start = i
        prev = i
    spans.append((start, prev + 1))
    return spans


def _bursts(loud: np.ndarray) -> list[int]:
    return [b - a for a, b in _burst_spans(loud)]


def test_echo_canceller_removes_the_line_echo_while_off_hook() -> None:
    rig = started("DE", echo_cancel=True, exchange={"true_acim": 0})   # mismatched: strong echo
    rig.ex.add_party(NUMBER, FarParty(answer_after_rings=0))
    rig.handle(DialDigits(1, NUMBER))
    rig.run(4.0)
    rng = np.random.default_rng(5)
    rig[0].source = lambda n: np.clip(rng.standard_normal(n) * levels.dbm0_to_rms(-15.0), -32768,
                                      32767).astype(np.int16)
    rig[0].raw.clear()
    rig[0].rx.clear()
    rig.run(3.0)
    raw = np.concatenate(rig[0].raw[150:])
    out = np.concatenate(rig[0].rx[150:])
    echo, residual = levels.dbm0(raw), levels.dbm0(out)
    assert echo > -40.0                                      # there is echo to cancel
    assert echo - residual > 10.0                            # and most of it is gone


def test_reset_pin_is_pulsed_before_init() -> None:
    rig = FxoRig("DE", reset=True)
    assert rig.start() == []
    assert rig[0].reset is not None and rig[0].reset.history == [True, False, True]
    assert rig.daa.link_up


@pytest.mark.parametrize("iso", ["DE", "US", "JP"])
def test_ring_caller_id_and_pulse_dialling_work_with_the_runtime_10_ms_step(iso: str) -> None:
    rig = FxoRig(iso)
    rig.start()
    rig.run(0.5, grid=True)
    rig.take()
    rig.ex.ring(CallerId(number=NUMBER))
    rig.run(10.0, grid=True)
    assert len(rig.of(LineRingStart)) >= 2 and len(rig.of(LineCallerId)) == 1
    rig.ex.far_hangup()
    rig.run(10.0, grid=True)
    rig.take()
    rig.handle(DialDigits(1, "4071", pulse=True))
    rig.run(6.0, grid=True)
    assert rig.ex.dialled == "4071"


def test_caller_id_switched_off_listens_to_nothing() -> None:
    rig = started("DE", cid_enabled=False)
    rig.ex.ring(CallerId(number=NUMBER))
    rig.run(8.0)
    assert rig.of(LineRingStart) and rig.of(LineCallerId) == []
    assert not rig.port.audio.cid_open
