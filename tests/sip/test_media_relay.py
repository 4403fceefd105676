"""The edge's media relay (rtpengine, RFC 3550 RTP relayed; phones' real addresses learned from their
packets as with RFC 4961 symmetric RTP) for calls Kamailio routes alone: two SIPp phones behind a
simulated NAT (they name an address where nothing listens in Via, Contact and SDP, as in
test_remote_phones) call each other and hear each other's tone through the relay, and the call is
in the call history; phones that are not behind NAT keep their own media addresses (the relay stays
out); and an edge whose relay cannot start still routes calls, without it."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from firmware.edge.edge import SipEdge
from firmware.edge.relay import ng_command
from tests.sip.conftest import make_config, sip_section
from tests.sip.net import Net, wait_until
from tests.sip.pbxd import Pbxd
from tests.sip.rtp import RtpPeer
from tests.sip.sipp import SippServer
from tests.sip.test_remote_phones import NatPhone, near_tone

pytestmark = pytest.mark.slow
PASSWORDS = {"301": "relay-anna-301-secret", "302": "relay-bob-302-secret"}
CALL_ID = "nat-relay-%u@test"          # SIPp's Call-ID of the caller's call number %u


@pytest.fixture
def box(tmp_path: Path, net: Net) -> Iterator[Pbxd]:
    cfg: dict[str, Any] = {"sip": sip_section(net), "sip_extensions": [
        {"number": "301", "name": "Anna Remote", "password": PASSWORDS["301"]},
        {"number": "302", "name": "Bob Remote", "password": PASSWORDS["302"]}]}
    pbxd = Pbxd(tmp_path / "box", cfg)
    try:
        yield pbxd
    finally:
        pbxd.stop()


def phones(box: Pbxd, net: Net, root: Path, *, nat: bool) -> tuple[NatPhone, NatPhone]:
    """Anna (301) on net.phone and Bob (302) on net.phone2, registered; behind NAT they advertise
    127.0.N.99 / 127.0.N.98 (nothing listens there), otherwise their own address and ports."""
    anna = NatPhone(box, net, root / "anna", user="301", password=PASSWORDS["301"], ip=net.phone,
                    nat_host=net.ip(99), nat_port=5999, nat_rtp=5998)
    bob = NatPhone(box, net, root / "bob", user="302", password=PASSWORDS["302"], ip=net.phone2,
                   nat_host=net.ip(98), nat_port=5997, nat_rtp=5996)
    if not nat:
        for phone in (anna, bob):
            phone.nat_host, phone.nat_port, phone.nat_rtp = phone.ip, phone.sip_port, phone.rtp_port
    for phone in (anna, bob):
        phone.register()
    wait_until(lambda: anna.contact() and bob.contact(), 20, 0.2, "the phones are not registered")
    return anna, bob


def relay_calls(box: Pbxd) -> int:
    """Calls the box's rtpengine relays now (ng `list` on the control port named in kamailio.cfg)."""
    cfg = (box.state / "sip" / "kamailio.cfg").read_text()
    port = int(re.search(r'"rtpengine_sock", "udp:127\.0\.0\.1:(\d+)"', cfg).group(1))  # type: ignore[union-attr]
    reply = ng_command(port, {"command": "list"})
    calls = re.search(rb"5:callsl(.*)e6:result", reply)
    assert calls is not None, reply
    return len(re.findall(rb"\d+:", calls.group(1)))


def hang_up(caller: NatPhone, call_number: int = 1) -> None:
    """The caller's cue to hang up (nat_uac_call_hangup.xml): an INFO of its call straight to its port."""
    cue = (f"INFO sip:{caller.user}@{caller.ip}:{caller.sip_port} SIP/2.0\r\n"
           f"Via: SIP/2.0/UDP {caller.ip}:9;branch=z9hG4bK-cue{call_number}\r\n"
           f"From: <sip:cue@{caller.ip}>;tag=cue\r\nTo: <sip:{caller.user}@{caller.ip}>;tag=cue\r\n"
           f"Call-ID: {CALL_ID.replace('%u', str(call_number))}\r\nCSeq: 1 INFO\r\nMax-Forwards: 70\r\n"
           "Content-Length: 0\r\n\r\n")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((caller.ip, 0))
        sock.sendto(cue.encode(), (caller.ip, caller.sip_port))


def call(anna: NatPhone, bob: NatPhone, tmp_path: Path) -> tuple[SippServer, SippServer]:
    """Bob's phone answers; Anna's calls 302."""
    uas = SippServer("nat_phone_uas.xml", "", bob.ip, bob.sip_port, calls=10000, limit=50, keys=bob.keys,
                     timeout_s=300, extra=["-trace_err", "-error_file", str(tmp_path / "bob.err")])
    uac = SippServer("nat_uac_call_hangup.xml", anna.target, anna.ip, anna.sip_port, calls=1, inf=anna.inf,
                     keys=anna.keys, timeout_s=300,
                     extra=["-s", "302", "-cid_str", CALL_ID, "-trace_err", "-error_file", str(tmp_path / "anna.err")])
    return uas, uac


