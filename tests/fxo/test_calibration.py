"""Line calibration procedure driven with synthetic measurements (sans-IO), plus its measurement helpers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from firmware.contracts.callerid import CallerId, CidStandard
from firmware.contracts.errors import IllegalTransition
from firmware.contracts.ports import DisconnectMethod
from firmware.drivers.fxo.calibration import LineCalibrator
from firmware.drivers.fxo.calmeasure import learn_tone, ring_period
from firmware.drivers.fxo.calplan import ActionKind, CalAction, CalEvent, CalibrationPlan, CalPhase
from firmware.dsp import levels
from firmware.telephony.tones import tone_set
from tests.fxo.conftest import Samples, noise, tone_audio

M = DisconnectMethod
T0 = 200.0
BLOCK = 160  # 20 ms
ERL_TABLE = {code: 8.0 + code for code in range(16)} | {7: 33.0}


class Line:
    """A synthetic line: echo of the probe at the ERL of the selected ACIM, plus whatever `extra` adds."""

    def __init__(self, cal: LineCalibrator) -> None:
        self.cal = cal
        self.t = T0
        self.acim = 0
        self.off_hook = False
        self.actions: list[CalAction] = []
        self.extra: Callable[[int], Samples] = lambda n: noise(n / 8000, -65.0, seed=int(self.t * 50) % 1000)

    def apply(self, actions: list[CalAction]) -> None:
        for a in actions:
            self.actions.append(a)
            if a.kind is ActionKind.SET_ACIM:
                self.acim = a.acim
            elif a.kind is ActionKind.SEIZE:
                self.off_hook = True
            elif a.kind is ActionKind.RELEASE:
                self.off_hook = False

    def run(self, seconds: float) -> None:
        for _ in range(round(seconds * 8000 / BLOCK)):
            self.t = round(self.t + BLOCK / 8000, 6)
            probe = self.cal.probe(BLOCK)
            rx = self.extra(BLOCK).astype(np.float64)
            if probe is not None:
                rx += probe * 10 ** (-ERL_TABLE[self.acim] / 20)
            self.apply(self.cal.audio(np.clip(rx, -32768, 32767).astype(np.int16), self.t))
            self.apply(self.cal.tick(self.t))


def outgoing(plan: CalibrationPlan | None = None) -> tuple[LineCalibrator, Line]:
    plan = plan or CalibrationPlan(number="0800123")
    cal = LineCalibrator(4, plan, configured_acim=3)
    line = Line(cal)
    line.apply(cal.start(T0))
    assert [a.kind for a in line.actions] == [ActionKind.SEIZE, ActionKind.DIAL]
    assert line.actions[1].digits == plan.number
    line.run(2.0)
    cal.dialed(line.t, dial_tone=True)
    line.run(3.0)
    line.apply(cal.polarity(line.t))          # answer supervision
    return cal, line


def test_acim_sweep_finds_the_termination_with_the_best_echo_return_loss() -> None:
    cal, line = outgoing()
    assert cal.phase is CalPhase.QUIET
    line.run(16 * 0.75 + 2.0)
    assert cal.phase is CalPhase.WAIT_HANGUP
    erl = dict(cal.erl)
    assert sorted(erl) == list(range(16))
    assert all(abs(erl[c] - ERL_TABLE[c]) < 0.6 for c in erl)
    assert line.acim == 7                               # best kept for the rest of the call
    assert "ACIM 7: ERL 33.0 dB" in cal.evidence or any(e.startswith("ACIM 7: ERL 3") for e in cal.evidence)
    assert any("best ACIM 7" in e and "configured ACIM 3" in e for e in cal.evidence)


def test_far_end_hang_up_signals_are_learnt_with_times_and_the_tone() -> None:
    cal, line = outgoing()
    line.run(16 * 0.75 + 2.0)
    hang = line.t
    line.apply(cal.battery(False, 0.0, hang + 0.064, onset=hang))
    busy = tone_set("de").busy
    tone = tone_audio(busy, 9.0)
    pos = 0

    def busy_line(n: int) -> Samples:
        nonlocal pos
        out, pos = tone[pos:pos + n], pos + n
        return out

    line.extra = busy_line
    line.run(1.0)
    line.apply(cal.polarity(line.t, onset=line.t - 0.064))
    line.run(8.5)
    assert cal.done and cal.result is not None
    res = cal.result
    assert res.disconnect_methods == (M.BATTERY_DROP, M.POLARITY_REVERSAL, M.BUSY_TONE, M.IDLE_LIMIT)
    assert res.disconnect_tone is not None and res.disconnect_tone.frequencies == (425.0,)
    on, off = (seg.ms for seg in res.disconnect_tone.segments)
    assert abs(on - 480) <= 30 and abs(off - 480) <= 30
    assert res.acim == 7 and res.complete and res.error == ""
    text = "\n".join(res.evidence)
    assert "first disconnect signal: battery dropped to 0 V" in text
    assert "polarity reversed 936 ms after the first signal" in text
    assert "tone 425 Hz 480/480 ms" in text or "tone 425 Hz" in text
    assert line.actions[-2].kind is ActionKind.RELEASE
    assert line.actions[-1] == CalAction(ActionKind.SET_ACIM, acim=3)   # configured value restored


def test_loop_current_drop_counts_only_with_the_battery_still_there() -> None:
    cal, line = outgoing()
    line.run(16 * 0.75 + 2.0)
    for i in range(30):                      # current gone, line voltage still 40 V
        line.apply(cal.line(40.0, 0.0, line.t + i * 0.005))
    assert M.LOOP_CURRENT_DROP in cal.signals.current


def test_current_gone_with_the_battery_is_not_a_separate_loop_current_signal() -> None:
    cal, line = outgoing()
    line.run(16 * 0.75 + 2.0)
    for i in range(30):
        line.apply(cal.line(0.0, 0.0, line.t + i * 0.005))
    assert M.LOOP_CURRENT_DROP not in cal.signals.current


def test_incoming_test_call_measures_cadence_and_caller_id_then_answers() -> None:
    cal = LineCalibrator(1, CalibrationPlan(incoming_wait_s=60.0), configured_acim=5)
    line = Line(cal)
    line.apply(cal.start(T0))
    assert cal.phase is CalPhase.IN_WAIT_RING
    cal.caller_id(CidStandard.ETSI_V23, CallerId(number="01611234567"), T0 + 1.0)
    uk = [400, 200, 400, 2000, 400, 200, 400, 2000]
    cadence: list[int] = []
    t = T0 + 2.0
    for burst in range(4):
        line.apply(cal.ring_started(t))
        cadence.append(uk[2 * burst])
        line.apply(cal.ring_stopped(tuple(cadence), t + uk[2 * burst] / 1000))
        cadence.append(uk[2 * burst + 1])
        t += (uk[2 * burst] + uk[2 * burst + 1]) / 1000
    assert line.actions[-1].kind is ActionKind.SEIZE and cal.phase is CalPhase.QUIET
    line.t = t
    line.run(16 * 0.75 + 2.0)
    for i in range(30):
        line.apply(cal.line(30.0, 1.0, line.t + i * 0.005))
    line.run(9.0)
    res = cal.result
    assert res is not None and res.complete
    assert res.cid_standard is CidStandard.ETSI_V23
    assert res.ring_cadence_ms == (400, 200, 400, 2000)
    assert res.disconnect_methods == (M.LOOP_CURRENT_DROP, M.IDLE_LIMIT)
    assert any("caller ID received as etsi_v23: 01611234567" in e for e in res.evidence)


def test_no_incoming_call_is_an_error_and_no_caller_id_is_reported_as_absent() -> None:
    cal = LineCalibrator(1, CalibrationPlan(incoming_wait_s=5.0), configured_acim=0)
    line = Line(cal)
    line.apply(cal.start(T0))
    line.run(5.1)
    assert cal.result is not None and not cal.result.complete
    assert "no incoming test call within 5 s" in cal.result.error
    assert cal.result.cid_standard is None and cal.result.acim is None


def test_far_end_never_silent_skips_the_sweep_with_evidence() -> None:
    cal, line = outgoing(CalibrationPlan(number="1", quiet_timeout_s=3.0, hangup_wait_s=2.0))
    line.extra = lambda n: noise(n / 8000, -30.0)
    line.run(6.0)
    assert cal.done and cal.result is not None
    assert cal.result.acim is None and cal.result.erl_db_by_acim == ()
    assert any("far end never silent" in e for e in cal.result.evidence)


def test_abort_releases_the_line_and_reports_why() -> None:
    cal, line = outgoing()
    line.apply(cal.abort("released by the call engine", line.t))
    assert line.actions[-1].kind is ActionKind.RELEASE
    assert cal.result is not None and "aborted: released by the call engine" in cal.result.error


def test_unanswered_test_call_ends_with_an_error() -> None:
    cal = LineCalibrator(1, CalibrationPlan(number="2", answer_wait_s=10.0, answer_quiet_s=30.0),
                         configured_acim=0)
    line = Line(cal)
    line.apply(cal.start(T0))
    cal.dialed(T0, dial_tone=False)
    ringback = tone_audio(tone_set("de").ringback, 12.0)
    pos = 0

    def rb(n: int) -> Samples:
        nonlocal pos
        out, pos = ringback[pos:pos + n], pos + n
        return out

    line.extra = rb
    line.run(10.5)
    assert cal.result is not None and "not answered within 10 s" in cal.result.error


def test_calibration_table_refuses_events_out_of_order() -> None:
    cal = LineCalibrator(9, CalibrationPlan(number="1"), configured_acim=0)
    with pytest.raises(IllegalTransition, match="line calibration port 9"):
        cal.fsm.fire(CalEvent.SWEEP_DONE)


# --- measurement helpers -----------------------------------------------------------------------------
def test_ring_period_finds_single_and_double_ring_cadences() -> None:
    assert ring_period([1000, 4000, 995, 4005, 1002]) == (998, 4002)
    assert ring_period([400, 200, 400, 2000, 400, 200, 400, 2000]) == (400, 200, 400, 2000)
    assert ring_period([1000]) == (1000,)


@pytest.mark.parametrize(("zone", "freqs", "on", "off"), [
    ("de", (425.0,), 480, 480), ("us", (480.0, 620.0), 500, 500), ("uk", (400.0,), 375, 375)])
def test_learn_tone_measures_busy_tones(zone: str, freqs: tuple[float, ...], on: int, off: int) -> None:
    tone = learn_tone(tone_audio(tone_set(zone).busy, 4.0))
    assert tone is not None and tone.freqs == freqs
    assert abs(tone.on_ms - on) <= 20 and abs(tone.off_ms - off) <= 20
    assert abs(tone.level_dbm0 - tone_set(zone).busy.level_dbm0) < 1.5


def test_learn_tone_rejects_speech(speech: dict[str, Samples]) -> None:
    talk = speech["en"]
    assert learn_tone(talk[: 4 * 8000]) is None
    assert levels.dbm0(talk) > -20
