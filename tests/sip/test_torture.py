"""Malformed and unusual SIP at the box's public port (RFC 4475 style, tests/sip/torture.py): every
message gets its answer (or is dropped where nothing can be answered), unknown users and wrong
passwords get identical challenges (no extension enumeration), odd INVITEs from an authenticated
phone reach pbxd's own SIP agent and are refused cleanly, and afterwards Kamailio and pbxd still
register phones and carry a call."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from firmware.edge.edge import SipEdge
from firmware.edge.render import EdgeLayout
from tests.sip.conftest import make_config, sip_section
from tests.sip.net import Net, free_port, wait_until
from tests.sip.pbxd import Pbxd
from tests.sip.sipclient import Response, SipClient, digest
from tests.sip.sipp import SippServer, run_sipp
from tests.sip.test_edge_auth import users_file
from tests.sip.torture import CASES, Case

PASSWORD = "torture-301-secret"
REGISTER = """REGISTER sip:{server} SIP/2.0
Via: SIP/2.0/UDP {local};branch={branch};rport
From: <sip:{user}@{server}>;tag={tag}
To: <sip:{user}@{server}>
Call-ID: {cid}
CSeq: {cseq} REGISTER
Contact: <sip:{user}@{local}>
Max-Forwards: 70
Expires: 60
{auth}Content-Length: 0

"""


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SipEdge]:
    from tests.sip.net import net_for_process
    net = net_for_process()
    cfg = make_config(net, sip_extensions=[{"number": "301", "password": PASSWORD}],
                      sip={"ban": {"auth_failures": 1000}})
    e = SipEdge(cfg, tmp_path_factory.mktemp("torture") / "state", debug=1)
    e.prepare()
    e.start()
    yield e
    e.stop()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_message_gets_its_answer(edge: SipEdge, net: Net, case: Case) -> None:
    assert edge.plan is not None
    client = SipClient(net.ip(70), (net.box, edge.plan.sip.udp_port), transport=case.transport)
    try:
        answer = client.exchange(case.message, 1.5)
    finally:
        client.close()
    got = answer.code if answer is not None else None
    assert got in case.expect, f"{case.name}: got {got} ({answer.reason if answer else 'nothing'}); {case.why}"
    assert edge.rpc.alive()


def _register(client: SipClient, user: str, password: str) -> tuple[Response, float]:
    """REGISTER, answer the challenge with `password`; the final answer and how long it took."""
    cid = f"reg-{time.monotonic_ns()}"
    first = client.exchange(REGISTER, user=user, cid=cid, cseq="1", auth="")
    assert first is not None and first.code == 401
    auth = digest(first.header("www-authenticate"), "REGISTER", f"sip:{client.server[0]}:{client.server[1]}",
                  user, password)
    started = time.perf_counter()
    final = client.exchange(REGISTER, user=user, cid=cid, cseq="2", auth=f"Authorization: {auth}\n")
    took = time.perf_counter() - started
    assert final is not None
    return final, took


def _shape(resp: Response) -> tuple[int, str, list[str], list[str]]:
    challenge = resp.header("www-authenticate")
    params = sorted(p.split("=")[0].strip() for p in challenge.removeprefix("Digest ").split(","))
    return resp.code, resp.reason, sorted(resp.headers), params


def test_unknown_user_and_wrong_password_look_the_same(edge: SipEdge, net: Net) -> None:
    assert edge.plan is not None
    client = SipClient(net.ip(71), (net.box, edge.plan.sip.udp_port))
    unknown: list[float] = []
    wrong: list[float] = []
    try:
        for _ in range(8):
            a, ta = _register(client, "399", "whatever-password")       # no such extension
            b, tb = _register(client, "301", "not-the-password")        # exists, wrong password
            unknown.append(ta)
            wrong.append(tb)
            assert _shape(a) == _shape(b)
            assert a.code == 401
            assert a.header("www-authenticate").split("nonce=")[0] == b.header("www-authenticate").split("nonce=")[0]
        good, _ = _register(client, "301", PASSWORD)
    finally:
        client.close()
    assert good.code == 200
    mu, mw = statistics.median(unknown), statistics.median(wrong)
    # the same timing class: both answered straight away, neither path noticeably slower
    assert abs(mu - mw) < max(0.05, 0.5 * max(mu, mw)), (unknown, wrong)


# --- the whole box ---------------------------------------------------------------------------------
ODD_INVITE = """INVITE sip:{to}@{server} SIP/2.0
Via: SIP/2.0/UDP {local};branch={branch};rport
From: <sip:301@{server}>;tag={ftag}
To: <sip:{to}@{server}>
Call-ID: {cid}
CSeq: {cseq} INVITE
Contact: <sip:301@{local}>
Max-Forwards: 70
{auth}Content-Type: application/sdp
Content-Length: {len}

