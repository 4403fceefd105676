"""The Kamailio child process: config check, start in the foreground (-DD -E), readiness over RPC,
log lines into Python logging, stop with SIGTERM then SIGKILL, and a self-signed TLS certificate
made with Debian's openssl at first start (RFC 3261 §26.2.1: TLS for the SIP edge).

Kamailio forks its workers into our process group's child; `-DD` keeps the main process in the
foreground so stopping it stops all of them, and a new session keeps terminal signals away. The
main process gets SIGTERM if the thread that started it dies (start it from pbxd's main thread).
"""

from __future__ import annotations

import ctypes
import logging
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from pathlib import Path

from firmware.contracts.errors import SipError
from firmware.edge.rpc import KamailioRpc

log = logging.getLogger("pbxd.edge")
_LEVEL = re.compile(r"\b(ERROR|WARNING|NOTICE|INFO|DEBUG|CRITICAL|ALERT|BUG):")
_LEVELS = {"ERROR": logging.ERROR, "CRITICAL": logging.CRITICAL, "ALERT": logging.CRITICAL, "BUG": logging.ERROR,
           "WARNING": logging.WARNING, "NOTICE": logging.INFO, "INFO": logging.INFO, "DEBUG": logging.DEBUG}


def die_with_parent() -> None:
    """In the child before exec: SIGTERM when the process that started Kamailio dies (Linux
    PR_SET_PDEATHSIG), so a pbxd killed with SIGKILL leaves no edge behind."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)     # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def check_config(binary: str, config: Path) -> None:
    """`kamailio -c`: SipError with Kamailio's own complaint when the config does not parse."""
    result = subprocess.run([binary, "-c", "-f", str(config)], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if "ERROR" in line or "CRITICAL" in line]
        raise SipError(f"Kamailio rejects {config}: {' | '.join(errors[-5:]) or result.stderr[-500:]}")


def ensure_certificate(cert: Path, key: Path, common_name: str, *, days: int = 3650) -> bool:
    """Generate a self-signed RSA certificate (and key, mode 0600) if `cert` is missing; True if made."""
    if cert.exists() and key.exists():
        return False
    openssl = shutil.which("openssl")
    if openssl is None:
        raise SipError("openssl not found: cannot make the TLS certificate for the SIP edge")
    cert.parent.mkdir(parents=True, exist_ok=True)
    subject = f"/CN={common_name}"
    result = subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", str(days),
         "-keyout", str(key), "-out", str(cert), "-subj", subject],
        capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise SipError(f"openssl could not make the TLS certificate: {result.stderr.strip()[-300:]}")
    os.chmod(key, 0o600)
    log.info("made a self-signed TLS certificate for %s in %s", common_name, cert)
    return True


class KamailioProcess:
    """One Kamailio instance for a rendered config; `start` returns once its RPC answers."""

    def __init__(self, binary: str, config: Path, run_dir: Path, rpc: KamailioRpc, *,
                 shm_mb: int = 64, pkg_mb: int = 8, name: str = "kamailio") -> None:
        self.binary = binary
        self.config = config
        self.run_dir = run_dir
        self.rpc = rpc
        self.shm_mb = shm_mb
        self.pkg_mb = pkg_mb
        self.name = name
        self.proc: subprocess.Popen[str] | None = None
        self.recent: deque[str] = deque(maxlen=2000)
        self._reader: threading.Thread | None = None
        self.starts = 0
        self._stopping = False

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self, timeout: float = 20.0) -> None:
        if self.running:
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        rpc_sock = self.rpc.socket_path
        if rpc_sock.exists():
            rpc_sock.unlink()
        # TLSF for shared and private memory: Debian's default allocator (qm) took 16-18 % of the edge's
        # CPU in a profile of routed calls and needs ~7 % more shared memory at the same load
        cmd = [self.binary, "-DD", "-E", "-f", str(self.config), "-m", str(self.shm_mb), "-M", str(self.pkg_mb),
               "-x", "tlsf", "-X", "tlsf", "-P", str(self.run_dir / "kamailio.pid"), "-Y", str(self.run_dir)]
        self._stopping = False
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, errors="replace", start_new_session=True,
                                     preexec_fn=die_with_parent)
        self.starts += 1
        self._reader = threading.Thread(target=self._read_log, args=(self.proc,), name=f"{self.name}-log",
                                        daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._reader.join(2.0)
                tail = " | ".join(list(self.recent)[-6:])
                raise SipError(f"{self.name} exited at start (status {self.proc.returncode}): {tail}")
            if rpc_sock.exists() and self.rpc.alive():
                log.info("%s started (pid %d)", self.name, self.proc.pid)
                return
            time.sleep(0.05)
        self.stop()
        raise SipError(f"{self.name} did not answer on {rpc_sock} within {timeout:.0f} s")

    def _read_log(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.rstrip()
            if not line:
                continue
            self.recent.append(line)
            match = _LEVEL.search(line)
            level = _LEVELS.get(match.group(1), logging.INFO) if match else logging.DEBUG
            if self._stopping and "exited normally" in line:
                level = logging.DEBUG
            log.log(level, "%s: %s", self.name, line)

    def stop(self, timeout: float = 10.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        self._stopping = True
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop on SIGTERM; killing it", self.name)
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(5.0)
        if self._reader is not None:
            self._reader.join(2.0)
        if proc.stderr is not None:
            proc.stderr.close()
        self._stopping = False
        log.info("%s stopped", self.name)

    def restart(self) -> None:
        self.stop()
        self.start()
