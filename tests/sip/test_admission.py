"""Admission against pbxd's call slots (pjsua2's real limit, read at start-up, or a lower configured
one): calls beyond it are refused at once and cleanly - 503 to a phone's INVITE, congestion and a
record "no free line" for a handset that dials out - never failing half-way; calls that need no
media of pbxd's (phone to phone) are routed by Kamailio alone and take no slot, every device of the
called extension ringing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sip.baresip import Baresip
from tests.sip.conftest import sip_section
from tests.sip.net import Net, wait_until
from tests.sip.pbxd import Pbxd
from tests.sip.sipclient import SipClient, digest

pytestmark = pytest.mark.slow
PASSWORD = "admission-301-secret"
INVITE = """INVITE sip:{to}@{server} SIP/2.0
Via: SIP/2.0/UDP {local};branch={branch};rport
From: <sip:301@{server}>;tag={ftag}
To: <sip:{to}@{server}>
Call-ID: {cid}
CSeq: {cseq} INVITE
Contact: <sip:301@{local}>
Max-Forwards: 70
{auth}Content-Type: application/sdp
Content-Length: {len}

v=0
o=- 1 1 IN IP4 {ip}
s=-
c=IN IP4 {ip}
t=0 0
m=audio {rtp} RTP/AVP 8
a=rtpmap:8 PCMA/8000
"""


def call(client: SipClient, to: str, n: int) -> int:
    """An INVITE from extension 301 with digest; the first answer after the challenge (180, 503, ...)."""
    fields: dict[str, Any] = {"to": to, "cid": f"adm{n}-{time.monotonic_ns()}", "ftag": f"f{n}",
                              "rtp": str(30000 + 2 * n)}
    client.send(client.fill(INVITE, cseq="1", auth="", **fields))
    challenge = client.receive(3)
    assert challenge is not None and challenge.code == 407
    auth = digest(challenge.header("proxy-authenticate"), "INVITE",
                  f"sip:{to}@{client.server[0]}:{client.server[1]}", "301", PASSWORD)
    client.send(client.fill(INVITE, cseq="2", auth=f"Proxy-Authorization: {auth}\n", **fields))
    end = time.monotonic() + 8
    while time.monotonic() < end:
        client.sock.settimeout(0.5)
        try:
            data = client.sock.recv(65535)
        except TimeoutError:
            continue
        code = int(data[8:11])
        if code >= 180:
            return code
    return 0


@pytest.fixture
def box(tmp_path: Path, net: Net) -> Iterator[Pbxd]:
    cfg: dict[str, Any] = {"sip": sip_section(net, max_calls=2), "sip_extensions": [
        {"number": "301", "password": PASSWORD, "devices": 2}, {"number": "302", "password": PASSWORD}],
        "routes": [{"name": "out", "pattern": "_0X.", "lines": ["fxo:5"], "strip": 1}]}
    pbxd = Pbxd(tmp_path / "box", cfg)
    try:
        yield pbxd
    finally:
        pbxd.stop()


def test_calls_beyond_the_slots_are_refused_cleanly(box: Pbxd, net: Net) -> None:
    sip = box.config["sip"]
    client = SipClient(net.phone, (sip["bind"], sip["udp_port"]))
    try:
        first, second = call(client, "202", 1), call(client, "203", 2)
        third = call(client, "204", 3)
        slots = box.ctl("sip")["slots"]
        box.handset(1, "off-hook")                   # a handset wants a SIP leg too: a phone
        time.sleep(0.5)
        box.handset(1, "press", "302")
        time.sleep(1.5)
        heard = box.show(1)["hearing"]
    finally:
        client.close()
    assert (first, second) == (180, 180)
    assert third == 503
    assert slots["calls"] == 2 and slots["max_calls"] == 2 and slots["refused"] >= 1
    assert box.show(4)["ringing"] is False
    assert abs(heard["frequency_hz"] - 425) < 15      # German congestion/busy tone, not silence
    record = wait_until(lambda: [r for r in box.records() if r["dst"] == "302"], 10)[0]
    assert record["disposition"] in ("congestion", "busy")


def phone(box: Pbxd, root: Path, ip: str, user: str) -> Baresip:
    sip = box.config["sip"]
    return Baresip(root, ip, user=user, password=PASSWORD, registrar=f"{sip['bind']}:{sip['udp_port']}",
                   domain=sip["bind"])


def test_phone_to_phone_goes_through_kamailio_alone_and_rings_every_device(box: Pbxd, net: Net,
                                                                           tmp_path: Path) -> None:
    desk = phone(box, tmp_path / "desk", net.phone, "301")
    mobile = phone(box, tmp_path / "mobile", net.phone2, "301")
    caller = phone(box, tmp_path / "caller", net.ip(22), "302")
    try:
        wait_until(lambda: len(box.rpc.contacts().get("301", [])) == 2 and box.rpc.contacts().get("302"), 20, 0.2,
                   "the phones did not register")
        caller.command("dial", "301")
        desk.wait_event("CALL_INCOMING", 15)
        mobile.wait_event("CALL_INCOMING", 15)
        slots = box.ctl("sip")["slots"]
        desk.command("accept")
        caller.wait_event("CALL_ESTABLISHED", 10)
        mobile.wait_event("CALL_CLOSED", 10)        # the other device stops ringing
        caller.command("hangup")
        desk.wait_event("CALL_CLOSED", 10)
    finally:
        for p in (desk, mobile, caller):
            p.stop()
    assert slots["calls"] == 0          # none of pbxd's call slots was used