{sdp}"""
ACK = """ACK sip:{to}@{server} SIP/2.0
Via: SIP/2.0/UDP {local};branch={branch};rport
From: <sip:301@{server}>;tag={ftag}
To: {totag}
Call-ID: {cid}
CSeq: {cseq} ACK
Max-Forwards: 70
Content-Length: 0

"""
G729_ONLY = "v=0\no=- 1 1 IN IP4 {ip}\ns=-\nc=IN IP4 {ip}\nt=0 0\nm=audio 4000 RTP/AVP 18\na=rtpmap:18 G729/8000\n"
BAD_SDP = "v=banana\nthis is not SDP at all\n"
PCMA = "v=0\no=- 1 1 IN IP4 {ip}\ns=-\nc=IN IP4 {ip}\nt=0 0\nm=audio 4000 RTP/AVP 8\na=rtpmap:8 PCMA/8000\n"


def _authed_invite(client: SipClient, to: str, sdp: str) -> Response | None:
    """An INVITE from extension 301 with digest; every final answer ACKed as RFC 3261 17.1.1.3 asks."""
    cid, ftag = f"odd-{time.monotonic_ns()}", "t" + str(time.monotonic_ns())
    fields: dict[str, Any] = {"to": to, "cid": cid, "ftag": ftag, "sdp": sdp}
    branch = "z9hG4bKodd1" + str(time.monotonic_ns())
    client.send(client.fill(ODD_INVITE, cseq="1", auth="", branch=branch, **fields))
    first = client.receive(3)
    assert first is not None and first.code == 407, first
    client.send(client.fill(ACK, cseq="1", totag=first.header("to"), branch=branch, **fields))
    auth = digest(first.header("proxy-authenticate"), "INVITE", f"sip:{to}@{client.server[0]}:{client.server[1]}",
                  "301", PASSWORD)
    branch = "z9hG4bKodd2" + str(time.monotonic_ns())
    client.send(client.fill(ODD_INVITE, cseq="2", auth=f"Proxy-Authorization: {auth}\n", branch=branch, **fields))
    final = client.receive(8)
    if final is not None:
        client.send(client.fill(ACK, cseq="2", totag=final.header("to"), branch=branch, **fields))
    return final


@pytest.fixture
def box(tmp_path: Path, net: Net) -> Iterator[Pbxd]:
    cfg: dict[str, Any] = {"sip": sip_section(net), "sip_extensions": [{"number": "301", "password": PASSWORD}]}
    pbxd = Pbxd(tmp_path / "box", cfg)
    try:
        yield pbxd
    finally:
        pbxd.stop()


@pytest.mark.slow
def test_after_the_torture_the_box_still_registers_and_calls(box: Pbxd, net: Net, tmp_path: Path) -> None:
    sip = box.config["sip"]
    server = (sip["bind"], sip["udp_port"])
    pid_file = EdgeLayout(box.state / "sip").pid_file
    kamailio_pid = int(pid_file.read_text())
    for case in CASES:
        client = SipClient(net.ip(72), server, transport=case.transport)
        try:
            client.exchange(case.message, 1.0)
        finally:
            client.close()
    client = SipClient(net.phone, server)
    try:
        codecs = _authed_invite(client, "201", G729_ONLY)      # pbxd's agent: no common codec
        garbage = _authed_invite(client, "201", BAD_SDP)       # unparseable offer
        nobody = _authed_invite(client, "399", PCMA)           # no such number
    finally:
        client.close()
    assert codecs is not None and codecs.code == 488, codecs
    assert garbage is not None and 400 <= garbage.code < 500, garbage
    assert nobody is not None and nobody.code == 404, nobody
    for answer in (codecs, garbage, nobody):     # nothing about pbxd's insides leaks out
        assert not answer.header("warning") and "pjsua" not in answer.raw.lower()

    # still the same processes, still serving: a phone registers and calls a handset
    assert box.proc.poll() is None
    assert int(pid_file.read_text()) == kamailio_pid
    inf = users_file(tmp_path / "phone.csv", [("301", PASSWORD)])
    reg = run_sipp("register.xml", f"{server[0]}:{server[1]}", net.phone, free_port(net.phone), inf=inf,
                   keys={"expires": "60"}, timeout_s=10)
    assert reg.ok, reg
    rtp = free_port(net.phone, tcp=False)
    call = SippServer("uac_auth_call.xml", f"{server[0]}:{server[1]}", net.phone, free_port(net.phone), inf=inf,
                      keys={"rtpport": str(rtp)}, timeout_s=30, extra=["-s", "201", "-d", "2000"])
    try:
        wait_until(lambda: box.show(1)["ringing"], 15, 0.2, "handset 1 did not ring")
        box.handset(1, "off-hook")
        result = call.wait(30)
    finally:
        call.stop()
    assert result.ok, result
