"""Automatic FXO line calibration as a sans-IO procedure (fact sheet 2.2, 2.5, 2.6, 3.3)."""

# The port feeds observations (dial finished, LVS/loop current, battery and polarity events, ring
# bursts, caller ID, received audio) and executes the actions returned (seize, release, dial, write
# ACIM). Outgoing part (CalibrateLine.number): seize, dial, wait for the answer (polarity reversal,
# or the line quiet longer than any ringback pause), then - far end silent - write each ACIM code,
# let it settle, send the noise probe and measure what comes back: ERL = probe level - returned
# level. Then wait for the far end to hang up and observe for a while every disconnect signal the
# line gives. Incoming part (incoming_wait_s): wait for ringing, measure the cadence, decode caller
# ID with every receiver, answer after some rings, sweep ACIM if not done yet, observe the hang-up.

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from firmware.contracts.callerid import CallerId, CidStandard
from firmware.contracts.ports import DisconnectMethod, LineCalibration
from firmware.drivers.fxo.calmeasure import LevelMeter, NoiseProbe, ToneLearner, ring_period
from firmware.drivers.fxo.calplan import (
    CALL_PHASES,
    TABLE,
    ActionKind,
    CalAction,
    CalEvent,
    CalibrationPlan,
    CalPhase,
)
from firmware.drivers.fxo.calsignals import SignalLog
from firmware.drivers.fxo.fsm import Machine, ms
from firmware.dsp import levels


