"""Scenario tests: real calls through the whole daemon on the virtual board (issue: call engine and media).

Each test starts pbxd's parts (ports, engine, pjsua2 conference bridge, call records) in real
time, plays the handsets and the exchange line, and checks what people would hear and see:
tones (frequency and cadence) in each earpiece, the caller ID on the display, a 1 kHz tone
crossing the call both ways at the right level, and the call record.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware.contracts.callerid import CallerId
from firmware.drivers.sim.exchange_party import FarParty
from firmware.dsp.levels import tone
from tests.scenario.live import LiveRig, merge_blips, on_off_ms, tone_at, tone_level

pytestmark = pytest.mark.slow


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveRig]:
    rig = LiveRig(tmp_path / "state")
    try:
        yield rig
    finally:
        rig.close()


def whole_runs(audio, threshold: float = -35.0) -> list[tuple[bool, int]]:
    # silences of <= 50 ms inside a tone (a hiccup of a loaded host) taken out; then the partial
    # first/last runs dropped
    return merge_blips(on_off_ms(audio, threshold_dbm0=threshold))[1:-1]


def assert_cadence(audio, on_ms: int, off_ms: int, tol: int = 60) -> None:
    runs = whole_runs(audio)
    ons = [ms for on, ms in runs if on]
    offs = [ms for on, ms in runs if not on]
    assert ons and offs, runs
    assert all(abs(ms - on_ms) <= tol for ms in ons), runs
    assert all(abs(ms - off_ms) <= tol for ms in offs), runs


def assert_tone_crosses(live: LiveRig, src: int, dst: int, freq: float) -> None:
    live.handset(src).mic_tone(freq, -10.0)
    live.wait(0.8)
    heard_freq, level = tone_at(live.earpiece(dst, 0.5))
    live.handset(src).mic_silence()
    assert abs(heard_freq - freq) < 5, (heard_freq, level)
    assert abs(level - -10.0) < 1.0, level  # the loss plan is 0 dB between two analog extensions


def test_internal_call_end_to_end(live: LiveRig) -> None:
    h1, h2 = live.handset(1), live.handset(2)
    h1.off_hook()
    live.wait(1.0)
    freq, level = tone_at(live.earpiece(1, 0.6))[0], tone_level(live.earpiece(1, 0.6))
    assert abs(freq - 425) < 5 and -15 < level < -11           # German dial tone: steady 425 Hz
    gaps = [ms for on, ms in on_off_ms(live.earpiece(1, 0.6)) if not on]
    # steady, not a cadence: the shortest German off-time is congestion's 240 ms. A gap of a few blocks is a
    # scheduling hiccup of a heavily loaded CI host (counted in `make bench`), not a tone plan.
    assert max(gaps, default=0) <= 40 and sum(gaps) <= 60, gaps

    h1.press("202")
    assert live.wait_for(lambda: h2.ringing, 5.0), "extension 202 does not ring"
    rang_at = live.now()
    live.wait(6.5)
    ringback = live.earpiece(1, 6.0)
    assert abs(tone_at(ringback)[0] - 425) < 5
    assert_cadence(ringback, 1000, 4000, tol=100)             # ringback 1 s on, 4 s off
    bursts = h2.ring_bursts(since=rang_at - 1.0)
    assert abs((bursts[0][1] - bursts[0][0]) * 1000 - 1000) < 40  # the bell rings with the German cadence
    shown = h2.display[-1].caller_id
    assert (shown.number, shown.name) == ("201", "Extension 201")
    assert live.port_status(1) == "in call" and live.port_status(2) == "ringing"

    h2.off_hook()
    live.wait(0.6)
    assert_tone_crosses(live, 1, 2, 1000.0)
    assert_tone_crosses(live, 2, 1, 700.0)

    h1.on_hook()
    live.wait(3.0)
    busy = live.earpiece(2, 2.5)
    assert abs(tone_at(busy)[0] - 425) < 5
    assert_cadence(busy, 480, 480, tol=40)                     # the caller hung up: busy tone to 202
    h2.on_hook()
    assert live.wait_for(lambda: live.port_status(2) == "idle", 5.0)
    (row,) = live.records()
    assert (row["src"], row["src_name"], row["dst"], row["direction"]) == ("201", "Extension 201", "202", "internal")
    assert row["disposition"] == "answered" and row["hangup_side"] == "caller"
    assert 2.0 <= row["billsec"] <= row["duration"]


def test_busy_extension_gives_busy_tone(live: LiveRig) -> None:
    live.handset(3).off_hook()                                # 203 is busy dialling
    h1 = live.handset(1)
    h1.off_hook()
    live.wait(0.5)
    h1.press("203")
    live.wait(3.5)
    busy = live.earpiece(1, 2.5)
    assert abs(tone_at(busy)[0] - 425) < 5
    assert_cadence(busy, 480, 480, tol=40)
    h1.on_hook()
    live.wait(1.5)
    rows = [r for r in live.records() if r["dst"] == "203"]
    assert rows and rows[0]["disposition"] == "busy"


def test_unknown_number_gives_congestion(live: LiveRig) -> None:
    h1 = live.handset(1)
    h1.off_hook()
    live.wait(0.5)
    h1.press("299")
    live.wait(5.0)                                            # the match timeout, then congestion
    congestion = live.earpiece(1, 2.0)
    assert abs(tone_at(congestion)[0] - 425) < 5
    assert_cadence(congestion, 240, 240, tol=40)
    h1.on_hook()
    live.wait(1.5)
    rows = live.records()   # congestion comes as soon as no number can match: "29" already
    assert len(rows) == 1 and "299".startswith(rows[0]["dst"]) and rows[0]["disposition"] == "failed"


def test_outbound_call_over_the_pstn_line(live: LiveRig) -> None:
    party = live.daemon.on_ports(
        lambda: live.daemon.board.exchange(5).add_party("0301234567", FarParty(answer_after_rings=1, audio="mirror")))
    h1 = live.handset(1)
    h1.off_hook()
    live.wait(0.5)
    h1.press("00301234567")                                   # 0 = outside line, then the national number
    assert live.wait_for(lambda: live.exchange(5).dialled == "0301234567", 15.0), live.exchange(5).dialled
    assert live.wait_for(lambda: live.daemon.on_ports(lambda: party.connected), 15.0)
    live.wait(0.5)
    h1.mic_tone(1000.0, -10.0)
    live.wait(1.0)
    heard = live.daemon.on_ports(lambda: party.heard[-4000:].copy())
    assert abs(tone_at(heard)[0] - 1000) < 5                   # the far end hears the handset
    assert abs(tone_at(live.earpiece(1, 0.5))[0] - 1000) < 5   # and the mirror comes back
    h1.mic_silence()
    live.exchange(5).far_hangup()
    live.wait(3.0)
    assert abs(tone_at(live.earpiece(1, 1.5))[0] - 425) < 5    # the line was released: busy tone
    h1.on_hook()
    live.wait(3.0)
    rows = [r for r in live.records() if r["direction"] == "outbound"]
    assert rows, live.records()
    row = rows[0]
    assert (row["src"], row["dst"], row["line"]) == ("201", "0301234567", "fxo:5")
    assert row["disposition"] == "answered" and row["hangup_side"] == "callee"


def test_inbound_call_with_caller_id(live: LiveRig) -> None:
    caller = FarParty(audio=tone(1000.0, -10.0, 8000 * 20))
    live.daemon.on_ports(lambda: live.daemon.board.exchange(5).ring(
        CallerId(number="4930123456", name="Anna Schmidt"), answer_party=caller))
    h1 = live.handset(1)
    assert live.wait_for(lambda: h1.ringing, 15.0), "the first extension does not ring"
    assert live.wait_for(lambda: bool(h1.display), 5.0)
    assert h1.display[-1].caller_id.number == "4930123456"     # the line's caller ID on the handset
    h1.off_hook()
    live.wait(1.5)
    freq, level = tone_at(live.earpiece(1, 0.5))
    assert abs(freq - 1000) < 5 and level > -16                # the caller is heard
    live.exchange(5).far_hangup()
    live.wait(3.0)
    assert abs(tone_at(live.earpiece(1, 1.5))[0] - 425) < 5
    h1.on_hook()
    live.wait(2.0)
    rows = [r for r in live.records() if r["direction"] == "inbound"]
    assert rows and rows[0]["src"] == "4930123456" and rows[0]["disposition"] == "answered"
    assert rows[0]["dst"] == "201"
