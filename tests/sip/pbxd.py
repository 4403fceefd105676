"""pbxd as a child process for the SIP tests: its own state directory and config, driven through its
control socket (what pbxctl does: handsets on the virtual board) and read through Kamailio's RPC."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from firmware.edge.render import EdgeLayout
from firmware.edge.rpc import KamailioRpc
from tests.sip.conftest import yaml_of
from tests.sip.net import wait_until

ROOT = Path(__file__).resolve().parents[2]


class Pbxd:
    def __init__(self, root: Path, config: dict[str, Any], *, start_timeout: float = 60.0) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.state = root / "state"
        self.config_path = root / "pbx.yaml"
        self.config = config
        self._ctl_lock = threading.Lock()
        self.config_path.write_text(yaml_of(config))
        self.log_path = root / "pbxd.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "firmware", "--config", str(self.config_path), "--state-dir", str(self.state),
             "--http", "127.0.0.1:0", "--log-level", "DEBUG"],
            cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.socket = self.state / "pbxd.sock"
        self.rpc = KamailioRpc(EdgeLayout(self.state / "sip").rpc_socket)
        try:
            wait_until(lambda: self._alive_and_ready(), start_timeout, 0.2, "pbxd did not come up")
            wait_until(self._ports_idle, 30, 0.2, "the handsets' ports did not all come up")
        except BaseException:
            self.stop()
            raise

    def _alive_and_ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"pbxd exited with {self.proc.returncode}: {self.log()[-3000:]}")
        return self.socket.exists() and self.rpc.alive()

    def _ports_idle(self) -> bool:
        """Every FXS port up and idle (a port may go into alarm and recover on a loaded machine)."""
        ports = self.ctl("status")["ports"]
        return all(p["status"] == "idle" for p in ports if p["kind"] == "fxs")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    # --- control socket ------------------------------------------------------------------------
    def ctl(self, op: str, **fields: Any) -> Any:
        with self._ctl_lock, socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(15)
            sock.connect(str(self.socket))
            sock.sendall(json.dumps({"op": op, **fields}).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        reply = json.loads(data or b"{}")
        if not reply.get("ok"):
            raise AssertionError(f"pbxd refused {op} {fields}: {reply.get('error')}")
        return reply["result"]

    def handset(self, port: int, action: str, arg: str = "") -> Any:
        return self.ctl("handset", port=port, action=action, arg=arg)

    def show(self, port: int) -> dict[str, Any]:
        return dict(self.ctl("show", port=port))

    def hearing(self, port: int, near_hz: float, timeout: float = 10.0, settle: float = 2.0) -> dict[str, Any]:
        """What handset `port` hears `settle` seconds after it first heard a tone within 20 Hz of
        `near_hz` (a stream that has just started may need a moment on a loaded machine, and the
        level is measured over a window); the last reading if that never came within `timeout`."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if abs(float(self.show(port)["hearing"].get("frequency_hz") or 0.0) - near_hz) < 20:
                time.sleep(settle)
                break
            time.sleep(0.2)
        return dict(self.show(port)["hearing"])

    def records(self) -> list[dict[str, Any]]:
        return list(self.ctl("calls"))

    def trunk_state(self, name: str) -> str:
        for row in self.rpc.trunk_registrations():
            if row.trunk == name:
                return row.state
        return "absent"

    # --- stop ----------------------------------------------------------------------------------
    def stop(self, timeout: float = 30.0) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._kill_leftover_kamailio()
        self._log.close()
        return self.proc.returncode

    def _kill_leftover_kamailio(self) -> None:
        pid_file = EdgeLayout(self.state / "sip").pid_file
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
