"""MediaEndpoint: real limits of the wheel, singleton guard, thread checks, clean interpreter exit."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from firmware.contracts.errors import SipError
from firmware.sip.analog import AnalogPortMedia
from firmware.sip.bridge import Bridge
from firmware.sip.endpoint import MediaEndpoint

ROOT = Path(__file__).resolve().parents[2]


def test_max_calls_is_read_from_the_library(endpoint: MediaEndpoint) -> None:
    assert endpoint.max_calls == 4          # the PyPI wheel is built with PJSUA_MAX_CALLS = 4


def test_bridge_runs_8khz_10ms_with_raised_port_limit(endpoint: MediaEndpoint) -> None:
    assert (endpoint.clock_rate, endpoint.ptime_ms, endpoint.frame_samples) == (8000, 10, 80)
    used, maximum = endpoint.media_ports()
    assert maximum >= 512 and used >= 1


def test_second_endpoint_is_refused(endpoint: MediaEndpoint) -> None:
    with pytest.raises(SipError, match="already running"):
        MediaEndpoint().start()
    assert endpoint.started


def test_unregistered_thread_gets_an_error_not_an_abort(endpoint: MediaEndpoint) -> None:
    outcome: dict[str, object] = {}

    def worker() -> None:
        try:
            endpoint.check_thread()
        except SipError as exc:
            outcome["before"] = str(exc)
        endpoint.register_thread("test-worker")
        endpoint.check_thread()
        outcome["after"] = True
        try:
            endpoint.poll(0)
        except SipError:
            outcome["poll"] = "refused"

    thread = threading.Thread(target=worker, name="media-test-worker")
    thread.start()
    thread.join()
    assert "not registered" in str(outcome["before"])
    assert outcome["after"] is True and outcome["poll"] == "refused"


EXIT_SCRIPT = textwrap.dedent("""
    import sys, wave, tempfile, os
    import numpy as np
    from firmware.contracts.tones import parse_tone
    from firmware.sip.endpoint import MediaEndpoint
    from firmware.sip.analog import AnalogPortMedia
    from firmware.sip.bridge import Bridge
    from firmware.sip.players import TonePlayer, WavPlayer, WavRecorder

    ep = MediaEndpoint(sip_port=int(sys.argv[2]))   # 0: any free port (UDP and TCP)
    ep.start()
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "a.wav")
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
        w.writeframes(np.zeros(800, np.int16).tobytes())
    ports = [AnalogPortMedia(ep, n) for n in range(4)]
    tone, player = TonePlayer(ep), WavPlayer(ep, path, loop=True)
    rec = WavRecorder(ep, os.path.join(tmp, "r.wav"))
    br = Bridge(ep)
    br.connect(ports[0], ports[1]); br.listen(tone, ports[2]); br.listen(player, rec)
    tone.play(parse_tone("dial", "425"))
    for p in ports:
        p.from_line(np.zeros(80, np.int16))
    for _ in range(30):
        ep.poll(10)
    print("transports", *[ep.lib.transportGetInfo(t).localName for t in ep.transport_ids])
    if sys.argv[1] == "shutdown":
        ep.shutdown()          # every wrapper above is still referenced here
    print("end of script")     # "atexit": never shut down; the atexit hook must do it
""")


@pytest.mark.parametrize("mode", ["shutdown", "atexit"])
def test_interpreter_exits_cleanly_with_live_media_objects(mode: str) -> None:
    proc = subprocess.run([sys.executable, "-c", EXIT_SCRIPT, mode, "0"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "end of script" in proc.stdout
    transports = proc.stdout.split("transports", 1)[1].split("\n", 1)[0].split()
    assert len(transports) == 2 and all(t.startswith("127.0.0.1:") for t in transports), proc.stdout
    for bad in ("Assertion", "Abort", "Traceback", "Segmentation", "Fatal"):
        assert bad not in proc.stderr, proc.stderr


def test_closing_ports_while_the_clock_runs_is_clean(endpoint: MediaEndpoint, capfd: pytest.CaptureFixture[str],
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """Regression: ports left to garbage collection got callbacks while half torn down."""
    bridge = Bridge(endpoint)
    for _ in range(10):
        ports = [AnalogPortMedia(endpoint, n) for n in range(16)]
        bridge.conference(ports[:6])
        for port in ports:
            port.from_line(np.zeros(80, np.int16))
        endpoint.poll(15)
        for port in ports:
            bridge.isolate(port)
            port.close()
        with pytest.raises(SipError, match="closed"):
            bridge.listen(ports[0], ports[1])
    endpoint.poll(20)
    err = capfd.readouterr().err
    assert "Error" not in err and "Traceback" not in err, err
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
