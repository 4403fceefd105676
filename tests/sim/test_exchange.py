"""Virtual exchange line behind a Si3050 DAA model: everything is observed the way the box would, through
raw 3-byte SPI frames and the PCM highway (plus the line's feed log for cadences)."""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from firmware.contracts.callerid import CallerId, CidFormat, CidStandard, CidTiming
from firmware.contracts.clock import FakeClock
from firmware.contracts.tones import parse_tone
from firmware.drivers.sim.exchange import State, VirtualExchange
from firmware.drivers.sim.exchange_party import FarParty, Numbering
from firmware.drivers.sim.line import TwoWireLine
from firmware.drivers.sim.pcm import VirtualPcmHighway
from firmware.drivers.sim.si3050 import Si3050Model
from firmware.drivers.sim.spi import Family, VirtualSpiBus
from firmware.drivers.sim.wavio import write_wav
from firmware.dsp import g711
from firmware.dsp.callerid import CidReceiver
from firmware.dsp.dtmf import DtmfSender
from firmware.dsp.levels import dbm0, dominant_frequency, goertzel_dbm0, spectrum_peaks

SLOT = 4
BLOCK = 80
Source = Callable[[int], npt.NDArray[np.int16]]


class Rig:
    """Exchange -> line -> DAA -> PCM slot 4, the box side driven through SPI frames and the highway."""

    def __init__(self, country: str = "DE", acim: int = 0, **exchange: object) -> None:
        self.clock = FakeClock()
        self.line = TwoWireLine(self.clock, name="fxo")
        self.highway = VirtualPcmHighway()
        self.daa = Si3050Model(self.clock, line=self.line, highway=self.highway)
        self.ex = VirtualExchange(self.clock, self.line, country=country, **exchange)  # type: ignore[arg-type]
        self.ex.attach_daa(self.daa)
        self.line.connect(self.ex, self.daa)
        self.bus = VirtualSpiBus(self.clock)
        self.bus.attach(0, Family.DAA, 0, self.daa)
        self.blocks: list[tuple[float, npt.NDArray[np.int16]]] = []   # (block end time, audio the box got)
        for reg, value in ((33, 0x28), (34, SLOT * 8), (36, SLOT * 8), (30, acim), (6, 0x00)):
            self.write(reg, value)
        self.run(0.3)
        self.write(5, 0x08)  # on-hook, line monitor on (caller ID)

    def write(self, reg: int, value: int) -> None:
        self.bus.transfer(0, bytes([0x20, reg, value]))

    def read(self, reg: int) -> int:
        return self.bus.transfer(0, bytes([0x60, reg, 0]))[2]

    def lvs(self) -> int:
        raw = self.read(29)
        return raw - 256 if raw & 0x80 else raw

    def run(self, seconds: float, send: Source | None = None,
            each: Callable[[], None] | None = None) -> None:
        for _ in range(round(seconds * 100)):
            now = self.clock.advance(0.01)
            self.ex.tick(now)
            if send is not None:
                self.highway.driver_write(SLOT, g711.encode(send(BLOCK), g711.Law.MULAW))
            self.line.exchange(BLOCK)
            got = g711.decode(self.highway.driver_read(SLOT, 10_000), g711.Law.MULAW)
            self.blocks.append((now, got))
            if each is not None:
                each()

    def heard(self, seconds: float) -> npt.NDArray[np.int16]:
        """The last `seconds` of audio the box received."""
        n = round(seconds * 100)
        return np.concatenate([b for _, b in self.blocks[-n:]])

    def heard_since(self, t: float) -> tuple[float, npt.NDArray[np.int16]]:
        """Audio from the block that ends after `t`, with the time of its first sample."""
        chosen = [(end, b) for end, b in self.blocks if end > t]
        return chosen[0][0] - 0.01, np.concatenate([b for _, b in chosen])

    def off_hook(self) -> None:
        self.write(5, 0x09)

    def on_hook(self) -> None:
        self.write(5, 0x08)

    def dial_pulses(self, number: str, brk: float = 0.06, make: float = 0.04, gap: float = 0.7) -> None:
        for digit in number:
            for _ in range(int(digit) or 10):
                self.on_hook()
                self.run(brk)
                self.off_hook()
                self.run(make)
            self.run(gap)

    def ringing_intervals(self, since: float = float("-inf")) -> list[tuple[float, float]]:
        log = self.line.feed_log(since)
        out, start = [], None
        for t, feed in log:
            if feed.ringing and start is None:
                start = t
            elif not feed.ringing and start is not None:
                out.append((start, t))
                start = None
        return out


