"""Handsets calling out through SIP trunks, against real SIP programs: digest to the provider
(407, answered by Kamailio's uac), RFC 4733 digits from the handset's keypad reaching the far end's
"IVR" (SIPp needs telephone-event in the offer; the digits are read off its RTP port), failover to
the next trunk when the first answers 503, early media heard before the answer, caller ID sent as
P-Asserted-Identity, a REFER from the far end followed to a second far end, and a phone that
withholds its number, and a handset that withholds it for one call with the code (*31), reaching
the provider anonymous (RFC 3323 "id", the number only in the PAI)."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sip.net import Net, free_port, wait_until
from tests.sip.pbxd import Pbxd
from tests.sip.provider import Provider
from tests.sip.rtp import RtpPeer
from tests.sip.sipp import SippServer
from tests.sip.test_trunk_calls import box_config

pytestmark = pytest.mark.slow


def far_end(net: Net, provider: Provider, scenario: str, *, tone_hz: float = 1000.0, second: bool = False,
            extra: list[str] | None = None, messages: Path | None = None) -> tuple[SippServer, RtpPeer]:
    ip = net.far2 if second else net.far
    port = provider.far2_port if second else provider.far_port  # type: ignore[attr-defined]
    rtp = free_port(ip, tcp=False)
    peer = RtpPeer(ip, rtp, tone_hz=tone_hz)
    trace = ["-trace_msg", "-message_file", str(messages)] if messages else []
    uas = SippServer(scenario, "", ip, port, calls=1, keys={"rtpport": str(rtp)}, timeout_s=60,
                     extra=(extra or []) + trace)
    return uas, peer


@pytest.fixture
def box(tmp_path: Path, net: Net, provider: Provider) -> Iterator[Pbxd]:
    bad = net.ip(43)
    bad_port = free_port(bad)
    cfg = box_config(net, provider, routes=[
        {"name": "out", "pattern": "_0X.", "lines": ["trunk:bad", "trunk:prov"], "strip": 1}])
    cfg["trunks"][0]["caller_id"] = "4930123"
    cfg["trunks"].append({"name": "bad", "host": bad, "port": bad_port, "register": False})
    pbxd = Pbxd(tmp_path / "box", cfg)
    pbxd.bad = (bad, bad_port)  # type: ignore[attr-defined]
    try:
        wait_until(lambda: pbxd.trunk_state("prov") == "registered", 30, 0.5)
        yield pbxd
    finally:
        pbxd.stop()


def dial_out(box: Pbxd, number: str) -> None:
    box.handset(1, "off-hook")
    time.sleep(0.5)
    box.handset(1, "press", number + "#")


def test_handset_fails_over_to_the_provider_and_sends_rfc4733_digits(box: Pbxd, net: Net, tmp_path: Path,
                                                                      provider: Provider) -> None:
    bad_ip, bad_port = box.bad  # type: ignore[attr-defined]
    down = SippServer("uas_503.xml", "", bad_ip, bad_port, calls=1, timeout_s=60)
    messages = tmp_path / "far.msg"
    uas, peer = far_end(net, provider, "uas_answer.xml", messages=messages)
    try:
        dial_out(box, "0301234567")
        wait_until(lambda: any(c["state"] == "connected" for c in box.ctl("status")["calls"]), 25, 0.2,
                   "the far end did not answer")
        wait_until(lambda: peer.remote is not None, 5, 0.1)
        box.handset(1, "press", "1234")
        wait_until(lambda: peer.digits() == "1234", 10, 0.2, f"digits at the far end: {peer.digits()!r}")
        heard = wait_until(lambda: box.show(1)["hearing"]["frequency_hz"], 5, 0.2)
        box.handset(1, "on-hook")
        result, failed = uas.wait(30), down.wait(10)
    finally:
        uas.stop()
        down.stop()
        peer.close()
    assert failed.ok, failed                  # the first trunk was tried and said 503
    assert result.ok, result                  # the far end needed telephone-event in the offer and a PAI
    seen = messages.read_text()
    assert "X-Provider-PAI: <sip:4930123@" in seen                  # the trunk's number as PAI
    assert "Session-Expires:" in seen                               # session timers offered (RFC 4028)
    offer = seen[seen.index("INVITE sip:"):]
    assert "m=audio" in offer and offer.split("m=audio", 1)[1].split()[2] == "8"   # PCMA first, as configured
    assert abs(heard - 1000) < 20
    record = wait_until(lambda: [r for r in box.records() if r["direction"] == "outbound"], 10)[0]
    assert (record["line"], record["dst"], record["disposition"]) == ("trunk:prov", "301234567", "answered")


def test_early_media_is_heard_before_the_answer(box: Pbxd, net: Net, provider: Provider) -> None:
    uas, peer = far_end(net, provider, "uas_early.xml", tone_hz=500.0, extra=["-d", "6000"])
    try:
        dial_out(box, "0301234567")
        wait_until(lambda: peer.remote is not None, 20, 0.1, "no early media stream")
        time.sleep(1.5)
        heard = box.show(1)["hearing"]
        state = [c["state"] for c in box.ctl("status")["calls"]]
        wait_until(lambda: any(c["state"] == "connected" for c in box.ctl("status")["calls"]), 15, 0.2)
        box.handset(1, "on-hook")
        result = uas.wait(30)
    finally:
        uas.stop()
        peer.close()
    assert state == ["setup"]
    assert abs(heard["frequency_hz"] - 500) < 20 and heard["level_dbm0"] > -20, heard
    assert result.ok, result


def test_refer_from_the_far_end_moves_the_call(box: Pbxd, net: Net, provider: Provider) -> None:
    uas, peer = far_end(net, provider, "uas_refer.xml", tone_hz=1000.0,
                        extra=["-key", "target", f"4930777@{provider.hostport}"])
    uas2, peer2 = far_end(net, provider, "uas_answer.xml", tone_hz=800.0, second=True)
    try:
        dial_out(box, "0301234567")
        wait_until(lambda: peer2.remote is not None, 30, 0.2, "the transfer target got no media")
        heard = box.hearing(1, 800)
        box.handset(1, "on-hook")
        first, second = uas.wait(30), uas2.wait(30)
    finally:
        uas.stop()
        uas2.stop()
        peer.close()
        peer2.close()
    assert first.ok, first
    assert second.ok, second
    assert abs(heard["frequency_hz"] - 800) < 20, heard
    record = wait_until(lambda: [r for r in box.records() if r["direction"] == "outbound"], 10)[0]
    assert "4930777" in record["extra"]


def test_the_far_end_holds_and_resumes_and_the_rtp_watchdog_waits(tmp_path: Path, net: Net,
                                                                     provider: Provider) -> None:
    cfg = box_config(net, provider, routes=[{"name": "out", "pattern": "_0X.", "lines": ["trunk:prov"], "strip": 1}])
    cfg["sip"]["rtp_timeout_s"] = 3
    cfg["trunks"][0]["caller_id"] = "4930123"
    box = Pbxd(tmp_path / "box", cfg)
    uas, peer = far_end(net, provider, "uas_hold.xml", messages=tmp_path / "hold.msg",
                        extra=["-d", "6000", "-trace_err", "-error_file", str(tmp_path / "hold.err")])
    try:
        wait_until(lambda: box.trunk_state("prov") == "registered", 30, 0.5)
        dial_out(box, "0301234567")
        wait_until(lambda: peer.remote is not None, 20, 0.1, "no media from the box")
        time.sleep(1.2)
        peer.sending = False          # on hold the far end sends nothing for longer than the RTP timeout
        time.sleep(5.0)
        held_calls = box.ctl("status")["calls"]
        peer.sending = True
        time.sleep(2.0)
        box.handset(1, "on-hook")
        result = uas.wait(30)
    finally:
        uas.stop()
        peer.close()
        box.stop()
    assert result.ok, result          # the box answered recvonly to the hold and sendrecv to the resume
    assert [c["state"] for c in held_calls] == ["connected"]     # not hung up while held


def test_a_phone_that_withholds_its_number_reaches_the_provider_anonymous(tmp_path: Path, net: Net,
                                                                          provider: Provider) -> None:
    from tests.sip.test_edge_auth import users_file
    cfg = box_config(net, provider, routes=[{"name": "out", "pattern": "_0X.", "lines": ["trunk:prov"], "strip": 1}])
    cfg["trunks"][0]["caller_id"] = "4930123"
    cfg["sip_extensions"] = [{"number": "301", "name": "Anna", "password": "phone-301-secret", "privacy": True}]
    box = Pbxd(tmp_path / "box", cfg)
    uas, peer = far_end(net, provider, "uas_withheld.xml")
    sip = box.config["sip"]
    inf = users_file(tmp_path / "phone.csv", [("301", "phone-301-secret")])
    try:
        wait_until(lambda: box.trunk_state("prov") == "registered", 30, 0.5)
        phone = SippServer("uac_auth_call.xml", f"{sip['bind']}:{sip['udp_port']}", net.phone, free_port(net.phone),
                           inf=inf, keys={"rtpport": str(free_port(net.phone, tcp=False))}, timeout_s=40,
                           extra=["-s", "0301234567", "-d", "2000"])
        called, calling = phone.wait(40), uas.wait(30)
        phone.stop()
    finally:
        uas.stop()
        peer.close()
        box.stop()
    assert called.ok, called
    assert calling.ok, calling     # anonymous From, Privacy: id, the trunk's number only in the PAI


def test_a_handset_withholds_its_number_for_one_call_with_the_code(box: Pbxd, net: Net, provider: Provider) -> None:
    uas, peer = far_end(net, provider, "uas_withheld.xml")
    down = SippServer("uas_503.xml", "", *box.bad, calls=1, timeout_s=60)   # type: ignore[attr-defined]
    try:
        dial_out(box, "*310301234567")                     # *31: withhold for this call
        wait_until(lambda: any(c["state"] == "connected" for c in box.ctl("status")["calls"]), 25, 0.2,
                   "the far end did not answer")
        box.handset(1, "on-hook")
        result = uas.wait(30)
    finally:
        uas.stop()
        down.stop()
        peer.close()
    assert result.ok, result       # anonymous From, Privacy: id, the trunk's number only in the PAI


def answered_with_sdp(trace: Path) -> bool:
    """SIPp's message trace has a 200 OK carrying SDP (the INVITE's answer)."""
    text = trace.read_text(errors="replace") if trace.exists() else ""
    return "SIP/2.0 200" in text and "application/sdp" in text.split("SIP/2.0 200", 1)[1]


def test_a_phone_calling_out_on_a_trunk_only_route_is_in_the_call_history(tmp_path: Path, net: Net,
                                                                          provider: Provider) -> None:
    """Kamailio routes that call alone (no pbxd leg, no call slot); its record comes from the edge."""
    from tests.sip.test_edge_auth import users_file
    cfg = box_config(net, provider, routes=[{"name": "out", "pattern": "_0X.", "lines": ["trunk:prov"], "strip": 1}])
    cfg["trunks"][0]["caller_id"] = "4930123"
    cfg["sip_extensions"] = [{"number": "301", "name": "Anna", "password": "phone-301-secret"}]
    box = Pbxd(tmp_path / "box", cfg)
    sip = box.config["sip"]
    inf = users_file(tmp_path / "phone.csv", [("301", "phone-301-secret")])
    results = []
    try:
        wait_until(lambda: box.trunk_state("prov") == "registered", 30, 0.5)
        for scenario in ("uas_answer.xml", "uas_503.xml"):
            uas, peer = far_end(net, provider, scenario)
            trace = tmp_path / f"{scenario}.msg"
            phone = SippServer("uac_auth_call.xml", f"{sip['bind']}:{sip['udp_port']}", net.phone,
                               free_port(net.phone), inf=inf, keys={"rtpport": str(free_port(net.phone, tcp=False))},
                               timeout_s=40, extra=["-s", "0301234567", "-d", "3000", "-trace_msg",
                                                    "-message_file", str(trace)])
            if scenario == "uas_answer.xml":           # answered: the phone got the 200 OK with SDP
                wait_until(functools.partial(answered_with_sdp, trace), 20, 0.2, "the far end did not answer")
                slots = int(box.ctl("sip")["slots"]["calls"])
            results.append((phone.wait(40), uas.wait(30)))
            phone.stop()
            uas.stop()
            peer.close()
        records = wait_until(lambda: [r for r in box.records() if r["src"] == "301"][:2]
                             if len([r for r in box.records() if r["src"] == "301"]) >= 2 else [], 30, 0.5,
                             "no call records for the phone's outside calls")
    finally:
        box.stop()
    answered = results[0]
    assert answered[0].ok and answered[1].ok, answered
    assert slots == 0                                # no pjsua2 call slot: Kamailio alone
    failed, done = records                           # newest first
    for record in (done, failed):
        assert (record["direction"], record["line"], record["dst"]) == ("outbound", "trunk:prov", "301234567")
        assert '"routed_by": "edge"' in record["extra"]
    assert done["disposition"] == "answered" and done["billsec"] >= 1, done
    assert failed["disposition"] == "congestion", failed          # the provider's far end said 503
