"""systemd watchdog: pbxd pings while its loops turn and stops pinging when a loop hangs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys, threading, time
from pathlib import Path
from firmware.app.daemon import Daemon
from firmware.config.model import Config
daemon = Daemon(Config(), state_dir=Path(sys.argv[1]), http="127.0.0.1:0", media=False)
daemon.start()
done = threading.Event()
threading.Thread(target=daemon.run_until, args=(done,), daemon=True).start()
time.sleep(3.0)
print("hanging the runtime loop", flush=True)
daemon.runtime.call(lambda: time.sleep(30))
"""


def test_watchdog_pings_stop_when_the_runtime_loop_hangs(tmp_path: Path) -> None:
    sock_path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(sock_path))
    sock.settimeout(0.2)
    env = {**os.environ, "NOTIFY_SOCKET": str(sock_path), "WATCHDOG_USEC": "1000000"}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path / "state")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    pings: list[float] = []
    hung: list[float] = []

    def watch_stdout() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "hanging" in line:
                hung.append(time.monotonic())

    threading.Thread(target=watch_stdout, daemon=True).start()
    try:
        end = time.monotonic() + 12
        while time.monotonic() < end:
            try:
                msg = sock.recv(4096).decode()
            except TimeoutError:
                msg = ""
            if msg == "WATCHDOG=1":
                pings.append(time.monotonic())
    finally:
        proc.kill()
        proc.wait()
        sock.close()
    assert hung, "the helper never hung its loop"
    hung_at = hung[0]
    before = [t for t in pings if t < hung_at]
    after = [t for t in pings if t > hung_at + 2.5]   # allow the 2 s heartbeat grace
    assert len(before) >= 3, "no watchdog pings while healthy"
    assert after == [], "watchdog kept pinging with a hung runtime loop"