def tone_source(freq: float, level_dbm0: float = -15.0) -> Source:
    state = {"n": 0}
    amp = 16192.7 * 10 ** (level_dbm0 / 20) * np.sqrt(2)

    def gen(n: int) -> npt.NDArray[np.int16]:
        t = (state["n"] + np.arange(n)) / 8000
        state["n"] += n
        return np.round(amp * np.sin(2 * np.pi * freq * t)).astype(np.int16)
    return gen


def samples_source(samples: npt.NDArray[np.int16]) -> Source:
    state = {"pos": 0}

    def gen(n: int) -> npt.NDArray[np.int16]:
        out = np.zeros(n, np.int16)
        chunk = samples[state["pos"]:state["pos"] + n]
        out[: len(chunk)] = chunk
        state["pos"] += n
        return out
    return gen


def on_off_ms(audio: npt.NDArray[np.int16], threshold_dbm0: float = -35.0,
              keep_first: bool = False) -> list[tuple[bool, int]]:
    """Run lengths (tone on?, ms) of 10 ms frames above/below a level; the last run (and unless
    `keep_first` the first, usually cut) dropped."""
    frames = audio[: len(audio) // 80 * 80].reshape(-1, 80)
    on = [dbm0(f) > threshold_dbm0 for f in frames]
    runs: list[tuple[bool, int]] = []
    for flag in on:
        if runs and runs[-1][0] == flag:
            runs[-1] = (flag, runs[-1][1] + 10)
        else:
            runs.append((flag, 10))
    return runs[0 if keep_first else 1:-1]


# --- outgoing calls ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("country", "freqs"), [("DE", [425.0]), ("US", [350.0, 440.0]), ("FR", [440.0])])
def test_dial_tone_on_seize(country: str, freqs: list[float]) -> None:
    rig = Rig(country)
    rig.run(0.5)
    assert dbm0(rig.heard(0.5)) < -50              # idle line: only noise, even with the line monitor on
    assert rig.lvs() > 40
    rig.off_hook()
    rig.run(1.0)
    assert rig.ex.state is State.DIAL_TONE
    peaks = sorted(f for f, _ in spectrum_peaks(rig.heard(0.8), count=len(freqs)))
    assert peaks == pytest.approx(freqs, abs=2.0)
    assert 0 < rig.lvs() < 30                       # the loop is closed: loop voltage, not battery


def test_dtmf_digits_are_collected_and_dial_tone_stops() -> None:
    rig = Rig()
    rig.off_hook()
    rig.run(0.5)
    sender = DtmfSender(level_dbm0=-10.0)
    sender.add("0301234")
    rig.run(1.6, send=sender.generate)
    assert rig.ex.dialled == "0301234"
    assert rig.ex.state is State.DIALLING
    assert goertzel_dbm0(rig.heard(1.0), 425.0) < -45    # dial tone stopped at the first digit


def _sox_dtmf(digits: str) -> npt.NDArray[np.int16]:
    rows = {"1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "4": (770, 1209), "5": (770, 1336),
            "6": (770, 1477), "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "0": (941, 1336),
            "*": (941, 1209), "#": (941, 1477)}
    parts = []
    for d in digits:
        low, high = rows[d]
        raw = subprocess.run(
            ["sox", "-n", "-r", "8000", "-e", "signed", "-b", "16", "-c", "1", "-t", "raw", "-",
             "synth", "0.08", "sine", str(low), "sine", str(high), "remix", "-", "gain", "-n", "-9",
             "pad", "0", "0.08"],
            check=True, capture_output=True).stdout
        parts.append(np.frombuffer(raw, dtype="<i2"))
    return np.concatenate(parts)


def test_dtmf_digits_synthesised_by_sox_are_collected() -> None:
    rig = Rig()
    rig.off_hook()
    rig.run(0.5)
    rig.run(1.5, send=samples_source(_sox_dtmf("4711#")))
    assert rig.ex.dialled == "4711#"


def test_pulse_digits_are_counted_from_loop_breaks() -> None:
    rig = Rig(numbering=Numbering(length=3))
    rig.off_hook()
    rig.run(0.5)
    rig.dial_pulses("305")
    assert rig.ex.dialled == "305"
    assert rig.ex.state is State.CONGESTION          # complete, unknown number


def test_a_slow_break_is_a_flash_not_a_digit() -> None:
    rig = Rig()
    rig.off_hook()
    rig.run(0.5)
    rig.dial_pulses("2")
    rig.on_hook()
    rig.run(0.3)
    rig.off_hook()
    rig.run(0.5)
    assert rig.ex.dialled == "2"
    assert rig.ex.flashes == 1


@pytest.mark.parametrize(("busy", "state", "on_off"), [(False, State.CONGESTION, 240),
                                                       (True, State.BUSY, 480)])
def test_unknown_number_gets_congestion_and_a_busy_party_busy_tone(busy: bool, state: State,
                                                                   on_off: int) -> None:
    rig = Rig(numbering=Numbering(length=3))
    rig.ex.add_party("201", FarParty(busy=True))
    rig.off_hook()
    rig.run(0.5)
    sender = DtmfSender()
    sender.add("201" if busy else "999")
    rig.run(0.8, send=sender.generate)
    assert rig.ex.state is state
    rig.run(4.0)
    runs = on_off_ms(rig.heard(4.0))
    assert len(runs) >= 6
    assert all(abs(ms - on_off) <= 10 for _, ms in runs)
    assert dominant_frequency(rig.heard(1.0)) == pytest.approx(425.0, abs=3)


def test_far_party_answers_after_two_rings_and_audio_flows_both_ways() -> None:
    rig = Rig()
    party = rig.ex.add_party("201", FarParty(answer_after_rings=2, audio=parse_tone("1k", "1000")))
    rig.off_hook()
    rig.run(0.5)
    sender = DtmfSender()
    sender.add("201")
    rig.run(0.6, send=sender.generate)
    routed = next(t for t, text in rig.ex.log if "ringing" in text)
    rig.run(5.0)
    assert rig.ex.state is State.RINGBACK
    _start, ringback = rig.heard_since(routed)
    runs = on_off_ms(ringback, keep_first=True)
    assert runs[0] == (True, 1000) and runs[1] == (False, 4000)     # DE ringback 1 s / 4 s
    assert dominant_frequency(ringback[:4000]) == pytest.approx(425.0, abs=3)
    rig.run(2.0, send=tone_source(700.0))
    assert party.answered_at == pytest.approx(routed + 6.0)          # end of the second ring burst
    assert rig.ex.state is State.CONNECTED
    assert dominant_frequency(rig.heard(0.5)) == pytest.approx(1000.0, abs=3)
    assert dominant_frequency(party.heard) == pytest.approx(700.0, abs=3)


def test_mirror_party_returns_what_the_box_sends() -> None:
    rig = Rig(acim=3)   # matched termination: little hybrid echo on top of the mirrored audio
    rig.ex.add_party("5", FarParty(answer_after_rings=0, audio="mirror"))
    rig.off_hook()
    rig.run(0.5)
    sender = DtmfSender()
    sender.add("5")
    rig.run(0.3, send=sender.generate)
    rig.run(1.0, send=tone_source(1300.0, -12.0))
    heard = rig.heard(0.5)
    assert dominant_frequency(heard) == pytest.approx(1300.0, abs=3)
    assert dbm0(heard) == pytest.approx(-12.0, abs=1.5)


def test_party_plays_a_wav_file(tmp_path: Path) -> None:
    wav = tmp_path / "announcement.wav"
    t = np.arange(16000) / 16000                                  # 1 s at 16 kHz: resampled to 8 kHz
    write_wav(wav, np.round(8000 * np.sin(2 * np.pi * 800 * t)).astype(np.int16), rate=16000)
    rig = Rig()
    rig.ex.add_party("9", FarParty(answer_after_rings=0, audio=wav, loop_audio=False))
    rig.off_hook()
    rig.run(0.5)
    sender = DtmfSender()
    sender.add("9")
    rig.run(0.3, send=sender.generate)
    rig.run(0.5)
    assert dominant_frequency(rig.heard(0.4)) == pytest.approx(800.0, abs=3)
    rig.run(1.0)
    assert dbm0(rig.heard(0.3)) < -40                             # played once, then quiet


def _connected_call(disconnect: dict[str, bool], hangup_after_s: float | None = 1.0,
                    **kwargs: object) -> tuple[Rig, FarParty]:
    rig = Rig(disconnect=disconnect, **kwargs)
    party = rig.ex.add_party("7", FarParty(answer_after_rings=0, hangup_after_s=hangup_after_s))
    rig.off_hook()
    rig.run(0.5)
    sender = DtmfSender()
    sender.add("7")
    rig.run(0.3, send=sender.generate)
    assert rig.ex.state is State.CONNECTED
    rig.run(0.5)
    return rig, party


def _watch(rig: Rig, seconds: float) -> list[tuple[int, int]]:
    seen: list[tuple[int, int]] = []
    rig.run(seconds, each=lambda: seen.append((rig.lvs(), rig.read(28))))
    return seen


def test_far_hangup_with_battery_drop() -> None:
    rig, party = _connected_call({"battery_drop": True})
    seen = _watch(rig, 1.5)
    assert party.hung_up_at is not None
    dead = [lvs for lvs, _ in seen if lvs == 0]
    assert 48 <= len(dead) <= 52                      # ~500 ms without battery, then it is back
    assert seen[-1][0] > 5 and seen[-1][1] > 0
    assert dbm0(rig.heard(0.4)) < -40                 # and no tone


def test_far_hangup_with_polarity_reversal() -> None:
    rig, _ = _connected_call({"polarity_reversal": True})
    rig.write(4, 0x00)
    seen = _watch(rig, 1.5)
    assert seen[0][0] > 0 and seen[-1][0] < 0
    assert all(lvs != 0 for lvs, _ in seen)          # battery never went away
    assert rig.read(4) & 0x01                        # POLI


def test_far_hangup_with_loop_current_drop() -> None:
    rig, _ = _connected_call({"loop_current_drop": True})
    seen = _watch(rig, 1.5)
    assert seen[0][1] > 10                           # talking: loop current flows
    assert seen[-1][1] == 0 and seen[-1][0] > 40     # no current, open-circuit voltage on the pair


def test_far_hangup_with_busy_tone() -> None:
    rig, _ = _connected_call({"tone": True})
    seen = _watch(rig, 4.0)
    assert all(0 < lvs < 30 for lvs, _ in seen)      # DC untouched
    runs = on_off_ms(rig.heard(3.0))
    assert runs and all(abs(ms - 480) <= 10 for _, ms in runs)


def test_far_hangup_without_any_signalling_leaves_the_line_as_it_was() -> None:
    rig, party = _connected_call({})
    seen = _watch(rig, 2.0)
    assert party.hung_up_at is not None and rig.ex.state is State.CLEARED
    assert len({lvs for lvs, _ in seen}) == 1
    assert dbm0(rig.heard(1.0)) < -40


def test_box_hang_up_releases_the_call_and_restores_the_idle_line() -> None:
    rig, party = _connected_call({"battery_drop": True}, hangup_after_s=None, reverse_on_answer=True)
    assert rig.lvs() < 0                             # reversed on answer
    rig.on_hook()
    rig.run(1.0)
    assert rig.ex.state is State.IDLE
    assert party.released_at is not None and party.hung_up_at is None
    assert rig.lvs() > 40


# --- incoming calls ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("country", "pattern", "hz"), [
    ("DE", (1000, 4000), 25.0), ("US", (2000, 4000), 20.0), ("GB", (400, 200, 400, 2000), 25.0)])
