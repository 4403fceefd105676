"""SIP benchmark (not a test): pbxd with its Kamailio edge on loopback, loaded by SIPp.

Measures (each step with SIPp on 127.0.x.y, the load sources trusted so the flood guard stays out):
* call rate through Kamailio alone (phone -> phone: INVITE/407/INVITE/200/ACK/BYE) and through
  pbxd (direct routing off: Kamailio -> pbxd's pjsua2 B2BUA -> Kamailio), rising until a step
  has a failed call or a retransmission; Kamailio and pbxd CPU per call at each step;
* REGISTER rate (with digest) through Kamailio;
* concurrent calls: media-anchored in pbxd up to its call limit (phones calling handsets that
  answer, RTP echoed back, RTP loss and late analog frames counted, pbxd CPU at each number
  of calls), plus Kamailio-routed calls far beyond that limit.

Usage: python -m tools.bench_sip [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.sip.conftest import sip_section
from tests.sip.net import Net, free_port, net_for_process, wait_until
from tests.sip.pbxd import Pbxd
from tests.sip.sipp import SCENARIOS, SippResult, SippServer, run_sipp

HZ = os.sysconf("SC_CLK_TCK")
PASSWORD = "bench-secret-"


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) of every process in process group `pgid`."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / HZ


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds per thread (native id) of process `pid`."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(tid)] = (int(fields[11]) + int(fields[12])) / HZ
    return out


def split_cpu(before: dict[int, float], after: dict[int, float], names: dict[str, int]) -> dict[str, float]:
    """CPU seconds between two samples, by part of pbxd: the port thread (drivers and, here, the
    virtual board), the runtime thread (engine + SIP agent + pjsua2 signalling), everything else
    (pjsua2's media thread and conference-bridge clock, web, control)."""
    delta = {tid: after.get(tid, 0.0) - before.get(tid, 0.0) for tid in after}
    by_tid = {tid: name for name, tid in names.items()}
    parts = {"ports": 0.0, "runtime": 0.0, "media and rest": 0.0}
    for tid, cpu in delta.items():
        name = by_tid.get(tid, "")
        key = "ports" if "port" in name else "runtime" if name == "pbx-runtime" else "media and rest"
        parts[key] += cpu
    return parts


def kamailio_pgid(box: Pbxd) -> int:
    from firmware.edge.render import EdgeLayout
    return int(EdgeLayout(box.state / "sip").pid_file.read_text())


@dataclass
class Step:
    label: str
    offered: float
    calls: int
    ok: int
    failed: int
    retrans: int
    seconds: float
    kam_cpu: float
    pbx_cpu: float

    @property
    def clean(self) -> bool:
        return self.failed == 0 and self.retrans == 0 and self.ok == self.calls

    def row(self, unit: str = "call") -> str:
        rate = self.ok / self.seconds if self.seconds else 0.0
        per = 1000 * (self.kam_cpu + self.pbx_cpu) / max(1, self.ok)
        return (f"| {self.label} | {self.offered:g} | {self.ok}/{self.calls} | {self.failed} | {self.retrans} | "
                f"{rate:.1f} | {100 * self.kam_cpu / self.seconds:.0f} % | {100 * self.pbx_cpu / self.seconds:.0f} % | "
                f"{1000 * self.kam_cpu / max(1, self.ok):.2f} | {1000 * self.pbx_cpu / max(1, self.ok):.2f} | "
                f"{per:.2f} |")


class Bench:
    def __init__(self, root: Path, net: Net, *, direct: bool, users: int = 0) -> None:
        self.net = net
        self.users = users
        self.uac_ip, self.uas_ip, self.reg_ip = net.ip(50), net.ip(51), net.ip(52)
        self.reg_port = free_port(self.reg_ip) if users else 0   # one contact per extension: the devices limit holds
        exts = [{"number": "301", "password": PASSWORD + "301", "devices": 1},
                {"number": "302", "password": PASSWORD + "302"}]
        exts += [{"number": str(1000 + i), "password": PASSWORD + str(1000 + i)} for i in range(users)]
        cfg: dict[str, Any] = {"sip": sip_section(net, direct_routing=direct, rtp_timeout_s=0,
                                                  ban={"trusted": [self.uac_ip, self.uas_ip, self.reg_ip]}),
                               "sip_extensions": exts}
        self.box = Pbxd(root / ("direct" if direct else "anchored"), cfg, start_timeout=120)
        sip = cfg["sip"]
        self.target = f"{sip['bind']}:{sip['udp_port']}"
        self.root = root
        self.kam = kamailio_pgid(self.box)
        self.uas: SippServer | None = None

    def users_file(self, name: str, users: list[str], extra: list[str] | None = None) -> Path:
        path = self.root / name
        lines = ["SEQUENTIAL"]
        for i, u in enumerate(users):
            tail = f";{extra[i]}" if extra else ""
            lines.append(f"{u};[authentication username={u} password={PASSWORD}{u}]{tail}")
        path.write_text("\n".join(lines) + "\n")
        return path

    def start_answerer(self) -> None:
        """SIPp registered as extension 301 and answering every call."""
        port = free_port(self.uas_ip)
        reg = run_sipp("register.xml", self.target, self.uas_ip, port, inf=self.users_file("uas.csv", ["301"]),
                       keys={"expires": "3600"}, timeout_s=10)
        assert reg.ok, reg
        self.uas = SippServer("uas_bench.xml", "", self.uas_ip, port, calls=10**7, limit=10**6, timeout_s=10**6,
                              recv_timeout_ms=600_000, extra=["-mp", str(free_port(self.uas_ip, tcp=False))])
        time.sleep(0.5)

    def measure(self, label: str, offered: float, run: Any) -> tuple[Step, SippResult]:
        k0, p0, t0 = group_cpu(self.kam), group_cpu(self.box.proc.pid), time.monotonic()
        result: SippResult = run()
        seconds = time.monotonic() - t0
        k1, p1 = group_cpu(self.kam), group_cpu(self.box.proc.pid)
        c = result.counters
        calls = c.get("Outgoing calls created", 0)
        step = Step(label, offered, calls, c.get("Successful call", 0), c.get("Failed call", 0),
                    c.get("Retransmissions", 0), seconds, k1 - k0, p1 - p0)
        return step, result

    def call_rate(self, rate: float, seconds: float) -> Step:
        calls = max(1, int(rate * seconds))
        inf = self.users_file("uac.csv", ["302"])

        def run() -> SippResult:
            return run_sipp("uac_auth_call.xml", self.target, self.uac_ip, free_port(self.uac_ip), calls=calls,
                            rate=rate, limit=max(10, int(rate * 4)), inf=inf, keys={"rtpport": "9"},
                            timeout_s=int(seconds) + 30, extra=["-s", "301", "-d", "0"])
        step, _ = self.measure("calls", rate, run)
        return step

    def register_rate(self, rate: float, registrations: int) -> Step:
        """`registrations` REGISTERs at `rate`, the extensions 1000... taken in turn (each with digest)."""
        users = min(registrations, self.users)
        inf = self.users_file("reg.csv", [str(1000 + i) for i in range(users)])

        def run() -> SippResult:
            return run_sipp("register.xml", self.target, self.reg_ip, self.reg_port, calls=registrations,
                            rate=rate, limit=max(10, int(rate)), inf=inf, keys={"expires": "600"},
                            timeout_s=int(registrations / rate) + 30)
        step, _ = self.measure("REGISTER", rate, run)
        return step

    def stop(self) -> None:
        if self.uas is not None:
            self.uas.stop()
        self.box.stop()


def ladder(make: Any, rates: list[float]) -> list[Step]:
    """Rising offered rates until a step is not clean (that step is reported too)."""
    steps = []
    for rate in rates:
        step = make(rate)
        steps.append(step)
        if not step.clean:
            break
    return steps


HEAD = ("| load | offered /s | done | failed | retrans | achieved /s | Kamailio CPU | pbxd CPU | "
        "Kamailio ms CPU/op | pbxd ms CPU/op | total ms CPU/op |\n|---|---|---|---|---|---|---|---|---|---|---|")


def best(steps: list[Step]) -> str:
    clean = [s for s in steps if s.clean]
    return f"{max(s.offered for s in clean):g}/s" if clean else "none clean"


def anchored_concurrency(bench: Bench, hold_s: float = 40.0, gap_s: float = 7.0) -> tuple[list[str], dict[str, Any]]:
    """Phones call the four handsets one after another (each answers and talks; SIPp echoes RTP);
    pbxd's CPU is sampled at each number of calls. Returns table rows and the final SIP status."""
    box = bench.box
    scenario = bench.root / "uac_to_field.xml"
    scenario.write_text((SCENARIOS / "uac_auth_call.xml").read_text().replace("[service]", "[field2]"))
    targets = ["201", "202", "203", "204"]
    inf = bench.users_file("anch.csv", ["302"] * 4, targets)
    media = free_port(bench.uac_ip, tcp=False)
    stop = threading.Event()

    def answer() -> None:
        while not stop.is_set():
            try:
                for p in box.ctl("status")["ports"]:
                    if p["kind"] == "fxs" and p["status"] == "ringing":
                        box.handset(p["port"], "off-hook")
                        box.handset(p["port"], "tone", "700")
            except AssertionError:       # a busy control socket: ask again
                pass
            time.sleep(0.2)

    answerer = threading.Thread(target=answer, daemon=True)
    answerer.start()
    rows = []
    pid = box.proc.pid
    names = box.ctl("sip")["slots"]["threads"]

    def sample(seconds: float) -> tuple[float, dict[str, float]]:
        c0, t0, th0 = group_cpu(pid), time.monotonic(), thread_cpu(pid)
        time.sleep(seconds)
        span = time.monotonic() - t0
        parts = split_cpu(th0, thread_cpu(pid), names)
        return (group_cpu(pid) - c0) / span, {k: v / span for k, v in parts.items()}

    idle, idle_parts = sample(5.0)
    rows.append(f"| 0 | {100 * idle:.1f} % | - | {100 * idle_parts['ports']:.1f} % | "
                f"{100 * idle_parts['runtime']:.1f} % | {100 * idle_parts['media and rest']:.1f} % | - |")
    caller = SippServer(scenario, bench.target, bench.uac_ip, free_port(bench.uac_ip), calls=4, rate=1 / gap_s,
                        limit=4, inf=inf, keys={"rtpport": str(media)}, timeout_s=int(hold_s + 4 * gap_s + 60),
                        extra=["-d", str(int(hold_s * 1000)), "-mp", str(media), "-rtp_echo"])
    status: dict[str, Any] = {}
    try:
        for n in range(1, 5):
            try:
                wait_until(lambda n=n: sum(1 for c in box.ctl("status")["calls"] if c["state"] == "connected") >= n,
                           gap_s + 15, 0.2)
            except AssertionError:
                rows.append(f"| {n} | call {n} was not answered | | | | | |")
                break
            time.sleep(1.0)
            load, parts = sample(4.0)
            own = (parts["runtime"] + parts["media and rest"]) - (idle_parts["runtime"] + idle_parts["media and rest"])
            rows.append(f"| {n} | {100 * load:.1f} % | {100 * (load - idle) / n:.2f} % | "
                        f"{100 * parts['ports']:.1f} % | {100 * parts['runtime']:.1f} % | "
                        f"{100 * parts['media and rest']:.1f} % | {100 * own / n:.2f} % |")
        status = box.ctl("sip")
        result = caller.wait(hold_s + 60)
    finally:
        stop.set()
        answerer.join(2.0)
        caller.stop()
        hang_up(box)
    status["sipp_ok"] = result.counters.get("Successful call", 0)
    return rows, status


def hang_up(box: Pbxd) -> None:
    """Put the handsets that answered back on-hook: left off-hook they keep the virtual board and the
    bridge busy (the far end's tone, then howler) and the later Kamailio-only steps would count that
    as pbxd's CPU (about 20 % of a core for four handsets)."""
    for p in box.ctl("status")["ports"]:
        if p["kind"] == "fxs" and p["status"] != "idle":
            box.handset(p["port"], "on-hook")
    wait_until(lambda: all(p["status"] == "idle" for p in box.ctl("status")["ports"] if p["kind"] == "fxs"),
               15, 0.2, "the handsets did not go idle")


def idle_cpu(box: Pbxd, seconds: float = 5.0) -> float:
    """pbxd's CPU (share of one core) with no call at all: the base under every pbxd CPU figure."""
    c0, t0 = group_cpu(box.proc.pid), time.monotonic()
    time.sleep(seconds)
    return (group_cpu(box.proc.pid) - c0) / (time.monotonic() - t0)


def routed_concurrency(bench: Bench, rate: float, hold_s: float) -> Step:
    calls = int(rate * hold_s)
    inf = bench.users_file("conc.csv", ["302"])

    def run() -> SippResult:
        return run_sipp("uac_auth_call.xml", bench.target, bench.uac_ip, free_port(bench.uac_ip), calls=calls,
                        rate=rate, limit=calls + 10, inf=inf, keys={"rtpport": "9"}, timeout_s=int(2 * hold_s) + 60,
                        extra=["-s", "301", "-d", str(int(hold_s * 1000))])
    step, _ = bench.measure(f"{calls} held {hold_s:.0f} s", rate, run)
    return step


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="short steps (a smoke run)")
    a = p.parse_args(argv)
    seconds = 5.0 if a.quick else 10.0
    net = net_for_process()
    root = Path(tempfile.mkdtemp(prefix="bench-sip-"))
    out: list[str] = ["## SIP: Kamailio edge and pbxd's call slots (issue 5)", ""]
    try:
        bench = Bench(root, net, direct=True, users=400)
        try:
            bench.start_answerer()
            anchored_rows, status = anchored_concurrency(bench)
            pbx_idle = idle_cpu(bench.box)
            calls = ladder(lambda r: bench.call_rate(r, seconds), [25, 50, 75, 100, 150, 200, 300])
            regs = ladder(lambda r: bench.register_rate(r, int(r * seconds)), [100, 200, 300, 400, 600, 800, 1200])
            routed = routed_concurrency(bench, 20.0, 15.0 if a.quick else 25.0)
        finally:
            bench.stop()
        anchored = Bench(root, net, direct=False)
        try:
            anchored.start_answerer()
            b2b = ladder(lambda r: anchored.call_rate(r, seconds), [2, 5, 10, 20, 30, 40, 60])
        finally:
            anchored.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    legs = status.get("slots", {}).get("legs", {})
    ports = status.get("slots", {}).get("ports", {})
    lost = sum(v["lost"] for v in legs.values())
    rx = sum(v["rx"] for v in legs.values())
    late = sum(v["frames_late"] for k, v in ports.items() if k in ("1", "2", "3", "4"))
    gap = max((v["max_tick_gap_ms"] for v in ports.values()), default=0.0)
    out += [
        f"Best clean rates (no failed call, no retransmission): phone-to-phone calls routed by Kamailio "
        f"**{best(calls)}**, calls through pbxd's B2BUA **{best(b2b)}** (the edge hands pbxd at most 5 new calls a "
        f"second by design and answers the rest 503 with Retry-After: docs/decisions.md, 'Overload'), REGISTER with "
        f"digest **{best(regs)}**.",
        "Each call is INVITE, 407, INVITE with digest, 100, 200, ACK, BYE, 200 (no talk time); CPU is process "
        "time of the Kamailio process group and of pbxd over the step (2 cores shared). pbxd has no part in "
        f"Kamailio-routed calls and REGISTERs but imports each call's record; its idle CPU (virtual board, no "
        f"call) is {100 * pbx_idle:.0f} % of a core and is part of every pbxd CPU figure below.", "",
        "### Calls routed by Kamailio alone (IP phone to IP phone)", "", HEAD, *(s.row() for s in calls), "",
        "### Calls through pbxd (B2BUA: two of its call slots per call)", "", HEAD, *(s.row() for s in b2b), "",
        "### REGISTER with digest", "", HEAD, *(s.row() for s in regs), "",
        "### Concurrent calls", "",
        f"Kamailio-routed: {routed.ok} of {routed.calls} calls held at once ({routed.failed} failed, "
        f"{routed.retrans} retransmissions); Kamailio CPU {1000 * routed.kam_cpu / max(1, routed.ok):.2f} ms per call.",
        "",
        f"Media-anchored in pbxd (phone -> handset, RTP echoed back): {status.get('sipp_ok', 0)} of 4 calls completed, "
        f"call limit {status.get('slots', {}).get('max_calls', '?')}; RTP packets received {rx}, lost {lost}; "
        f"late analog frames on the four handsets' ports {late} (bridge clock gaps up to {gap:.0f} ms on this "
        f"shared machine).", "",
        "pbxd CPU by thread: *ports* is the port thread (chip drivers and, on this machine, the whole virtual "
        "board: chip models, handsets, exchange lines); *runtime* is the engine with the SIP agent and pjsua2's "
        "signalling; *media* is pjsua2's media and conference-bridge threads and the rest. *pbxd's own per call* "
        "is runtime + media above idle, per anchored call.", "",
        "| anchored calls | pbxd CPU (of one core) | per call above idle | ports | runtime | media and rest | "
        "pbxd's own per call |", "|---|---|---|---|---|---|---|", *anchored_rows,
    ]
    print("\n".join(out))
    return 0


def run() -> str:
    """`make bench` section, in a fresh process."""
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "tools.bench_sip"], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parents[1]).stdout.strip()


if __name__ == "__main__":
    raise SystemExit(main())
