"""Remote extensions behind NAT (RFC 3581 rport, RFC 5626 keep-alive practice, symmetric RTP per
RFC 4961): a SIPp "phone" sends from its real loopback address but names another one, where nothing
listens, in Via, Contact and SDP - what a phone behind a NAT does. The box must register it, keep
its NAT binding open with OPTIONS to its real address, reach it there with calls and in-dialog
requests, and get audio to the port the phone's RTP really comes from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from firmware.dsp.levels import dbm0, dominant_frequency
from tests.sip.conftest import sip_section
from tests.sip.net import Net, free_port, wait_until
from tests.sip.pbxd import Pbxd
from tests.sip.rtp import RtpPeer
from tests.sip.sipp import SippServer, run_sipp
from tests.sip.test_edge_auth import users_file

pytestmark = pytest.mark.slow
PASSWORD = "remote-301-secret"
NAT_PORT = 5999            # the port the phone believes it has (nothing listens there)
NAT_RTP = 5998


@pytest.fixture
def box(tmp_path: Path, net: Net) -> Iterator[Pbxd]:
    cfg: dict[str, Any] = {"sip": sip_section(net, nat_keepalive_s=2), "sip_extensions": [
        {"number": "301", "name": "Remote Rita", "password": PASSWORD}]}
    pbxd = Pbxd(tmp_path / "box", cfg)
    try:
        yield pbxd
    finally:
        pbxd.stop()


class NatPhone:
    """The phone's real address (net.phone, a SIP and an RTP port) and the one it advertises (nothing
    listens there); another extension, real address and advertised address when given."""

    def __init__(self, box: Pbxd, net: Net, root: Path, *, user: str = "301", password: str = PASSWORD,
                 ip: str = "", nat_host: str = "", nat_port: int = NAT_PORT, nat_rtp: int = NAT_RTP) -> None:
        self.box = box
        self.user = user
        self.ip = ip or net.phone
        self.sip_port = free_port(self.ip)
        self.rtp_port = free_port(self.ip, tcp=False)
        self.nat_host = nat_host or net.ip(99)
        self.nat_port = nat_port
        self.nat_rtp = nat_rtp
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.media_file = root / "box-media.txt"
        self.events_file = root / "events.txt"
        self.events_file.write_text("")
        self.inf = users_file(root / "phone.csv", [(user, password)])
        sip = box.config["sip"]
        self.target = f"{sip['bind']}:{sip['udp_port']}"

    @property
    def keys(self) -> dict[str, str]:
        return {"nat_host": self.nat_host, "nat_port": str(self.nat_port), "nat_rtp": str(self.nat_rtp),
                "media_file": str(self.media_file), "events_file": str(self.events_file)}

    def register(self) -> None:
        result = run_sipp("nat_register.xml", self.target, self.ip, self.sip_port, inf=self.inf, keys=self.keys,
                          timeout_s=20)
        assert result.ok, result

    def events(self) -> list[str]:
        return self.events_file.read_text().split()

    def box_media(self) -> tuple[str, int] | None:
        try:
            host, port = self.media_file.read_text().split()
        except (OSError, ValueError):
            return None
        return host, int(port)

    def contact(self) -> list[Any]:
        return list(self.box.rpc.contacts().get(self.user, []))


def heard(box: Pbxd, port: int, hz: float) -> dict[str, Any] | None:
    hearing = box.show(port)["hearing"]
    if hearing.get("frequency_hz") is None or hearing.get("level_dbm0") is None:
        return None
    return hearing if abs(hearing["frequency_hz"] - hz) < 20 and hearing["level_dbm0"] > -20 else None


def near_tone(samples: np.ndarray, hz: float) -> bool:
    return len(samples) >= 4000 and abs(dominant_frequency(samples) - hz) < 20 and -14 < dbm0(samples) < -6


def test_handset_reaches_a_phone_behind_nat_with_audio_both_ways(box: Pbxd, net: Net, tmp_path: Path) -> None:
    phone = NatPhone(box, net, tmp_path / "phone")
    phone.register()
    wait_until(phone.contact, 20, 0.2, "the phone is not registered")
    uas = SippServer("nat_phone_uas.xml", "", phone.ip, phone.sip_port, calls=10000, limit=50, keys=phone.keys,
                     timeout_s=300, extra=["-trace_err", "-error_file", str(tmp_path / "uas.err")])
    rtp: RtpPeer | None = None
    try:
        # the keep-alive comes to the real address, where the phone's NAT binding is
        wait_until(lambda: "ping" in phone.events(), 30, 0.2, "no keep-alive OPTIONS reached the phone")
        box.handset(2, "off-hook")
        box.handset(2, "press", "301")
        media = wait_until(phone.box_media, 30, 0.2, "the INVITE did not reach the phone's real address")
        # the phone behind NAT sends its audio first, from its real media port
        rtp = RtpPeer(phone.ip, phone.rtp_port, tone_hz=1000.0)
        rtp.remote = media
        wait_until(lambda: heard(box, 2, 1000.0), 30, 0.2, "the handset does not hear the phone")
        box.handset(2, "tone", "700")
        wait_until(lambda: near_tone(rtp.audio(1.0), 700.0) if rtp else False, 30, 0.2,
                   "the phone behind NAT does not hear the handset")
        box.handset(2, "on-hook")
        wait_until(lambda: "bye" in phone.events(), 30, 0.2, "the BYE did not reach the phone's real address")
        late_pings = phone.events().count("ping")
        wait_until(lambda: phone.events().count("ping") > late_pings, 30, 0.2, "keep-alives stopped")
    finally:
        if rtp is not None:
            rtp.close()
        result = uas.stop()
    assert result.counters.get("Failed call", 0) == 0, result


def test_phone_behind_nat_calls_a_handset(box: Pbxd, net: Net, tmp_path: Path) -> None:
    phone = NatPhone(box, net, tmp_path / "phone")
    phone.register()
    wait_until(phone.contact, 20, 0.2, "the phone is not registered")
    call = SippServer("nat_uac_call.xml", phone.target, phone.ip, phone.sip_port, calls=1, inf=phone.inf,
                      keys=phone.keys, timeout_s=120,
                      extra=["-s", "201", "-trace_err", "-error_file", str(tmp_path / "uac.err")])
    rtp: RtpPeer | None = None
    try:
        wait_until(lambda: box.show(1)["ringing"], 30, 0.2, "handset 1 did not ring")
        box.handset(1, "off-hook")
        media = wait_until(phone.box_media, 30, 0.2, "the 200 OK did not reach the phone's real address")
        rtp = RtpPeer(phone.ip, phone.rtp_port, tone_hz=1000.0)
        rtp.remote = media
        wait_until(lambda: heard(box, 1, 1000.0), 30, 0.2, "the handset does not hear the phone")
        box.handset(1, "tone", "700")
        wait_until(lambda: near_tone(rtp.audio(1.0), 700.0) if rtp else False, 30, 0.2,
                   "the phone behind NAT does not hear the handset")
        calls = box.ctl("status")["calls"]
        box.handset(1, "on-hook")             # the box's BYE must find the phone at its real address
        result = call.wait(60)
    finally:
        if rtp is not None:
            rtp.close()
        call.stop()
    assert [(c["from_number"], c["to"]) for c in calls] == [("301", "201")]
    assert result.ok, result
    record = wait_until(lambda: [r for r in box.records() if r["src"] == "301"], 20)[0]
    assert record["dst"] == "201" and record["disposition"] == "answered"
