"""Scenario tests: an analog handset on an FXS port behaves as on the real box (issue: FXS ports).

Written against the rig interface (tests/scenario/rig.py) so the same scenarios can run on
the hardware rig; steps marked virtual-only inject faults into chip models.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime

import pytest

from firmware.config.model import Config, FxsPortConfig, ModuleConfig
from firmware.contracts.callerid import CallerId, CidAbsence
from firmware.contracts.ports import (
    AlarmCode,
    DigitMethod,
    DigitReceived,
    HookFlash,
    OffHook,
    OnHook,
    PortAlarm,
    PortAlarmCleared,
    SendCallWaiting,
    StartRinging,
    StopRinging,
)
from firmware.telephony.countries import country
from tests.scenario.rig import VirtualRig

WHEN = datetime(2026, 11, 22, 9, 41)


def test_off_hook_and_on_hook_are_reported_once(rig: VirtualRig) -> None:
    h = rig.handset(1)
    h.off_hook()
    rig.wait(0.1)
    assert [type(e) for e in rig.events(1)] == [OffHook]
    h.on_hook()
    rig.wait(2.0)
    assert [type(e) for e in rig.events(1)] == [OffHook, OnHook]


@pytest.mark.parametrize("port", [1, 3])  # Si3215 (software DTMF) and Si3210 (chip decoder)
def test_dtmf_keys_reach_the_driver(rig: VirtualRig, port: int) -> None:
    h = rig.handset(port)
    h.off_hook()
    rig.wait(0.3)
    h.press("0123456789*#")
    rig.wait(3.0)
    digits = rig.events(port, DigitReceived)
    assert "".join(d.digit for d in digits) == "0123456789*#"  # type: ignore[attr-defined]
    expected = DigitMethod.DTMF_SW if port == 1 else DigitMethod.DTMF_HW
    assert {d.method for d in digits} == {expected}  # type: ignore[attr-defined]


def test_rotary_zero_is_ten_pulses_and_digits_are_separated(rig: VirtualRig) -> None:
    h = rig.handset(2)
    h.off_hook()
    rig.wait(0.3)
    h.dial_pulse("0", pps=10, break_ms=60, make_ms=40)
    rig.wait(1.5)
    h.dial_pulse("3")
    rig.wait(1.5)
    digits = rig.events(2, DigitReceived)
    assert [(d.digit, d.method) for d in digits] == [  # type: ignore[attr-defined]
        ("0", DigitMethod.PULSE), ("3", DigitMethod.PULSE)]
    assert not rig.events(2, HookFlash) and not rig.events(2, OnHook)


@pytest.mark.parametrize("break_ms,expected", [(120, HookFlash), (600, HookFlash), (2000, OnHook)])
def test_hook_breaks_are_told_apart(rig: VirtualRig, break_ms: int, expected: type) -> None:
    h = rig.handset(1)
    h.off_hook()
    rig.wait(0.5)
    rig.clear_events()
    h.on_hook()
    rig.wait(break_ms / 1000)
    h.off_hook()
    rig.wait(2.0)
    kinds = [type(e) for e in rig.events(1)]
    if expected is HookFlash:
        assert kinds == [HookFlash]
    else:
        assert kinds == [OnHook, OffHook]


def measured_cadence(rig: VirtualRig, port: int, since: float) -> list[int]:
    """On/off durations (ms) of the RINGING linefeed from the chip model's linefeed history."""
    log = [(t, lf) for t, lf in rig.chip(port).linefeed_log if t >= since]
    edges: list[float] = []
    ringing = False
    for t, lf in log:
        if (lf == 4) != ringing:
            ringing = lf == 4
            edges.append(t)
    return [round((b - a) * 1000) for a, b in itertools.pairwise(edges)]


@pytest.mark.parametrize("iso", ["DE", "RU", "PL", "GB", "US"])
def test_ring_cadence_per_country(make_rig: type[VirtualRig], iso: str) -> None:
    rig = make_rig(Config(country=iso, fxs=[FxsPortConfig(port=1, caller_id="off")]))
    cadence = country(iso).ring_cadence
    start = rig.now()
    rig.command(StartRinging(1, cadence))
    rig.wait(2.2 * cadence.period_ms / 1000)
    got = measured_cadence(rig, 1, start)
    want = list(cadence.pattern) * 2
    assert len(got) >= len(want) - 1
    for g, w in zip(got, want):
        assert abs(g - w) <= 25, (got, want)
    # the handset's own ringer saw the same bursts on the line
    bursts = rig.handset(1).ring_bursts(since=start)
    assert abs((bursts[0][1] - bursts[0][0]) * 1000 - cadence.pattern[0]) <= 25
    rig.command(StopRinging(1))
    rig.wait(0.5)
    assert not rig.handset(1).ringing


