"""Analog ports on the real bridge: audio crosses when connected (level and frequency kept), not otherwise."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from firmware.dsp import levels
from firmware.sip.analog import AnalogPortMedia, MediaRouter
from firmware.sip.bridge import Bridge
from firmware.sip.endpoint import MediaEndpoint
from tests.media.conftest import JITTER
from tests.media.lines import LineDriver

MakePort = Callable[..., AnalogPortMedia]
SETTLE_S = 0.3


def sine(freq: float, dbm0: float) -> np.ndarray:
    return levels.tone(freq, dbm0, 8000)          # whole periods for 1 kHz/500 Hz/... : loops seamlessly


def assert_tone(x: np.ndarray, freq: float, dbm0: float) -> None:
    assert x.size >= 4000
    assert abs(levels.dbm0(x) - dbm0) <= 0.5, levels.dbm0(x)
    assert abs(levels.dominant_frequency(x) - freq) <= 2.0


def test_connected_ports_hear_each_other_at_the_same_level(endpoint: MediaEndpoint, bridge: Bridge,
                                                           make_port: MakePort) -> None:
    a, b = make_port(1), make_port(2)
    bridge.connect(a, b)
    assert bridge.connections() == [("analog1", "analog2"), ("analog2", "analog1")]
    drive = LineDriver({a: sine(1000, -10.0), b: sine(1000, -20.0)}, [a, b], lead_frames=JITTER)
    drive.run(endpoint, 1.5)
    assert_tone(drive.audio(b, skip_s=SETTLE_S), 1000, -10.0)     # A -> B
    assert_tone(drive.audio(a, skip_s=SETTLE_S), 1000, -20.0)     # B -> A (and no echo of A)
    for port in (a, b):
        stats = port.stats()
        assert stats.frames_delivered > 100 and stats.frames_received > 100
        assert stats.callback_errors == 0


def test_nothing_arrives_when_not_or_no_longer_connected(endpoint: MediaEndpoint, bridge: Bridge,
                                                         make_port: MakePort) -> None:
    a, b = make_port(1), make_port(2)
    feeds = {a: sine(1000, -10.0), b: sine(1000, -10.0)}
    drive = LineDriver(feeds, [a, b])
    drive.run(endpoint, 0.5)
    assert drive.none_count(a) == len(drive.collected[a]) and drive.none_count(b) == len(drive.collected[b])

    bridge.connect(a, b)
    drive = LineDriver(feeds, [a, b], lead_frames=JITTER)
    drive.run(endpoint, 0.5)
    assert levels.dbm0(drive.audio(b, skip_s=SETTLE_S)) > -11.0

    bridge.disconnect(a, b)
    assert bridge.connections() == []
    drive = LineDriver(feeds, [a, b])
    drive.run(endpoint, 0.8)
    tail = slice(-40, None)                                          # last 0.4 s
    assert all(block is None for block in drive.collected[b][tail])
    assert all(block is None for block in drive.collected[a][tail])
    assert not a.connected and not b.connected


def test_listen_is_one_way(endpoint: MediaEndpoint, bridge: Bridge, make_port: MakePort) -> None:
    a, b = make_port(1), make_port(2)
    bridge.listen(a, b)
    drive = LineDriver({a: sine(1000, -10.0), b: sine(500, -10.0)}, [a, b], lead_frames=JITTER)
    drive.run(endpoint, 1.0)
    assert_tone(drive.audio(b, skip_s=SETTLE_S), 1000, -10.0)
    assert drive.none_count(a, skip_s=SETTLE_S) == len(drive.collected[a]) - int(SETTLE_S * 100)


def test_three_party_conference_mixes_the_others(endpoint: MediaEndpoint, bridge: Bridge,
                                                 make_port: MakePort) -> None:
    freqs = {1: 500.0, 2: 1000.0, 3: 1500.0}
    ports = {n: make_port(n) for n in freqs}
    bridge.conference(ports.values())
    assert len(bridge.connections()) == 6
    drive = LineDriver({p: sine(freqs[n], -16.0) for n, p in ports.items()}, list(ports.values()),
                       lead_frames=JITTER)
    drive.run(endpoint, 1.5)
    for n, port in ports.items():
        heard = drive.audio(port, skip_s=SETTLE_S)
        for m, f in freqs.items():
            level = levels.goertzel_dbm0(heard, f)
            if m == n:
                assert level < -50.0, (n, m, level)                  # nobody hears themselves
            else:
                assert abs(level - -16.0) <= 0.5, (n, m, level)      # both others, unattenuated
    bridge.isolate(ports[2])
    assert bridge.connections() == [("analog1", "analog3"), ("analog3", "analog1")]


def test_router_moves_port_loop_blocks(endpoint: MediaEndpoint, bridge: Bridge, make_port: MakePort) -> None:
    a, b = make_port(1), make_port(2)
    router = MediaRouter({1: a})
    router.add(b)
    assert router.port_audio_out(9, 80) is None                    # unknown port: silence
    router.port_audio_in(9, np.zeros(80, np.int16))
    bridge.connect(a, b)
    drive = LineDriver({a: sine(1000, -10.0)}, [b], lead_frames=JITTER)
    drive.run(endpoint, 0.6)
    got = [router.port_audio_out(2, 80) for _ in range(3)]         # drained by the router now
    assert any(block is not None for block in got)
    assert router.remove(2) is b and router.get(2) is None