def test_ring_cadence_on_the_line(country: str, pattern: tuple[int, ...], hz: float) -> None:
    rig = Rig(country)
    t0 = rig.clock.now()
    rig.ex.ring(None)
    rdt: list[int] = []
    rig.run(13.0, each=lambda: rdt.append(rig.read(5) & 0x04))
    rings = rig.ringing_intervals(t0)
    gaps = [round((b[0] - a[1]) * 1000) for a, b in itertools.pairwise(rings)]
    ons = [round((end - start) * 1000) for start, end in rings]
    measured = [v for pair in zip(ons, [*gaps, 0]) for v in pair][: len(pattern)]
    assert tuple(measured) == pattern
    assert rig.line.feed_at(rings[0][0]).ring_hz == hz
    assert rig.line.feed_at(rings[0][0]).ring_vrms >= 70
    assert any(rdt)                                   # the DAA saw it as a ring


def test_box_answering_trips_the_ring_and_connects_the_caller() -> None:
    rig = Rig()
    caller = rig.ex.ring(answer_party=FarParty(audio=parse_tone("t", "600")))
    rig.run(0.5)
    assert rig.line.feed_at().ringing
    rig.off_hook()
    answered = rig.clock.now()
    rig.run(1.0, send=tone_source(900.0))
    assert not rig.line.feed_at().ringing
    assert caller.answered_at == pytest.approx(answered, abs=0.011)
    assert dominant_frequency(rig.heard(0.5)) == pytest.approx(600.0, abs=3)
    assert dominant_frequency(caller.heard) == pytest.approx(900.0, abs=3)


