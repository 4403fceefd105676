"""The analog ports' pjmedia port in C (firmware/sip/native/analog_port.c): built and used here,
its struct mirror checked against pjmedia before use, memory released after each bridge session,
and pbxd's Python ports taking over (audio still crossing) where the compiled module is missing."""

from __future__ import annotations

import logging
import time

import pytest

from firmware.sip import native_port
from firmware.sip.analog import AnalogPortMedia
from firmware.sip.bridge import Bridge
from firmware.sip.endpoint import MediaEndpoint
from tests.media.conftest import JITTER, ring_target
from tests.media.lines import LineDriver
from tests.media.test_analog import SETTLE_S, assert_tone, sine


def test_the_native_port_is_built_and_used_by_default(endpoint: MediaEndpoint) -> None:
    assert native_port.native_status(endpoint) is None
    port = AnalogPortMedia(endpoint, 1, on_demand=True)
    try:
        assert port.native
    finally:
        port.close()


def test_the_layout_check_refuses_a_port_that_reads_wrong(endpoint: MediaEndpoint) -> None:
    assert native_port.check_layout(endpoint) == 0
    assert native_port.check_layout(endpoint, clock_rate=16000) != 0   # a mirror reading other fields


def test_bridge_sessions_release_their_memory(endpoint: MediaEndpoint, bridge: Bridge) -> None:
    a, b = (AnalogPortMedia(endpoint, n, on_demand=True, jitter_frames=ring_target(JITTER)) for n in (1, 2))
    try:
        for level in (-10.0, -14.0, -18.0):
            bridge.connect(a, b)
            drive = LineDriver({a: sine(1000, level), b: sine(500, -20.0)}, [a, b], lead_frames=JITTER)
            drive.run(endpoint, 1.0)
            assert_tone(drive.audio(b, skip_s=SETTLE_S), 1000, level)
            bridge.disconnect(a, b)
        time.sleep(0.1)                          # the bridge drops the ports at its next tick
        yard = native_port.graveyard(endpoint)
        yard.collect()
        assert yard.pending == 0                 # every session's port was destroyed and freed
        assert a.attaches == 3
    finally:
        a.close()
        b.close()


def test_without_the_compiled_module_python_ports_carry_the_audio(endpoint: MediaEndpoint, bridge: Bridge,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(native_port, "_module_path", lambda: None)
    monkeypatch.setattr(native_port, "_status", {})
    with caplog.at_level(logging.WARNING):
        a = AnalogPortMedia(endpoint, 1, jitter_frames=ring_target(JITTER))
        b = AnalogPortMedia(endpoint, 2, jitter_frames=ring_target(JITTER))
    try:
        assert not a.native and not b.native
        assert any("_analog_port is not installed" in r.getMessage() for r in caplog.records)
        bridge.connect(a, b)
        drive = LineDriver({a: sine(1000, -10.0), b: sine(500, -20.0)}, [a, b], lead_frames=JITTER)
        drive.run(endpoint, 1.2)
        assert_tone(drive.audio(b, skip_s=SETTLE_S), 1000, -10.0)
        assert_tone(drive.audio(a, skip_s=SETTLE_S), 500, -20.0)
    finally:
        bridge.clear()
        a.close()
        b.close()
