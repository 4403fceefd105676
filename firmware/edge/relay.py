"""The edge's media relay: rtpengine as a child process of pbxd, for the calls Kamailio routes alone
when a phone is behind NAT (RFC 3550 RTP/RTCP relayed in userspace; the phones' addresses learned
from the packets they send, RFC 4961 symmetric RTP), driven by Kamailio's rtpengine module over the
"ng" control protocol (bencoded dictionaries over UDP) on a loopback port.

rtpengine reads no config file (`--config-file=none`: the Debian package's service and its
/etc/rtpengine/rtpengine.conf are not ours), forwards in userspace (`--table=-1`: no kernel
module), binds its media ports on the SIP bind address only and its control port on 127.0.0.1
only, and runs in the foreground in its own session like Kamailio (`process`): SIGTERM when pbxd
dies, its log lines in pbxd's log. `start` returns once it answers an ng `ping`.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from firmware.config.sip import SipConfig
from firmware.contracts.errors import SipError
from firmware.edge.process import die_with_parent

log = logging.getLogger("pbxd.edge")
NG_HOST = "127.0.0.1"
RTPENGINE = "rtpengine"
_LEVELS = {"ERR": logging.ERROR, "CRIT": logging.CRITICAL, "ALERT": logging.CRITICAL, "EMERG": logging.CRITICAL,
           "WARNING": logging.WARNING, "NOTICE": logging.INFO, "INFO": logging.INFO, "DEBUG": logging.DEBUG}


@dataclass(frozen=True)
class RelayPlan:
    """Where the relay runs: its binary, control port, media address and port range."""

    binary: str
    ng_port: int
    interface: str            # local address the media ports are bound to (the SIP bind address)
    advertise: str            # address put into the SDP (the box's advertised address)
    port_min: int
    port_max: int
    debug: int = 1

    @property
    def ng_socket(self) -> str:
        """Kamailio's rtpengine_sock value."""
        return f"udp:{NG_HOST}:{self.ng_port}"

    def command(self, pid_file: Path) -> list[str]:
        iface = self.interface if self.advertise in ("", self.interface) else f"{self.interface}!{self.advertise}"
        return [self.binary, "--config-file=none", "--foreground", "--log-stderr", "--no-log-timestamps",
                f"--log-level={6 if self.debug >= 2 else 4}", "--table=-1", f"--interface={iface}",
                f"--listen-ng={NG_HOST}:{self.ng_port}", f"--port-min={self.port_min}", f"--port-max={self.port_max}",
                # a phone behind NAT names an address nobody can reach: learn its real one from its first
                # packet at once ("delayed", the default, would send 3 s of audio to the SDP address)
                "--endpoint-learning=immediate", "--timeout=300", "--silent-timeout=3600", "--final-timeout=43200",
                "--offer-timeout=300", "--delete-delay=0", "--num-threads=2", f"--pidfile={pid_file}"]


def relay_ports(sip: SipConfig) -> tuple[int, int]:
    """The relay's media ports: as many as pbxd's RTP range has (at least 100), right after it."""
    span = max(100, sip.rtp_port_max - sip.rtp_port_min + 1)
    low = min(sip.rtp_port_max + 1, 65535 - 99)
    return low, min(65535, low + span - 1)


def free_ng_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((NG_HOST, 0))
        return int(sock.getsockname()[1])


def find_binary() -> str | None:
    return shutil.which(RTPENGINE) or shutil.which(RTPENGINE, path="/usr/bin:/usr/sbin")


def _bencode(value: str | int | dict[str, str]) -> bytes:
    if isinstance(value, dict):
        return b"d" + b"".join(_bencode(k) + _bencode(v) for k, v in sorted(value.items())) + b"e"
    if isinstance(value, int):
        return b"i%de" % value
    data = value.encode()
    return b"%d:%s" % (len(data), data)


def ng_command(port: int, command: dict[str, str], *, timeout: float = 1.0) -> bytes:
    """One ng request to 127.0.0.1:`port`; the raw bencoded reply (without the cookie); SipError if none."""
    cookie = secrets.token_hex(6).encode()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(cookie + b" " + _bencode(command), (NG_HOST, port))
            reply = sock.recv(65536)
        except OSError as exc:
            raise SipError(f"media relay on port {port}: {exc.strerror or exc}") from exc
    head, _, body = reply.partition(b" ")
    if head != cookie:
        raise SipError(f"media relay on port {port}: reply to another request")
    return body


def ng_alive(port: int) -> bool:
    try:
        return b"pong" in ng_command(port, {"command": "ping"}, timeout=0.5)
    except SipError:
        return False


class RelayProcess:
    """One rtpengine for a plan; `start` returns once it answers on its control port."""

    def __init__(self, plan: RelayPlan, run_dir: Path) -> None:
        self.plan = plan
        self.run_dir = run_dir
        self.proc: subprocess.Popen[str] | None = None
        self.recent: deque[str] = deque(maxlen=500)
        self._reader: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 15.0) -> None:
        if self.running:
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        cmd = self.plan.command(self.run_dir / "rtpengine.pid")
        try:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, text=True, errors="replace",
                                         start_new_session=True, preexec_fn=die_with_parent)
        except OSError as exc:
            raise SipError(f"media relay {self.plan.binary} not started: {exc.strerror or exc}") from exc
        self._reader = threading.Thread(target=self._read_log, args=(self.proc,), name="rtpengine-log", daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._reader.join(2.0)
                tail = " | ".join(list(self.recent)[-4:])
                self.proc = None
                raise SipError(f"media relay exited at start: {tail}")
            if ng_alive(self.plan.ng_port):
                log.info("media relay (rtpengine) on %s ports %d-%d, control %s (pid %d)", self.plan.interface,
                         self.plan.port_min, self.plan.port_max, self.plan.ng_socket, self.proc.pid)
                return
            time.sleep(0.05)
        self.stop()
        raise SipError(f"media relay did not answer on {self.plan.ng_socket} within {timeout:.0f} s")

    def _read_log(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.rstrip()
            if not line:
                continue
            self.recent.append(line)
            word = line.split(":", 1)[0].strip()
            log.log(_LEVELS.get(word, logging.DEBUG), "rtpengine: %s", line)

    def stop(self, timeout: float = 10.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("media relay did not stop on SIGTERM; killing it")
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(5.0)
        if self._reader is not None:
            self._reader.join(2.0)
        if proc.stderr is not None:
            proc.stderr.close()
        log.info("media relay stopped")