def test_unanswered_call_gives_up_after_max_rings() -> None:
    rig = Rig()
    caller = rig.ex.ring(max_rings=2)
    rig.run(11.0)
    assert len(rig.ringing_intervals()) == 2
    assert rig.ex.state is State.IDLE and rig.ex.missed_calls == 1
    assert caller.hung_up_at is not None and caller.answered_at is None


CID = CallerId(number="0301234567", name="Erika Muster")


@pytest.mark.parametrize(("country", "standard", "timing", "fmt"), [
    ("DE", CidStandard.ETSI_V23, CidTiming.AFTER_FIRST_RING, CidFormat.MDMF),
    ("US", CidStandard.BELL202, CidTiming.AFTER_FIRST_RING, CidFormat.SDMF),
    ("GB", CidStandard.ETSI_V23, CidTiming.BEFORE_RING_LINE_REVERSAL, CidFormat.MDMF),
    ("DE", CidStandard.ETSI_V23, CidTiming.BEFORE_RING_RP_AS, CidFormat.MDMF),
    ("DK", CidStandard.DTMF, CidTiming.BEFORE_RING_LINE_REVERSAL, CidFormat.MDMF),
])
def test_caller_id_spill_is_decodable_at_each_timing(country: str, standard: CidStandard, timing: CidTiming,
                                                     fmt: CidFormat) -> None:
    rig = Rig(country)
    t0 = rig.clock.now()
    rig.ex.ring(CID, cid_standard=standard, cid_timing=timing, cid_format=fmt)
    rig.run(9.0)
    start, audio = rig.heard_since(t0)
    messages = CidReceiver(standard).feed(audio)
    assert len(messages) == 1
    got = messages[0]
    assert isinstance(got, CallerId) and got.number == CID.number
    if standard is not CidStandard.DTMF and fmt is CidFormat.MDMF:
        assert got.name == CID.name
    loud = np.flatnonzero(np.abs(audio) > 2000)
    spill = (start + loud[0] / 8000, start + loud[-1] / 8000)
    rings = rig.ringing_intervals(t0)
    main = [r for r in rings if r[1] - r[0] > 0.3]
    if timing is CidTiming.AFTER_FIRST_RING:
        assert 0.45 <= spill[0] - rings[0][1] <= 0.6         # 500 ms into the first silent interval
        assert spill[1] < rings[1][0]
    else:
        assert spill[1] < main[0][0]                         # everything before the first real ring
    if timing is CidTiming.BEFORE_RING_LINE_REVERSAL:
        reversal = next(t for t, feed in rig.line.feed_log(t0) if feed.volts < 0)
        assert reversal < spill[0]
        assert rig.line.feed_at(main[0][0]).volts > 0         # normal polarity again for ringing
    if timing is CidTiming.BEFORE_RING_RP_AS:
        assert rings[0][1] - rings[0][0] == pytest.approx(0.25)
        assert spill[0] - rings[0][1] >= 0.5
    if timing is CidTiming.BEFORE_RING_LINE_REVERSAL and standard is not CidStandard.DTMF:
        alert = audio[loud[0]:loud[0] + 640]
        assert sorted(f for f, _ in spectrum_peaks(alert, count=2)) == pytest.approx([2130, 2750], abs=10)


