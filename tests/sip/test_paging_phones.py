"""Paging to IP phones against a real SIP program: a desk phone (SIPp, registered as extension 301)
in a paging group gets an INVITE that asks it to answer by itself (Call-Info answer-after=0 and
Alert-Info auto-answer), answers, and hears the pager at once; the analog member of the group rings
meanwhile. An ordinary call to the same phone asks nothing of the kind, and another phone cannot
ask it either (the edge strips the request from everything that does not come from pbxd)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from firmware.dsp.levels import dbm0, dominant_frequency
from tests.sip.conftest import sip_section
from tests.sip.net import Net, free_port, wait_until
from tests.sip.pbxd import Pbxd
from tests.sip.rtp import RtpPeer
from tests.sip.sipp import SippServer, run_sipp
from tests.sip.test_edge_auth import users_file

pytestmark = pytest.mark.slow
PASSWORD = "phone-301-secret"


@pytest.fixture
def box(tmp_path: Path, net: Net) -> Iterator[Pbxd]:
    cfg: dict[str, Any] = {"sip": sip_section(net),
                           "sip_extensions": [{"number": "301", "name": "Desk", "password": PASSWORD},
                                              {"number": "302", "name": "Other", "password": PASSWORD + "-302"}],
                           "paging": [{"name": "office", "number": "500", "members": ["301", "202"]}]}
    pbxd = Pbxd(tmp_path / "box", cfg)
    try:
        yield pbxd
    finally:
        pbxd.stop()


def registered_phone(box: Pbxd, net: Net, tmp: Path, scenario: str,
                     extra: list[str] | None = None) -> tuple[SippServer, RtpPeer]:
    """SIPp registers extension 301 from a port, then serves `scenario` on that port."""
    sip = box.config["sip"]
    port = free_port(net.phone)
    inf = users_file(tmp / "phone.csv", [("301", PASSWORD)])
    reg = run_sipp("register.xml", f"{sip['bind']}:{sip['udp_port']}", net.phone, port, inf=inf,
                   keys={"expires": "120"}, timeout_s=15)
    assert reg.ok, reg
    rtp = free_port(net.phone, tcp=False)
    peer = RtpPeer(net.phone, rtp, tone_hz=1300.0)
    uas = SippServer(scenario, "", net.phone, port, calls=1, keys={"rtpport": str(rtp)}, timeout_s=60,
                     recv_timeout_ms=45000, extra=extra)
    return uas, peer


def test_a_page_is_answered_by_the_desk_phone_itself(box: Pbxd, net: Net, tmp_path: Path) -> None:
    uas, peer = registered_phone(box, net, tmp_path, "phone_autoanswer.xml")
    try:
        box.handset(1, "off-hook")
        time.sleep(0.5)
        box.handset(1, "press", "500")
        wait_until(lambda: peer.remote is not None, 20, 0.2, "the phone did not answer the page by itself")
        ringing = box.show(2)["ringing"]
        box.handset(1, "tone", "700")
        time.sleep(2.0)
        heard = peer.audio(1.0)
        box.handset(1, "on-hook")
        result = uas.wait(30)
    finally:
        uas.stop()
        peer.close()
    assert result.ok, result                     # the INVITE asked for auto-answer both ways
    assert ringing                               # the handset in the group rings meanwhile
    assert abs(dominant_frequency(heard) - 700) < 20 and dbm0(heard) > -20
    record = wait_until(lambda: [r for r in box.records() if r["dst"] == "500"], 10)[0]
    assert '"members": ["301"]' in record["extra"]


def test_an_ordinary_call_does_not_ask_the_phone_to_answer(box: Pbxd, net: Net, tmp_path: Path) -> None:
    messages = tmp_path / "phone.msg"
    uas, peer = registered_phone(box, net, tmp_path, "phone_autoanswer.xml",
                                 extra=["-trace_msg", "-message_file", str(messages)])
    try:
        box.handset(1, "off-hook")
        time.sleep(0.5)
        box.handset(1, "press", "301")
        wait_until(lambda: messages.exists() and "INVITE sip:" in messages.read_text(errors="replace"), 20, 0.2,
                   "the phone got no INVITE")
        box.handset(1, "on-hook")
    finally:
        uas.stop()
        peer.close()
    invite = re.split(r"\r?\n\r?\n", messages.read_text(errors="replace").split("INVITE sip:", 1)[1], maxsplit=1)[0]
    assert "From:" in invite and "answer-after" not in invite and "autoanswer" not in invite


def test_a_caller_cannot_make_a_phone_answer_by_itself(box: Pbxd, net: Net, tmp_path: Path) -> None:
    """Only pbxd may ask for auto-answer: another phone's INVITE asking for it (routed by the edge
    alone, phone to phone) reaches the phone without that request, so it just rings."""
    messages = tmp_path / "phone.msg"
    uas, peer = registered_phone(box, net, tmp_path, "phone_autoanswer.xml",
                                 extra=["-trace_msg", "-message_file", str(messages)])
    sip = box.config["sip"]
    inf = users_file(tmp_path / "caller.csv", [("302", PASSWORD + "-302")])
    rtp = free_port(net.phone2, tcp=False)
    caller = SippServer("uac_autoanswer_call.xml", f"{sip['bind']}:{sip['udp_port']}", net.phone2,
                        free_port(net.phone2), inf=inf, keys={"rtpport": str(rtp)}, timeout_s=30,
                        extra=["-s", "301", "-d", "1000"])
    try:
        wait_until(lambda: messages.exists() and "INVITE sip:" in messages.read_text(errors="replace"), 20, 0.2,
                   "the phone got no INVITE")
    finally:
        caller.stop()
        uas.stop()
        peer.close()
    invite = re.split(r"\r?\n\r?\n", messages.read_text(errors="replace").split("INVITE sip:", 1)[1], maxsplit=1)[0]
    assert "From:" in invite and "answer-after" not in invite and "autoanswer" not in invite