def test_answering_while_ringing_trips_the_ring(rig: VirtualRig) -> None:
    rig.command(StartRinging(1, country("DE").ring_cadence))
    rig.wait(0.5)
    assert rig.handset(1).ringing
    rig.handset(1).off_hook()
    rig.wait(0.2)
    assert not rig.handset(1).ringing
    assert rig.events(1, OffHook)


CID_CASES = [
    ("US", "bell202", "after_first_ring", "mdmf"),
    ("US", "bell202", "after_first_ring", "sdmf"),
    ("DE", "etsi_v23", "after_first_ring", "mdmf"),
    ("DE", "etsi_v23", "after_first_ring", "sdmf"),
    ("GB", "etsi_v23", "before_ring_lr", "mdmf"),
    ("FR", "etsi_v23", "before_ring_rp_as", "mdmf"),
    ("RU", "dtmf", "before_ring_lr", "mdmf"),
]


@pytest.mark.parametrize("iso,standard,timing,fmt", CID_CASES)
def test_caller_id_is_shown_on_the_handset(make_rig: type[VirtualRig], iso: str, standard: str,
                                           timing: str, fmt: str) -> None:
    port_cfg = FxsPortConfig(port=1, caller_id=standard, caller_id_timing=timing,  # type: ignore[arg-type]
                             caller_id_format=fmt)  # type: ignore[arg-type]
    rig = make_rig(Config(country=iso, fxs=[port_cfg]))
    cid = CallerId(number="4930123456", name="Anna Schmidt", when=WHEN)
    rig.command(StartRinging(1, country(iso).ring_cadence, cid))
    rig.wait(12.0)
    shown = rig.handset(1).display
    assert shown, "nothing on the caller-ID display"
    got = shown[-1].caller_id
    assert got.number == "4930123456"
    if standard != "dtmf" and fmt == "mdmf":
        assert got.name == "Anna Schmidt"
    assert not shown[-1].call_waiting


@pytest.mark.parametrize("absence", [CidAbsence.PRIVATE, CidAbsence.UNAVAILABLE])
def test_withheld_number_shows_the_reason(make_rig: type[VirtualRig], absence: CidAbsence) -> None:
    rig = make_rig(Config(country="DE", fxs=[FxsPortConfig(port=1, caller_id="etsi_v23")]))
    cid = CallerId(number_absence=absence, name_absence=absence, when=WHEN)
    rig.command(StartRinging(1, country("DE").ring_cadence, cid))
    rig.wait(8.0)
    got = rig.handset(1).display[-1].caller_id
    assert got.number is None and got.number_absence is absence


def test_call_waiting_caller_id_is_acknowledged_and_shown(make_rig: type[VirtualRig]) -> None:
    rig = make_rig(Config(country="US", fxs=[FxsPortConfig(port=1, caller_id="bell202")]))
    h = rig.handset(1)
    h.off_hook()
    rig.wait(0.5)
    rig.command(SendCallWaiting(1, CallerId(number="2125550100", name="J SMITH", when=WHEN)))
    rig.wait(3.0)
    entries = [e for e in h.display if e.call_waiting]
    assert entries and entries[-1].caller_id.number == "2125550100"
    assert entries[-1].caller_id.name == "J SMITH"


def test_call_waiting_without_acknowledgement_sends_no_spill(make_rig: type[VirtualRig]) -> None:
    rig = make_rig(Config(country="US", fxs=[FxsPortConfig(port=1, caller_id="bell202")]))
    h = rig.handset(1)
    h.cid_ack_digit = None  # an old phone that cannot show call-waiting caller ID
    h.off_hook()
    rig.wait(0.5)
    rig.command(SendCallWaiting(1, CallerId(number="2125550100", when=WHEN)))
    rig.wait(3.0)
    assert not [e for e in h.display if e.call_waiting]