def test_on_hook_spill_is_not_heard_without_the_line_monitor() -> None:
    rig = Rig()
    rig.write(5, 0x00)
    rig.ex.ring(CID)
    rig.run(6.0)
    assert CidReceiver(CidStandard.ETSI_V23).feed(rig.heard(6.0)) == []


def test_neon_mwi_is_a_steady_voltage_not_a_ring() -> None:
    rig = Rig()
    rig.ex.neon_mwi(True)
    bits: list[int] = []
    rig.run(1.0, each=lambda: bits.append(rig.read(5) & 0x64))
    assert set(bits) == {0x20}                       # RDTP only, never RDTN, never RDT
    assert rig.lvs() > 75
    assert not rig.ringing_intervals()
    rig.ex.neon_mwi(False)
    rig.run(0.1)
    assert 40 < rig.lvs() < 55


def test_unplugged_line_has_no_battery_and_no_dial_tone() -> None:
    rig = Rig()
    rig.ex.unplug()
    rig.off_hook()
    rig.run(1.0)
    assert rig.lvs() == 0 and rig.read(28) == 0
    assert dbm0(rig.heard(0.5)) < -60
    rig.ex.plug()
    rig.run(0.5)
    assert rig.ex.state is State.DIAL_TONE and rig.lvs() > 0


