"""A burst of calls through pbxd's B2BUA (far more than an office makes): the box refuses the excess
(503, or 486 while the called phone is still busy with the previous call) and stays up, and its call
slots come back - the next call goes through.

Found by the SIP benchmark: 30 short calls a second through pbxd made pjlib abort the whole daemon
(its socket table keeps each closed call's RTP sockets for a while), and calls that pjsua2 ended
before pbxd saw them kept their slot for ever, so every later call got 503. The edge now hands pbxd
at most 5 new INVITEs a second; pbxd checks every second for calls pjsua2 let go silently."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sip.conftest import sip_section
from tests.sip.net import Net, free_port, wait_until
from tests.sip.pbxd import Pbxd
from tests.sip.sipp import SippServer, run_sipp

pytestmark = pytest.mark.slow
PASSWORD = "overload-secret-"


def users(path: Path, user: str, callee: str = "") -> Path:
    tail = f";{callee}" if callee else ""
    path.write_text(f"SEQUENTIAL\n{user};[authentication username={user} password={PASSWORD}{user}]{tail}\n")
    return path


@pytest.fixture
def box(tmp_path: Path, net: Net) -> Iterator[Pbxd]:
    # phone to phone through pbxd (direct routing off): every call takes two of pbxd's call slots
    cfg: dict[str, Any] = {"sip": sip_section(net, direct_routing=False, rtp_timeout_s=0,
                                              ban={"trusted": [net.ip(50), net.ip(51)]}),
                           "sip_extensions": [{"number": "301", "password": PASSWORD + "301"},
                                              {"number": "302", "password": PASSWORD + "302"}]}
    pbxd = Pbxd(tmp_path / "box", cfg, start_timeout=120)
    try:
        yield pbxd
    finally:
        pbxd.stop()


def test_a_call_burst_is_refused_cleanly_and_the_box_keeps_serving(box: Pbxd, net: Net, tmp_path: Path) -> None:
    sip = box.config["sip"]
    target = f"{sip['bind']}:{sip['udp_port']}"
    uas_ip, uac_ip = net.ip(51), net.ip(50)
    port = free_port(uas_ip)
    reg = run_sipp("register.xml", target, uas_ip, port, inf=users(tmp_path / "uas.csv", "301"),
                   keys={"expires": "3600"}, timeout_s=10)
    assert reg.ok, reg
    answerer = SippServer("uas_bench.xml", "", uas_ip, port, calls=10**6, limit=10**5, timeout_s=600,
                          recv_timeout_ms=120_000, extra=["-mp", str(free_port(uas_ip, tcp=False))])
    try:
        log = tmp_path / "burst.log"
        burst = run_sipp("uac_auth_call_or_503.xml", target, uac_ip, free_port(uac_ip), calls=240, rate=60,
                         limit=240, inf=users(tmp_path / "uac.csv", "302"), keys={"rtpport": "9"}, timeout_s=60,
                         extra=["-s", "301", "-d", "0", "-trace_logs", "-log_file", str(log),
                                "-trace_err", "-error_file", str(tmp_path / "err.log")])
        refused = log.read_text().count("refused ") if log.exists() else 0
        # every call either went through or was refused (503/486): none failed half-way or hung
        assert burst.counters.get("Failed call", -1) == 0, burst
        assert burst.counters.get("Successful call", 0) == 240, burst
        assert 0 < refused < 240, (refused, burst)
        assert box.proc.poll() is None, box.log()[-3000:]
        # the slots come back: nothing is left up, and an ordinary call goes through
        wait_until(lambda: box.ctl("sip")["slots"]["calls"] == 0, 10, 0.5)
        after = run_sipp("uac_auth_call.xml", target, uac_ip, free_port(uac_ip), calls=1,
                         inf=users(tmp_path / "one.csv", "302"), keys={"rtpport": "9"}, timeout_s=20,
                         extra=["-s", "301", "-d", "500"])
        assert after.ok, after
    finally:
        answerer.stop()