def test_absent_chip_is_an_alarm_quoting_the_value_and_others_work() -> None:
    rig = VirtualRig(absent_ports=frozenset({3}))
    alarms = rig.events(3, PortAlarm)
    assert alarms and alarms[0].code is AlarmCode.CHIP_ABSENT  # type: ignore[attr-defined]
    assert "read 0xFF" in alarms[0].reason  # type: ignore[attr-defined]
    for port in (1, 2, 4):
        assert not rig.events(port, PortAlarm)
        rig.handset(port).off_hook()
    rig.wait(0.2)
    assert {e.port for e in rig.events(kind=OffHook)} == {1, 2, 4}


def test_transient_power_alarm_is_recovered_without_an_alarm(rig: VirtualRig) -> None:
    rig.wait(0.5)
    rig.chip(2).inject_power_alarm()
    rig.wait(1.0)
    assert not rig.events(2, PortAlarm)
    rig.handset(2).off_hook()
    rig.wait(0.2)
    assert rig.events(2, OffHook)


def test_persistent_power_alarm_puts_only_that_port_in_alarm(rig: VirtualRig) -> None:
    rig.wait(0.5)
    rig.chip(2).inject_power_alarm(persistent=True)
    rig.wait(10.0)
    alarms = rig.events(2, PortAlarm)
    assert alarms and alarms[-1].code is AlarmCode.POWER_ALARM  # type: ignore[attr-defined]
    rig.handset(1).off_hook()
    rig.wait(0.2)
    assert rig.events(1, OffHook)
    rig.chip(2).clear_power_alarm()
    rig.wait(90.0)
    assert rig.events(2, PortAlarmCleared)


def test_spi_fault_on_one_port_leaves_the_others_working(rig: VirtualRig) -> None:
    rig.wait(0.5)
    rig.chip(2).spi_fault = True
    rig.wait(1.0)
    alarms = rig.events(2, PortAlarm)
    assert alarms and alarms[0].code is AlarmCode.CHIP_NOT_ANSWERING  # type: ignore[attr-defined]
    for port in (1, 3, 4):
        rig.handset(port).off_hook()
    rig.wait(0.2)
    assert {e.port for e in rig.events(kind=OffHook)} == {1, 3, 4}
    rig.chip(2).spi_fault = False
    rig.wait(5.0)
    assert rig.events(2, PortAlarmCleared)


def test_daisy_chained_proslics_work_like_separate_chip_selects(make_rig: type[VirtualRig]) -> None:
    base = Config()
    modules = [ModuleConfig(port=i, type="fxs", chip="si3215", cs=0, position=i - 1) for i in (1, 2, 3)]
    cfg = replace(base, board=replace(base.board, daisy_chain=True, modules=modules))
    rig = make_rig(cfg)
    assert not rig.events(kind=PortAlarm)
    rig.handset(3).off_hook()
    rig.wait(0.2)
    assert [e.port for e in rig.events(kind=OffHook)] == [3]


def test_line_audio_can_be_recorded_to_wav_and_a_wav_played_into_it(rig: VirtualRig, tmp_path) -> None:
    """Virtual-only: a WAV played onto port 1's pair reaches the PCM slot; the pair records to WAV."""
    from firmware.drivers.sim.wavio import read_wav, write_wav
    from firmware.dsp.levels import dbm0, dominant_frequency, tone

    source = tmp_path / "in.wav"
    write_wav(source, tone(1000.0, -10.0, 16000))  # 2 s, longer than the 1.2 s we listen
    heard: list = []
    rig.analog.loop.taps[1] = lambda clean, ref: heard.append(clean.copy())
    rig.handset(1).off_hook()
    rig.wait(0.3)
    line = rig.board.line(1)
    line.start_recording()
    line.play_wav(source, toward="feed")
    rig.wait(1.2)
    recorded = line.stop_recording(tmp_path / "line.wav")
    import numpy as np

    pcm = np.concatenate(heard)
    assert abs(dominant_frequency(pcm[-4000:]) - 1000.0) < 5
    assert abs(dbm0(pcm[-4000:]) + 10.0) < 1.0
    on_disk = read_wav(tmp_path / "line.wav")
    assert len(recorded) >= 9000 and len(on_disk) == len(recorded)
    assert abs(dominant_frequency(recorded[-4000:, 1]) - 1000.0) < 5