def edge_record(box: Pbxd) -> dict[str, Any]:
    rows = wait_until(lambda: [r for r in box.records() if (r["src"], r["dst"]) == ("301", "302")], 30, 0.2,
                      "no call record for Anna's call")
    return dict(rows[0])


def test_two_phones_behind_nat_hear_each_other_through_the_relay(box: Pbxd, net: Net, tmp_path: Path) -> None:
    anna, bob = phones(box, net, tmp_path, nat=True)
    uas, uac = call(anna, bob, tmp_path)
    peers: list[RtpPeer] = []
    try:
        offer = wait_until(bob.box_media, 30, 0.2, "the INVITE did not reach Bob's real address")
        answer = wait_until(anna.box_media, 30, 0.2, "the answer did not reach Anna's real address")
        during = relay_calls(box)
        # each phone talks first, from its real media port, to the address its SDP named
        peers += [RtpPeer(anna.ip, anna.rtp_port, tone_hz=900.0), RtpPeer(bob.ip, bob.rtp_port, tone_hz=1300.0)]
        peers[0].remote, peers[1].remote = answer, offer
        wait_until(lambda: near_tone(peers[1].audio(1.0), 900.0), 30, 0.2, "Bob does not hear Anna")
        wait_until(lambda: near_tone(peers[0].audio(1.0), 1300.0), 30, 0.2, "Anna does not hear Bob")
        hang_up(anna)
        result = uac.wait(60)
        wait_until(lambda: "bye" in bob.events(), 30, 0.2, "the BYE did not reach Bob's real address")
    finally:
        for peer in peers:
            peer.close()
        uac.stop()
        uas.stop()
    box_ip = box.config["sip"]["bind"]
    # neither phone was told the other's unreachable address: both talk to the box's relay
    assert offer[0] == box_ip and answer[0] == box_ip and offer[1] != anna.nat_rtp and answer[1] != bob.nat_rtp
    assert during == 1
    assert box.ctl("sip")["relay"] is True                # what `pbxctl sip` and the API show installers
    assert result.ok, result
    record = edge_record(box)
    assert (record["src_name"], record["disposition"], record["hangup_side"]) == ("Anna Remote", "answered", "caller")
    assert '"routed_by": "edge"' in record["extra"]
    wait_until(lambda: relay_calls(box) == 0, 10, 0.2, "the relay kept the ended call")


def test_phones_not_behind_nat_keep_their_own_media_addresses(box: Pbxd, net: Net, tmp_path: Path) -> None:
    anna, bob = phones(box, net, tmp_path, nat=False)
    uas, uac = call(anna, bob, tmp_path)
    try:
        offer = wait_until(bob.box_media, 30, 0.2, "the INVITE did not reach Bob")
        answer = wait_until(anna.box_media, 30, 0.2, "the answer did not reach Anna")
        during = relay_calls(box)
        hang_up(anna)
        result = uac.wait(60)
    finally:
        uac.stop()
        uas.stop()
    # the SDPs went through unchanged: each phone sends its media straight to the other
    assert offer == (anna.ip, anna.rtp_port) and answer == (bob.ip, bob.rtp_port)
    assert during == 0
    assert result.ok, result
    assert edge_record(box)["disposition"] == "answered"


def test_the_edge_routes_calls_without_a_relay_that_cannot_start(
        net: Net, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cfg = make_config(net, sip_extensions=[{"number": u, "password": p} for u, p in PASSWORDS.items()])
    edge = SipEdge(cfg, tmp_path / "state", debug=2, relay_binary="/bin/false")
    caplog.set_level(logging.WARNING, logger="pbxd.edge")
    try:
        edge.prepare()
        edge.start()
        box = _EdgeOnly(edge, cfg.sip.bind, cfg.sip.udp_port)
        anna, bob = phones(box, net, tmp_path, nat=True)  # type: ignore[arg-type]
        uas, uac = call(anna, bob, tmp_path)
        try:
            offer = wait_until(bob.box_media, 30, 0.2, "the INVITE did not reach Bob")
            hang_up(anna)
            result = uac.wait(60)
        finally:
            uac.stop()
            uas.stop()
        status = edge.status()
    finally:
        edge.stop()
    assert any("media relay not running" in r.getMessage() for r in caplog.records), caplog.text
    assert status.running and not status.relay
    assert offer == (anna.nat_host, anna.nat_rtp)         # no relay: Anna's own (unreachable) address
    assert result.ok, result


class _EdgeOnly:
    """What NatPhone needs of a box, for an edge without pbxd: its SIP address and registrations."""

    def __init__(self, edge: SipEdge, bind: str, port: int) -> None:
        self.config = {"sip": {"bind": bind, "udp_port": port}}
        self.rpc = edge.rpc
