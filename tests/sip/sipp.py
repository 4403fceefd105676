"""SIPp runs for the tests: a scenario file, local address/port, call count and rate; the result
is the exit status plus the counters SIPp prints. Every run has a hard timeout and is killed on it."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SCENARIOS = Path(__file__).with_name("scenarios")
SIPP = shutil.which("sipp") or "/usr/bin/sipp"


@dataclass(repr=False)
class SippResult:
    returncode: int
    stdout: str
    stderr: str
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def __str__(self) -> str:
        return f"sipp exit {self.returncode}: {self.stderr[-600:]} {self.stdout[-1200:]}"

    __repr__ = __str__   # pytest prints the repr of an assertion message: show SIPp's own error text


def _counters(text: str) -> dict[str, int]:
    out: dict[str, int] = {"Retransmissions": 0}
    table = text.rsplit("Messages  Retrans", 1)[-1] if "Messages  Retrans" in text else ""
    for line in table.splitlines():
        m = re.match(r"\s*\S+ (?:-+>|<-+)\s+(?:E-RTD\d\s+)?(\d+)\s+(\d+)", line)
        if m:
            out["Retransmissions"] += int(m.group(2))
    for name in ("Successful call", "Failed call", "Outgoing calls created", "Incoming calls created"):
        m = re.search(rf"{name}\s*\|\s*\d+\s*\|\s*(\d+)", text)
        if m:
            out[name] = int(m.group(1))
    return out


def sipp_args(scenario: str | Path, target: str, local_ip: str, local_port: int, *, calls: int = 1,
              rate: float = 1.0, limit: int = 10, timeout_s: int = 30, transport: str = "u1",
              inf: Path | None = None, keys: dict[str, str] | None = None, media_ip: str | None = None,
              media_port: int | None = None, extra: list[str] | None = None,
              recv_timeout_ms: int = 10000) -> list[str]:
    path = Path(scenario) if Path(scenario).is_absolute() else SCENARIOS / scenario
    args = [SIPP, "-sf", str(path), "-i", local_ip, "-p", str(local_port), "-m", str(calls),
            "-r", str(rate), "-l", str(limit), "-t", transport, "-nostdin", "-timeout", f"{timeout_s}s",
            "-timeout_error", "-max_recv_loops", "1000", "-recv_timeout", str(recv_timeout_ms), "-nr"]
    if inf is not None:
        args += ["-inf", str(inf)]
    for k, v in (keys or {}).items():
        args += ["-key", k, v]
    if media_ip:
        args += ["-mi", media_ip]
    if media_port:
        args += ["-mp", str(media_port)]
    if target:
        args.append(target)
    return args + (extra or [])


def run_sipp(*args: object, **kw: object) -> SippResult:
    """Run SIPp to completion (its own -timeout plus a margin, then killed)."""
    timeout = int(kw.get("timeout_s", 30)) + 15  # type: ignore[call-overload]
    cmd = sipp_args(*args, **kw)  # type: ignore[arg-type]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, errors="replace")
    except subprocess.TimeoutExpired as exc:
        return SippResult(-9, str(exc.stdout or ""), f"killed after {timeout} s")
    return SippResult(proc.returncode, proc.stdout, proc.stderr, _counters(proc.stdout))


class SippServer:
    """A SIPp UAS (or any long-running SIPp) in the background; `stop()` kills it."""

    def __init__(self, *args: object, **kw: object) -> None:
        self.cmd = sipp_args(*args, **kw)  # type: ignore[arg-type]
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     errors="replace", start_new_session=True)
        self.out = ""
        self.err = ""

    def running(self) -> bool:
        return self.proc.poll() is None

    def wait(self, timeout: float = 30.0) -> SippResult:
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            return SippResult(-9, self.out, self.err + f" (still running after {timeout} s; killed)")
        self.out, self.err = out, err
        return SippResult(self.proc.returncode, out, err, _counters(out))

    def stop(self) -> SippResult:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGUSR1)   # SIPp: dump stats and quit
            try:
                out, err = self.proc.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                out, err = self.proc.communicate(timeout=5)
            self.out, self.err = out, err
        elif not self.out:
            out, err = self.proc.communicate(timeout=5)
            self.out, self.err = out, err
        return SippResult(self.proc.returncode, self.out, self.err, _counters(self.out))