class LineCalibrator:
    """One calibration run on one port; `result` is set when `done`."""

    def __init__(self, port: int, plan: CalibrationPlan, *, configured_acim: int,
                 loop_threshold_ma: float = 3.3, loop_debounce_ms: int = 80, loop_safe_zone_ms: int = 650,
                 polarity_delay_ms: int = 600, battery_threshold_v: float = 3.0) -> None:
        self.port, self.plan, self.configured_acim = port, plan, configured_acim
        self.fsm: Machine[CalPhase, CalEvent] = Machine("line calibration", port, TABLE, CalPhase.IDLE)
        self.signals = SignalLog(loop_threshold_ma=loop_threshold_ma, loop_debounce_ms=loop_debounce_ms,
                                 loop_safe_zone_ms=loop_safe_zone_ms, polarity_delay_ms=polarity_delay_ms,
                                 battery_threshold_v=battery_threshold_v)
        self.evidence: list[str] = []
        self.answer_on_polarity: bool | None = None
        self.errors: list[str] = []
        self.deadline: float | None = None
        self.quiet_since: float | None = None
        self.erl: dict[int, float] = {}
        self._codes: list[int] = []
        self._code = 0
        self._retries = 0
        self._meter = LevelMeter()
        self._probe = NoiseProbe(plan.probe_level_dbm0)
        self._probe_started = 0.0
        self._learner: ToneLearner | None = None
        self._incoming_pending = plan.incoming_wait_s > 0
        self._noise = levels.MIN_DBM0
        self._dialled_at = 0.0
        self._rings = 0
        self._cadence: tuple[int, ...] = ()
        self.cid_standard: CidStandard | None = None
        self.result: LineCalibration | None = None

    # --- state -----------------------------------------------------------------------------
    @property
    def phase(self) -> CalPhase:
        return self.fsm.state

    @property
    def done(self) -> bool:
        return self.phase is CalPhase.DONE

    @property
    def probing(self) -> bool:
        return self.phase is CalPhase.ACIM_PROBE

    @property
    def next_deadline(self) -> float | None:
        return self.deadline

    def probe(self, n: int) -> npt.NDArray[np.int16] | None:
        """Audio toward the line while a probe is on (replaces normal audio)."""
        return self._probe.generate(n) if self.probing else None

    # --- control ---------------------------------------------------------------------------
    def start(self, now: float) -> list[CalAction]:
        if self.plan.number:
            self.fsm.fire(CalEvent.START_OUT)
            self.signals.new_call(now, outgoing=True, label="outgoing call")
            self.deadline = now + 120.0
            dial = CalAction(ActionKind.DIAL, self.plan.number, self.plan.pulse)
            return [CalAction(ActionKind.SEIZE), dial]
        if self._incoming_pending:
            return self._start_incoming(now)
        self.errors.append("nothing to calibrate: give a test number and/or an incoming wait time")
        self.fsm.fire(CalEvent.FINISH)
        return self._finish(now)

    def abort(self, reason: str, now: float) -> list[CalAction]:
        if self.done:
            return []
        off_hook = self.phase not in (CalPhase.IDLE, CalPhase.IN_WAIT_RING, CalPhase.IN_RINGING,
                                      CalPhase.RELEASED)
        self.errors.append(f"aborted: {reason}")
        self.fsm.fire(CalEvent.ABORT)
        actions = [CalAction(ActionKind.RELEASE)] if off_hook else []
        return actions + self._finish(now)

    def _start_incoming(self, now: float) -> list[CalAction]:
        self.fsm.fire(CalEvent.START_IN if self.phase is CalPhase.IDLE else CalEvent.NEXT_IN)
        self._incoming_pending = False
        self.deadline = now + self.plan.incoming_wait_s
        self.evidence.append(f"waiting up to {self.plan.incoming_wait_s:g} s for an incoming test call")
        return []

    # --- observations --------------------------------------------------------------------------
    def dialed(self, now: float, *, dial_tone: bool) -> None:
        if self.phase is not CalPhase.OUT_DIALING:
            return
        self.fsm.fire(CalEvent.DIALED)
        heard = "after dial tone" if dial_tone else "without hearing dial tone"
        self.evidence.append(f"dialled {self.plan.number} {heard}")
        self._dialled_at = now
        self.quiet_since = now
        self.deadline = now + self.plan.answer_wait_s

    def polarity(self, now: float, onset: float | None = None) -> list[CalAction]:
        if self.phase is CalPhase.OUT_WAIT_ANSWER:
            self.evidence.append(f"polarity reversed {ms(now - self._dialled_at)} ms after dialling: "
                                 "answer supervision")
            self.answer_on_polarity = True
            self.signals.answered(now)
            return self._answered(now)
        if self.signals.polarity(now, now if onset is None else onset):
            return self._signal(now)
        return []

    def battery(self, present: bool, volts: float, now: float, onset: float | None = None) -> list[CalAction]:
        began = now if onset is None else onset
        if not present and self._listening() and self.signals.battery_lost(began, volts):
            return self._signal(now)
        return []

    def line(self, volts: float, loop_ma: float, now: float) -> list[CalAction]:
        if self._listening() and self.signals.loop_current(loop_ma, volts, now):
            return self._signal(now)
        return []

    def audio(self, rx: npt.NDArray[np.int16], now: float) -> list[CalAction]:
        phase = self.phase
        level = levels.dbm0(rx)
        if phase in (CalPhase.OUT_WAIT_ANSWER, CalPhase.QUIET):
            if level > self.plan.quiet_level_dbm0 or self.quiet_since is None:
                self.quiet_since = now
        elif phase is CalPhase.ACIM_SETTLE or (phase is CalPhase.ACIM_PROBE and self._measuring(now)):
            self._meter.add(rx)
        elif phase in (CalPhase.WAIT_HANGUP, CalPhase.OBSERVE) and self._learner is not None:
            tone = self._learner.add(rx, now)
            if tone is not None and self.signals.tone(tone, now):
                return self._signal(now)
        return []

    def _measuring(self, now: float) -> bool:
        return now - self._probe_started >= self.plan.probe_skip_ms / 1000.0

    def ring_started(self, now: float) -> list[CalAction]:
        if self.phase in (CalPhase.IN_WAIT_RING, CalPhase.IN_RINGING):
            self._rings += 1
            self.fsm.fire(CalEvent.RING)
            self.deadline = None
        return []

    def ring_stopped(self, cadence: tuple[int, ...], now: float) -> list[CalAction]:
        if self.phase is not CalPhase.IN_RINGING:
            return []
        self._cadence = cadence
        if self._rings < self.plan.answer_after_rings:
            return []
        self._note_rings()
        self.fsm.fire(CalEvent.ANSWER_CALL)
        self.signals.new_call(now, outgoing=False, label="incoming call")
        self.evidence.append(f"answered the incoming test call after {self._rings} rings")
        self._enter_quiet(now)
        return [CalAction(ActionKind.SEIZE)]

    def caller_id(self, standard: CidStandard, caller_id: CallerId, now: float) -> None:
        if self.cid_standard is None:
            self.cid_standard = standard
            self.evidence.append(f"caller ID received as {standard.value}: {caller_id.display_number()}")

    def call_gone(self, now: float) -> list[CalAction]:
        """The incoming call stopped ringing before we answered."""
        if self.phase is not CalPhase.IN_RINGING:
            return []
        self._note_rings()
        self.evidence.append(f"the caller hung up after {self._rings} rings, before the answer")
        self.fsm.fire(CalEvent.CALL_GONE)
        return self._after_call(now, release=False)

    # --- time ------------------------------------------------------------------------------
    def tick(self, now: float) -> list[CalAction]:
        phase = self.phase
        if phase is CalPhase.OUT_WAIT_ANSWER:
            if self.quiet_since is not None and now - self.quiet_since >= self.plan.answer_quiet_s:
                self.evidence.append(f"line quiet for {self.plan.answer_quiet_s:g} s after dialling: "
                                     "taken as answered")
                self.answer_on_polarity = False
                self.signals.answered(now)
                return self._answered(now)
        elif phase is CalPhase.QUIET:
            return self._quiet_tick(now)
        if self.deadline is None or now < self.deadline:
            return []
        if phase is CalPhase.OUT_DIALING:
            return self.abort("dialling did not finish", now)
        if phase is CalPhase.OUT_WAIT_ANSWER:
            self.errors.append(f"the test call was not answered within {self.plan.answer_wait_s:g} s")
            self.fsm.fire(CalEvent.NO_ANSWER)
            return self._after_call(now)
        if phase is CalPhase.IN_WAIT_RING:
            self.errors.append(f"no incoming test call within {self.plan.incoming_wait_s:g} s")
            self.fsm.fire(CalEvent.NO_RING)
            return self._finish(now)
        if phase is CalPhase.ACIM_SETTLE:
            return self._settled(now)
        if phase is CalPhase.ACIM_PROBE:
            return self._probed(now)
        if phase is CalPhase.WAIT_HANGUP:
            self.evidence.append(f"no disconnect signal within {self.plan.hangup_wait_s:g} s: the line gives "
                                 "none (or the far end stayed on the line)")
            self.fsm.fire(CalEvent.HANGUP_TIMEOUT)
            return self._after_call(now)
        if phase is CalPhase.OBSERVE:
            self.fsm.fire(CalEvent.OBSERVED)
            return self._after_call(now)
        return []

    # --- steps -------------------------------------------------------------------------------
    def _listening(self) -> bool:
        return self.phase in (*CALL_PHASES, CalPhase.OBSERVE, CalPhase.OUT_WAIT_ANSWER)

    def _answered(self, now: float) -> list[CalAction]:
        self.fsm.fire(CalEvent.ANSWERED)
        self._enter_quiet(now)
        return []

    def _enter_quiet(self, now: float) -> None:
        self.quiet_since = now
        self.deadline = now + self.plan.quiet_timeout_s

    def _quiet_tick(self, now: float) -> list[CalAction]:
        if self.erl:
            self.fsm.fire(CalEvent.SKIP_SWEEP)
            return self._wait_hangup(now)
        if self.quiet_since is not None and now - self.quiet_since >= self.plan.quiet_s:
            self.fsm.fire(CalEvent.QUIET_OK)
            self._codes = list(self.plan.acim_codes)
            return self._next_code(now)
        if self.deadline is not None and now >= self.deadline:
            self.evidence.append(f"far end never silent for {self.plan.quiet_s:g} s: ACIM not measured")
            self.fsm.fire(CalEvent.SKIP_SWEEP)
            return self._wait_hangup(now)
        return []

    def _next_code(self, now: float) -> list[CalAction]:
        self._code = self._codes.pop(0)
        self._retries = 0
        self._meter = LevelMeter()
        self.deadline = now + self.plan.settle_ms / 1000.0
        return [CalAction(ActionKind.SET_ACIM, acim=self._code)]

    def _settled(self, now: float) -> list[CalAction]:
        noisy = self._meter.dbm0 > self.plan.quiet_level_dbm0
        if noisy and self._retries < self.plan.settle_retries:
            self._retries += 1
            self.fsm.fire(CalEvent.RETRY)
            self._meter = LevelMeter()
            self.deadline = now + self.plan.settle_ms / 1000.0
            return []
        self.fsm.fire(CalEvent.SETTLED)
        self._noise = self._meter.dbm0
        self._meter = LevelMeter()
        self._probe_started = now
        self.deadline = now + self.plan.probe_ms / 1000.0
        return []

    def _probed(self, now: float) -> list[CalAction]:
        returned = self._meter.dbm0
        erl = round(self.plan.probe_level_dbm0 - returned, 1)
        self.erl[self._code] = erl
        noisy = self._noise > self.plan.quiet_level_dbm0
        note = f" (line not quiet: noise {self._noise:.1f} dBm0)" if noisy else ""
        self.evidence.append(f"ACIM {self._code}: ERL {erl:.1f} dB{note}")
        if self._codes:
            self.fsm.fire(CalEvent.PROBED)
            return self._next_code(now)
        self.fsm.fire(CalEvent.SWEEP_DONE)
        best = max(self.erl, key=lambda c: (self.erl[c], -c))
        self.evidence.append(f"best ACIM {best}: ERL {self.erl[best]:.1f} dB "
                             f"(configured ACIM {self.configured_acim}: "
                             f"{self._erl_text(self.configured_acim)})")
        return [CalAction(ActionKind.SET_ACIM, acim=best), *self._wait_hangup(now)]

    def _erl_text(self, code: int) -> str:
        return f"ERL {self.erl[code]:.1f} dB" if code in self.erl else "not measured"

    def _wait_hangup(self, now: float) -> list[CalAction]:
        self._learner = ToneLearner()
        self.deadline = now + self.plan.hangup_wait_s
        return []

    def _signal(self, now: float) -> list[CalAction]:
        """A disconnect signal was logged: the first one starts the observation window."""
        if self.phase is CalPhase.OBSERVE:
            return []
        self.fsm.fire(CalEvent.SIGNAL)
        if self._learner is None:
            self._learner = ToneLearner()
        self.deadline = now + self.plan.observe_s
        return []

    def _note_rings(self) -> None:
        period = ring_period(self._cadence)
        self._cadence = period
        self.evidence.append(f"ring cadence {'/'.join(str(v) for v in period)} ms "
                             f"(from {self._rings} bursts)")
        if self.cid_standard is None:
            self.evidence.append("no caller ID decoded before the answer (all receivers listened)")

    def _after_call(self, now: float, *, release: bool = True) -> list[CalAction]:
        actions = [CalAction(ActionKind.RELEASE)] if release else []
        self.evidence.extend(self.signals.evidence_for_call())
        self._learner = None
        self.deadline = None
        if self._incoming_pending:
            return actions + self._start_incoming(now)
        self.fsm.fire(CalEvent.FINISH)
        return actions + self._finish(now)

    def _finish(self, now: float) -> list[CalAction]:
        self.deadline = None
        methods = [*self.signals.methods(), DisconnectMethod.IDLE_LIMIT]
        self.evidence.append("idle limit kept on as the safety net for lines that never signal")
        best = max(self.erl, key=lambda c: (self.erl[c], -c)) if self.erl else None
        learnt = self.signals.learnt_tone
        self.result = LineCalibration(
            disconnect_methods=tuple(dict.fromkeys(methods)),
            disconnect_tone=learnt.spec() if learnt else None,
            cid_standard=self.cid_standard,
            acim=best,
            erl_db_by_acim=tuple(sorted(self.erl.items())),
            ring_cadence_ms=self._cadence,
            answer_on_polarity=self.answer_on_polarity,
            evidence=tuple(self.evidence),
            complete=not self.errors,
            error="; ".join(self.errors),
        )
        restore = [CalAction(ActionKind.SET_ACIM, acim=self.configured_acim)] if self.erl else []
        return restore