# --- echo ---------------------------------------------------------------------------------------------------
def _echo_level(country: str, acim: int, seconds: float = 1.0) -> float:
    """dBm0 heard back while the box sends -20 dBm0 noise to a silent far party."""
    rig = Rig(country, acim=acim, noise_dbm0=None)
    rig.ex.add_party("1", FarParty(answer_after_rings=0))
    rig.off_hook()
    rig.run(0.3)
    sender = DtmfSender()
    sender.add("1")
    rig.run(0.3, send=sender.generate)
    rng = np.random.default_rng(7)
    noise: Source = lambda n: np.round(rng.normal(0, 16192.7 * 10 ** (-20 / 20), n)).astype(np.int16)  # noqa: E731
    rig.run(0.2 + seconds, send=noise)
    return dbm0(rig.heard(seconds))


def test_echo_falls_when_the_acim_matches_the_line() -> None:
    mismatched, matched = _echo_level("DE", 0), _echo_level("DE", 3)   # DE lines: 220 + 820 // 115 nF
    assert mismatched > -35                          # ERL ~10 dB
    assert matched < mismatched - 12
    assert matched == pytest.approx(-50.0, abs=3.0)  # ERL ~30 dB when matched


def test_best_acim_for_a_uk_line_is_its_true_impedance() -> None:
    levels = {acim: _echo_level("GB", acim, seconds=0.5) for acim in range(16)}
    assert min(levels, key=levels.__getitem__) == 5


def test_echo_is_a_dispersive_delayed_impulse_response() -> None:
    rig = Rig(noise_dbm0=None, acim=0)
    rig.ex.add_party("1", FarParty(answer_after_rings=0))
    rig.off_hook()
    rig.run(0.3)
    sender = DtmfSender()
    sender.add("1")
    rig.run(0.5, send=sender.generate)
    click = np.zeros(800, np.int16)
    click[0] = 20000
    rig.run(0.1, send=samples_source(click))
    response = np.abs(rig.heard(0.1).astype(np.int32))
    first = int(np.flatnonzero(response > 200)[0])
    significant = np.flatnonzero(response > response.max() * 0.05)
    assert first >= 32                               # at least the 4 ms echo delay
    assert significant[-1] - significant[0] >= 8     # not a single tap: an FIR for the canceller


def test_a_100_ms_timed_break_recall_is_a_flash() -> None:
    rig = Rig()
    rig.ex.add_party("1", FarParty(answer_after_rings=0))
    rig.off_hook()
    rig.run(0.3)
    sender = DtmfSender()
    sender.add("1")
    rig.run(0.5, send=sender.generate)
    while (rig.clock.now() + 0.1) - rig.clock.now() >= 0.1:   # a float time where 100 ms reads 99.99..
        rig.clock.advance(0.0001)
    rig.on_hook()
    rig.clock.advance(0.1)
    rig.off_hook()
    rig.run(0.5)
    assert rig.ex.flashes == 1 and rig.ex.dialled == "1" and rig.ex.state is State.CONNECTED
