"""Ports on the bridge only while connected (AnalogPortMedia(on_demand=True), TonePlayer): idle handsets
and silent tone players are not on the bridge, and audio crosses after every reconnection."""

from __future__ import annotations

import time
from collections.abc import Callable

from firmware.dsp import levels
from firmware.sip.analog import AnalogPortMedia
from firmware.sip.bridge import Bridge
from firmware.sip.endpoint import MediaEndpoint
from firmware.sip.players import TonePlayer
from firmware.telephony.tones import tone_set
from tests.media.conftest import JITTER
from tests.media.lines import LineDriver
from tests.media.test_analog import SETTLE_S, assert_tone, sine

MakePort = Callable[..., AnalogPortMedia]


def test_on_demand_ports_join_the_bridge_only_while_connected(endpoint: MediaEndpoint, bridge: Bridge,
                                                              make_port: MakePort) -> None:
    a, b = make_port(1, on_demand=True), make_port(2, on_demand=True)
    assert not a.on_bridge and not b.on_bridge
    time.sleep(0.1)            # ports of earlier tests leave the bridge at its next ticks
    ports_idle = endpoint.media_ports()[0]
    for level in (-10.0, -16.0):                      # connect, talk, hang up; twice
        bridge.connect(a, b)
        assert a.on_bridge and b.on_bridge
        assert endpoint.media_ports()[0] == ports_idle + 2
        drive = LineDriver({a: sine(1000, level), b: sine(500, -20.0)}, [a, b], lead_frames=JITTER)
        drive.run(endpoint, 1.2)
        assert_tone(drive.audio(b, skip_s=SETTLE_S), 1000, level)
        assert_tone(drive.audio(a, skip_s=SETTLE_S), 500, -20.0)
        bridge.disconnect(a, b)
        assert not a.on_bridge and not b.on_bridge and not a.connected
        # the bridge removes ports at its next tick
        drive = LineDriver({a: sine(1000, level)}, [a, b])
        drive.run(endpoint, 0.3)
        assert endpoint.media_ports()[0] == ports_idle
        assert all(block is None for block in drive.collected[b][-10:])
    assert a.attaches == 2 and b.attaches == 2
    assert a.stats().callback_errors == 0
    assert a.stats().max_tick_gap_ms < 250           # the 0.3 s off the bridge is no gap in its clock


def test_a_port_stays_while_one_of_its_connections_remains(endpoint: MediaEndpoint, bridge: Bridge,
                                                           make_port: MakePort) -> None:
    a, b, c = (make_port(p, on_demand=True) for p in (1, 2, 3))
    bridge.connect(a, b)
    bridge.listen(a, c)
    bridge.disconnect(a, b)
    assert a.on_bridge and c.on_bridge and not b.on_bridge
    drive = LineDriver({a: sine(1000, -12.0)}, [c], lead_frames=JITTER)
    drive.run(endpoint, 1.0)
    assert_tone(drive.audio(c, skip_s=SETTLE_S), 1000, -12.0)
    bridge.unlisten(a, c)
    assert not a.on_bridge and not c.on_bridge


def test_tone_player_is_on_the_bridge_only_while_heard(endpoint: MediaEndpoint, bridge: Bridge,
                                                       make_port: MakePort) -> None:
    port = make_port(4, on_demand=True)
    player = TonePlayer(endpoint, "tone-test")
    try:
        assert not player.on_bridge
        player.play(tone_set("de").dial)                  # 425 Hz, steady
        bridge.listen(player, port)
        assert player.on_bridge
        drive = LineDriver({}, [port], lead_frames=JITTER)
        drive.run(endpoint, 1.0)
        heard = drive.audio(port, skip_s=SETTLE_S)
        assert abs(levels.dominant_frequency(heard) - 425) <= 3.0
        player.stop()
        bridge.unlisten(player, port)
        assert not player.on_bridge and not port.on_bridge
    finally:
        player.close()


def test_a_new_call_starts_at_the_latency_floor(endpoint: MediaEndpoint, bridge: Bridge,
                                                  make_port: MakePort) -> None:
    """A stall of the line side raises a port's ring latency (late frames); the next connection of
    the port starts again at the floor instead of inheriting it."""
    a, b = make_port(1, on_demand=True, jitter_frames=0), make_port(2, on_demand=True, jitter_frames=0)

    def stall(tick: int) -> None:
        if tick in (40, 80):
            time.sleep(0.06)                     # the line side misses six 10 ms frames, then catches up

    bridge.connect(a, b)
    drive = LineDriver({a: sine(1000, -10.0), b: sine(500, -20.0)}, [a, b], on_tick=stall)
    drive.run(endpoint, 1.2)
    raised = a.latency_samples
    assert max(raised) > 0 and a.stats().frames_late > 0
    bridge.disconnect(a, b)
    bridge.connect(a, b)
    assert a.latency_samples == (0, 0)
    bridge.disconnect(a, b)
