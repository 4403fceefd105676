"""Virtual exchange (CO) line, the FEEDING end of an FXO line (fact sheet 2.5, 2.6, 3.1-3.6, 4; EN 300 659-1).

Like a real exchange it only looks at the pair's loop state and at the audio the box sends. Idle: battery
and line noise (`neon_mwi`, `unplug`/`plug`, exchange_feed). Incoming: `ring(...)` rings with the
country cadence and sends caller ID at the chosen timing (exchange_plan) until ring trip or
`max_rings`. Outgoing: a seized loop gets dial tone, DTMF and pulse digits collect into `dialled`
(exchange_digits) and the complete number is routed to `add_party(number, party)` (unknown ->
congestion, busy party -> busy, else ringback until the party answers). A connected party plays its
audio, records what it hears and hangs up on a timer or `far_hangup()`; the clear is signalled per
`disconnect`. The box hanging up (loop open > `clear_ms`) releases the call; shorter breaks while
connected are hook flashes. What the box sends comes back as hybrid echo (exchange_echo, reg 30).
`tick(now)` runs supervision and timers; the board calls it before each audio block.

[unverified] model choices (one table; the feed, plan and echo modules list their own):

| Behaviour | Model choice |
|---|---|
| clear detection | loop open for `clear_ms` (800 ms); 100 ms up to that is a hook flash |
| answer after N rings (outgoing) | at the end of the Nth burst of the country ring cadence |
| no battery | the line carries no audio (tones, party audio, echo and noise are muted) |
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping

import numpy as np
import numpy.typing as npt

from firmware.contracts.callerid import CallerId, CidFormat, CidStandard, CidTiming
from firmware.contracts.clock import Clock
from firmware.contracts.ports import RingCadence
from firmware.drivers.sim.exchange_digits import DigitCollector
from firmware.drivers.sim.exchange_echo import ClipMixer, EchoPath, LineNoise
from firmware.drivers.sim.exchange_feed import FeedControl, ring_hz_for
from firmware.drivers.sim.exchange_party import CallState as State
from firmware.drivers.sim.exchange_party import DisconnectSignal, FarParty, Numbering, PartySource
from firmware.drivers.sim.exchange_plan import RATE, Step, Timers, incoming_plan, spill_audio
from firmware.drivers.sim.line import TwoWireLine
from firmware.dsp.tones import ToneGenerator
from firmware.telephony.countries import country as lookup_country
from firmware.telephony.timing import DEFAULT_TIMING
from firmware.telephony.tones import ToneSet

_TONE_OF = {State.DIAL_TONE: "dial", State.RINGBACK: "ringback", State.BUSY: "busy",
            State.CONGESTION: "congestion"}
_OFF_HOOK_STATES = frozenset(State) - {State.IDLE, State.ALERTING}


class VirtualExchange:
    def __init__(self, clock: Clock, line: TwoWireLine, *, country: str = "DE", battery_volts: float = 48.0,
                 feed_ohms: float = 400.0, current_limit_ma: float = 60.0, ring_vrms: float = 75.0,
                 ring_hz: float | None = None, true_acim: int | None = None,
                 termination: Callable[[], int] | None = None, echo_delay_ms: float = 4.0,
                 noise_dbm0: float | None = -65.0, numbering: Numbering | None = None,
                 disconnect: DisconnectSignal | Mapping[str, object] | None = None,
                 reverse_on_answer: bool = False, max_rings: int = 10, clear_ms: int = 800,
                 cid_level_dbm0: float = -13.0, neon_volts: float = 90.0, tones: ToneSet | None = None,
                 cadence: RingCadence | None = None, seed: int = 1) -> None:
        self.clock = clock
        self.line = line
        self.country = lookup_country(country)
        self.tones = tones or self.country.tones
        self.cadence = cadence or self.country.ring_cadence
        self.true_acim = self.country.daa.acim if true_acim is None else true_acim
        self.disconnect = DisconnectSignal.coerce(disconnect)
        self.reverse_on_answer = reverse_on_answer
        self.max_rings, self.clear_ms, self.cid_level_dbm0 = max_rings, clear_ms, cid_level_dbm0
        self.state = State.IDLE
        self.flashes = 0
        self.missed_calls = 0
        self.log: list[tuple[float, str]] = []
        self.timers = Timers()
        self.dc = FeedControl(line, battery_volts=battery_volts, feed_ohms=feed_ohms,
                              current_limit_ma=current_limit_ma, ring_vrms=ring_vrms,
                              ring_hz=ring_hz or ring_hz_for(self.country.tone_zone),
                              neon_volts=neon_volts, idle=lambda: self.state is State.IDLE)
        self._parties: dict[str, FarParty] = {}
        self.digits = DigitCollector(numbering or Numbering(), self.timers, on_digit=self._on_digit,
                                     on_complete=self._route, known_numbers=lambda: self._parties.keys())
        self._termination = termination
        self._echo = EchoPath(self.true_acim, echo_delay_ms)
        self._noise = LineNoise(noise_dbm0, seed)
        self._party: FarParty | None = None
        self._source: PartySource | None = None
        self._tone: ToneGenerator | None = None
        self._clips = ClipMixer()
        self._plan: Iterator[Step] = iter(())
        self._plan_t0 = 0.0
        self._open_t = float("-inf")
        self._now = clock.now()
        self._ticked = False
        self._loop_t, self._loop_state = float("-inf"), False
        self.dc.apply(self._now)

    # --- wiring and observation ----------------------------------------------------------------------
    def attach_daa(self, daa: object) -> None:
        """Read the DAA's AC termination (its `acim`, reg 30) for the echo path."""
        self._termination = lambda: int(getattr(daa, "acim", 0))

    @property
    def erl_db(self) -> float:
        """Echo return loss the box sees with its current AC termination."""
        self._echo.term_acim = self._term_acim()
        return self._echo.erl_db

    @property
    def dialled(self) -> str:
        """Digits collected on the current (or last) outgoing call."""
        return self.digits.dialled

    @property
    def party(self) -> FarParty | None:
        """The party of the current (or last) call."""
        return self._party

    @property
    def plugged(self) -> bool:
        return self.dc.plugged

    # --- test / panel controls -----------------------------------------------------------------------
    def add_party(self, number: str, party: FarParty | None = None) -> FarParty:
        party = party or FarParty(name=number)
        self._parties[number] = party
        return party

    def ring(self, caller_id: CallerId | None = None, *, cid_standard: CidStandard | None = None,
             cid_timing: CidTiming | None = None, cid_format: CidFormat = CidFormat.MDMF,
             cadence: RingCadence | None = None, answer_party: FarParty | None = None,
             max_rings: int | None = None) -> FarParty:
        """Offer an incoming call; returns the calling party (who talks when the box answers)."""
        if self.state is not State.IDLE or not self.dc.plugged:
            raise RuntimeError(f"cannot ring: line is {self.state.value if self.dc.plugged else 'unplugged'}")
        now = self._time()
        party = answer_party or FarParty(name="caller", caller_id=caller_id)
        party.answered_at = party.hung_up_at = party.released_at = None
        party.rings = 0
        cid = caller_id or party.caller_id
        standard = cid_standard or self.country.cid.standard
        timing = cid_timing or self.country.cid.timing
        level = self.cid_level_dbm0
        spill = None if cid is None else spill_audio(cid, standard, cid_format, level_dbm0=level)
        self._party, self.state = party, State.ALERTING
        rings = max_rings or self.max_rings
        self._plan = incoming_plan(cadence or self.cadence, rings, spill, timing, standard)
        self._plan_t0 = now
        self._note(now, f"incoming call {cid.display_number() if cid else '(no caller ID)'} [{timing.value}]")
        self._schedule_step()
        return party

    def far_hangup(self) -> None:
        """The far party hangs up now (or the caller abandons an unanswered call)."""
        self._far_hangup(self._time())

    def neon_mwi(self, on: bool) -> None:
        """Steady neon-lamp message-waiting voltage on the idle line (not a ring)."""
        self.dc.neon = on
        self.dc.apply(self._time())

    def unplug(self) -> None:
        now = self._time()
        if self._party is not None and self.state is not State.IDLE and self._party.released_at is None:
            self._party.hung_up_at = now
        self._reset_call(now)
        self.dc.plugged = False
        self.dc.apply(now)
        self._note(now, "unplugged")

    def plug(self) -> None:
        now = self._time()
        self.dc.plugged = True
        self.dc.apply(now)
        self._note(now, "plugged")
        if self.line.loop_closed(now) and self.state is State.IDLE:
            self._seize(now)

    # --- time ----------------------------------------------------------------------------------------
    def tick(self, now: float) -> None:
        """Run loop supervision and timers up to `now` (the end of the next audio block)."""
        self._now = max(now, self._now)
        self._ticked = True
        while True:
            change = self._next_loop_change(self._now)
            due = self.timers.next_time()
            if change is not None and change[0] <= due:
                self._loop_t, self._loop_state = change
                self._on_loop(*change)
            elif due <= self._now:
                at, callback = self.timers.pop()
                callback(at)
            else:
                break

    def _time(self) -> float:
        return max(self.clock.now(), self._now)

    def _next_loop_change(self, now: float) -> tuple[float, bool] | None:
        for t, closed in self.line.loop_log(self._loop_t):
            if t > now:
                return None
            if t >= self._loop_t and closed != self._loop_state:
                return t, closed
        actual = self.line.loop_closed(now)
        return (now, actual) if actual != self._loop_state else None

    # --- LineEnd (feeding end) -------------------------------------------------------------------------
    def line_out(self, n: int) -> npt.NDArray[np.int16]:
        if not self._ticked:
            self.tick(self.clock.now())
        self._echo.term_acim = self._term_acim()
        echo = self._echo.render(n)
        if not self.dc.live:
            return np.zeros(n, np.int16)
        out = echo + self._noise.render(n) + self._clips.render(self._now - n / RATE, n)
        if self._tone is not None:
            out += self._tone.generate(n)
        if self._source is not None:
            out += self._source.render(n)
        return np.clip(np.rint(out), -32768, 32767).astype(np.int16)

    def line_in(self, block: npt.NDArray[np.int16]) -> None:
        self._echo.push(block)
        if self.state in (State.DIAL_TONE, State.DIALLING):
            self.digits.hear(self._now, block)
        if self._source is not None:
            self._source.hear(block)
        self._ticked = False

    def _term_acim(self) -> int:
        return self._termination() & 0x0F if self._termination is not None else 0

    # --- loop supervision ------------------------------------------------------------------------------
    def _on_loop(self, t: float, closed: bool) -> None:
        if closed:
            if self.state is State.IDLE:
                if self.dc.plugged:
                    self._seize(t)
            elif self.state is State.ALERTING:
                self._answer(t)
            else:
                self._end_break(t)
        elif self.state in _OFF_HOOK_STATES:
            self._open_t = t
            self.timers.add(t + self.clear_ms / 1000, "clear", self._release)

    def _end_break(self, t: float) -> None:
        self.timers.cancel("clear")
        ms = round((t - self._open_t) * 1000, 3)  # float time stamps: a 100 ms break must not read 99.99
        if self.state in (State.DIAL_TONE, State.DIALLING) and self.digits.loop_break(t, ms):
            self._set_state(State.DIALLING)
        elif ms >= DEFAULT_TIMING.pulse_break_max_ms:
            self.flashes += 1
            self._note(t, f"hook flash {ms:.0f} ms")

    def _seize(self, t: float) -> None:
        self._party = None
        self.digits.reset()
        self._note(t, "seized")
        self._set_state(State.DIAL_TONE)
        self.dc.apply(t)  # a neon-MWI voltage gives way to the talk battery

    def _release(self, t: float) -> None:
        party = self._party
        if party is not None and party.released_at is None and party.hung_up_at is None:
            party.released_at = t
        self._note(t, "box hung up")
        self._reset_call(t)

    def _reset_call(self, t: float) -> None:
        self.timers.cancel("clear", "answer", "far_hangup", "plan", "restore", "tone")
        self.digits.stop()
        self._clips.clear()
        self._set_state(State.IDLE)
        self._close_source()
        self.dc.reset(t)

    # --- outgoing calls --------------------------------------------------------------------------------
    def _on_digit(self, t: float, digit: str) -> None:
        self._note(t, f"digit {digit}")
        self._set_state(State.DIALLING)

    def _route(self, t: float) -> None:
        if self.state is not State.DIALLING or self.digits.pulse_in_progress:
            return
        self.digits.stop()
        number = self.dialled
        party = self._parties.get(number)
        self._party = party
        if party is None:
            self._note(t, f"{number}: unknown number")
            self._set_state(State.CONGESTION)
            return
        if party.busy:
            self._note(t, f"{number}: busy")
            self._set_state(State.BUSY)
            return
        self._note(t, f"{number}: ringing {party.name}")
        party.answered_at = party.hung_up_at = party.released_at = None
        party.rings = 0
        self._set_state(State.RINGBACK)
        rings = party.answer_after_rings
        if rings is not None:
            on_ms, period_ms = self.cadence.pattern[0], self.cadence.period_ms
            delay = 0.0 if rings <= 0 else ((rings - 1) * period_ms + on_ms) / 1000
            self.timers.add(t + delay, "answer", self._far_answer)

    def _far_answer(self, t: float) -> None:
        assert self._party is not None
        self._party.rings = self._party.answer_after_rings or 0
        self._connect(t, self._party)

    # --- incoming calls --------------------------------------------------------------------------------
    def _schedule_step(self) -> None:
        step = next(self._plan, None)
        if step is not None:
            self.timers.add(self._plan_t0 + step.at, "plan", functools.partial(self._step, step))

    def _step(self, step: Step, t: float) -> None:
        if step.kind == "give_up":
            self.missed_calls += 1
            if self._party is not None:
                self._party.hung_up_at = t
            self._note(t, "caller gave up")
            self._reset_call(t)
            return
        if step.kind == "audio" and step.audio is not None:
            self._clips.add(t, step.audio)
        elif step.kind in ("ring_on", "ring_off"):
            self.dc.ringing = step.kind == "ring_on"
            if self.dc.ringing and self._party is not None:
                self._party.rings += 1
        elif step.kind in ("reverse", "normal"):
            self.dc.reversed = step.kind == "reverse"
        self.dc.apply(t)
        self._schedule_step()

    def _answer(self, t: float) -> None:
        self.timers.cancel("plan")
        self._clips.clear()
        self.dc.ringing = self.dc.reversed = False
        assert self._party is not None
        self._connect(t, self._party)

    # --- connected / clearing --------------------------------------------------------------------------
    def _connect(self, t: float, party: FarParty) -> None:
        party.answered_at = t
        self._note(t, f"answered ({party.name})")
        self._set_state(State.CONNECTED)
        if self.reverse_on_answer:
            self.dc.reversed = not self.dc.reversed
        self.dc.apply(t)
        self._source = PartySource(party)
        if party.hangup_after_s is not None:
            self.timers.add(t + party.hangup_after_s, "far_hangup", self._far_hangup)

    def _far_hangup(self, t: float) -> None:
        party = self._party
        if party is None or self.state not in (State.ALERTING, State.CONNECTED):
            return
        party.hung_up_at = t
        if self.state is State.ALERTING:
            self._note(t, "caller abandoned")
            self._reset_call(t)
            return
        self._close_source()
        self._set_state(State.CLEARED)
        self._note(t, "far end hung up")
        tone_at = self.dc.signal_clear(t, self.disconnect, self.timers)
        if self.disconnect.tone and tone_at is not None:
            self.timers.add(tone_at, "tone", lambda _t: self._start_tone("busy"))

    # --- helpers -----------------------------------------------------------------------------------------
    def _set_state(self, state: State) -> None:
        if state is self.state:
            return
        self.state = state
        role = _TONE_OF.get(state)
        if role is None:
            self._stop_tone()
        else:
            self._start_tone(role)

    def _start_tone(self, role: str) -> None:
        self._stop_tone()
        self._tone = ToneGenerator(self.tones.by_role(role))

    def _stop_tone(self) -> None:
        if self._tone is not None:
            self._tone.close()
            self._tone = None

    def _close_source(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None

    def _note(self, t: float, text: str) -> None:
        self.log = [*self.log[-1999:], (t, text)]
