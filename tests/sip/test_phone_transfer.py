"""Attended transfer from an IP phone's own buttons, against real SIP programs: SIPp plays the phone
(extension 301, digest through Kamailio) with a consultation call to handset 202 and a call to
handset 201 that it holds and then REFERs (RFC 3515) with Replaces of the consultation (RFC 3891,
RFC 5589 section 7). The two handsets end up talking to each other, the phone is out of both calls
(NOTIFY 200, a BYE on each), and the call record names the transfer. A Replaces naming no call of
the phone's gets NOTIFY 481 and the call goes on."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sip.conftest import sip_section
from tests.sip.net import Net, free_port, wait_until
from tests.sip.pbxd import Pbxd
from tests.sip.rtp import RtpPeer
from tests.sip.sipp import SippServer
from tests.sip.test_edge_auth import users_file

pytestmark = pytest.mark.slow
PASSWORD = "phone-301-secret"


@pytest.fixture
def box(tmp_path: Path, net: Net) -> Iterator[Pbxd]:
    cfg: dict[str, Any] = {"sip": sip_section(net), "sip_extensions": [
        {"number": "301", "name": "Anna Phone", "password": PASSWORD}]}
    pbxd = Pbxd(tmp_path / "box", cfg)
    try:
        yield pbxd
    finally:
        pbxd.stop()


def phone_call(box: Pbxd, net: Net, tmp: Path, scenario: str, to: str, *, keys: dict[str, str] | None = None,
               extra: list[str] | None = None) -> tuple[SippServer, RtpPeer]:
    sip = box.config["sip"]
    rtp = free_port(net.phone, tcp=False)
    peer = RtpPeer(net.phone, rtp, tone_hz=1300.0)
    inf = users_file(tmp / f"{scenario}.csv", [("301", PASSWORD)])
    call = SippServer(scenario, f"{sip['bind']}:{sip['udp_port']}", net.phone, free_port(net.phone), inf=inf,
                      keys={"rtpport": str(rtp), **(keys or {})}, timeout_s=90, recv_timeout_ms=60000,
                      extra=["-s", to, *(extra or [])])
    return call, peer


def consultation(box: Pbxd, net: Net, tmp: Path) -> tuple[SippServer, RtpPeer, str]:
    """The phone calls handset 2, which answers; returns the Replaces value of that dialog."""
    call_id = f"consult-{uuid.uuid4().hex[:12]}@{net.phone}"
    messages = tmp / "consult.msg"
    call, peer = phone_call(box, net, tmp, "phone_consult.xml", "202",
                            extra=["-cid_str", call_id, "-trace_msg", "-message_file", str(messages)])
    wait_until(lambda: box.show(2)["ringing"], 20, 0.2, "handset 2 did not ring")
    box.handset(2, "off-hook")

    def tags() -> tuple[str, str] | None:
        text = messages.read_text(errors="replace") if messages.exists() else ""
        ok = re.search(r"SIP/2.0 200 OK.*?(?:\r?\n){2}", text, re.S)
        if not ok:
            return None
        to = re.search(r"^To:.*;tag=([^;>\s]+)", ok.group(0), re.M | re.I)
        frm = re.search(r"^From:.*;tag=([^;>\s]+)", ok.group(0), re.M | re.I)
        return (to.group(1), frm.group(1)) if to and frm else None

    found = wait_until(tags, 20, 0.2, "the consultation call was not answered")
    assert found is not None
    to_tag, from_tag = found
    return call, peer, f"{call_id};to-tag={to_tag};from-tag={from_tag}"


def refer_to(box: Pbxd, replaces: str) -> str:
    quoted = replaces.replace("@", "%40").replace(";", "%3B").replace("=", "%3D")
    return f"<sip:202@{box.config['sip']['bind']}?Replaces={quoted}>"


def test_phone_transfers_with_consultation_and_the_handsets_talk(box: Pbxd, net: Net, tmp_path: Path) -> None:
    consult, peer2, replaces = consultation(box, net, tmp_path)
    messages = tmp_path / "xfer.msg"
    xfer, peer1 = phone_call(box, net, tmp_path, "phone_atransfer.xml", "201",
                             keys={"target": refer_to(box, replaces)},
                             extra=["-trace_msg", "-message_file", str(messages)])
    try:
        wait_until(lambda: box.show(1)["ringing"], 20, 0.2, "handset 1 did not ring")
        box.handset(1, "off-hook")
        first, second = xfer.wait(60), consult.wait(60)    # each call ended by the box's BYE
        calls = wait_until(lambda: [c for c in box.ctl("status")["calls"] if c["state"] == "connected"], 10, 0.2)
        box.handset(1, "tone", "600")
        heard = box.hearing(2, 600)
    finally:
        xfer.stop()
        consult.stop()
        peer1.close()
        peer2.close()
    assert first.ok, first
    assert second.ok, second
    assert "SIP/2.0 200 OK" in messages.read_text(errors="replace").split("REFER sip:", 1)[1]   # sipfrag
    assert [sorted(c["parties"]) for c in calls] == [["fxs:1", "fxs:2"]]
    assert abs(heard["frequency_hz"] - 600) < 20, heard
    box.handset(1, "on-hook")
    record = wait_until(lambda: [r for r in box.records() if r["dst"] == "201" and r["src"] == "301"], 10)[0]
    assert '"kind": "attended"' in record["extra"] and '"transferred_to": "202"' in record["extra"]


def test_replaces_naming_no_call_of_the_phone_is_refused_and_the_call_goes_on(box: Pbxd, net: Net,
                                                                              tmp_path: Path) -> None:
    messages = tmp_path / "xfer.msg"
    bogus = refer_to(box, f"nosuchcall@{net.phone};to-tag=a;from-tag=b")
    xfer, peer = phone_call(box, net, tmp_path, "phone_atransfer.xml", "201", keys={"target": bogus},
                            extra=["-trace_msg", "-message_file", str(messages)])
    try:
        wait_until(lambda: box.show(1)["ringing"], 20, 0.2, "handset 1 did not ring")
        box.handset(1, "off-hook")
        wait_until(lambda: "SIP/2.0 481" in messages.read_text(errors="replace"), 30, 0.2,
                   "no NOTIFY with 481 for the unknown dialog")
        state = [c["state"] for c in box.ctl("status")["calls"]]
        box.handset(1, "on-hook")                          # the handset ends the call: BYE to the phone
        result = xfer.wait(30)
    finally:
        xfer.stop()
        peer.close()
    assert state == ["connected"]
    assert result.ok, result
