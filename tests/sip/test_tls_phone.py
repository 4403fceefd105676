"""An IP phone on the box over SIP/TLS (RFC 3261 §26.2, TLS 1.2/1.3 per RFC 5246/RFC 8446): baresip
trusts the box's self-signed certificate from first boot, registers on the TLS port, calls an analog
handset with audio both ways and is called back over the same TLS connection. A client that speaks
plain SIP on the TLS port is not registered, and TLS 1.0/1.1 handshakes are refused (RFC 8996)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from firmware.dsp.levels import dbm0, dominant_frequency
from firmware.edge.render import EdgeLayout
from tests.sip.baresip import Baresip
from tests.sip.conftest import sip_section
from tests.sip.net import Net, wait_until
from tests.sip.pbxd import Pbxd

pytestmark = pytest.mark.slow
PASSWORD = "tls-phone-301-secret"


@pytest.fixture
def box(tmp_path: Path, net: Net) -> Iterator[Pbxd]:
    cfg: dict[str, Any] = {"sip": sip_section(net), "sip_extensions": [
        {"number": "301", "name": "Tess Tls", "password": PASSWORD}]}
    pbxd = Pbxd(tmp_path / "box", cfg)
    try:
        yield pbxd
    finally:
        pbxd.stop()


def box_cert(box: Pbxd) -> Path:
    return EdgeLayout(box.state / "sip").cert


def tls_phone(box: Pbxd, root: Path, ip: str, tone_hz: float) -> Baresip:
    sip = box.config["sip"]
    return Baresip(root, ip, user="301", password=PASSWORD, domain=sip["bind"], tone_hz=tone_hz,
                   registrar=f"{sip['bind']}:{sip['tls_port']};transport=tls", transport="udp,tls",
                   extra_config=(f"sip_cafile {box_cert(box)}",))


def contacts(box: Pbxd, ext: str) -> list[Any]:
    return list(box.rpc.contacts().get(ext, []))


def test_phone_over_tls_calls_a_handset_and_is_called_back(box: Pbxd, net: Net, tmp_path: Path) -> None:
    bs = tls_phone(box, tmp_path / "phone", net.phone, 900.0)
    try:
        registered = wait_until(lambda: contacts(box, "301"), 20, 0.2, "the phone did not register")
        # phone -> handset 1, over TLS
        bs.command("dial", "201")
        wait_until(lambda: box.show(1)["ringing"], 20, 0.2, "handset 1 did not ring")
        box.handset(1, "off-hook")
        bs.wait_event("CALL_ESTABLISHED", 15)
        box.handset(1, "tone", "700")
        heard = box.hearing(1, 900)
        bs.command("hangup")
        bs.wait_event("CALL_CLOSED", 15)
        far = bs.received_audio()
        box.handset(1, "on-hook")
        # handset 2 -> the phone: the INVITE reaches it over its TLS connection
        bs.events.clear()
        box.handset(2, "off-hook")
        time.sleep(0.5)
        box.handset(2, "press", "301")
        incoming = bs.wait_event("CALL_INCOMING", 20)
        bs.command("accept")
        bs.wait_event("CALL_ESTABLISHED", 15)
        heard_back = box.hearing(2, 900)
        box.handset(2, "on-hook")
        bs.wait_event("CALL_CLOSED", 15)
        log = bs.log()
    finally:
        bs.stop()
    assert "transport=tls" in str(registered).lower() or "tls" in str(registered).lower(), registered
    assert abs(heard["frequency_hz"] - 900) < 20 and -14 < heard["level_dbm0"] < -6, heard
    tail = far[-8000:]
    assert abs(dominant_frequency(tail) - 700) < 20 and -14 < dbm0(tail) < -6
    assert "202" in str(incoming.get("peeruri", "")) + str(incoming.get("param", ""))
    assert abs(heard_back["frequency_hz"] - 900) < 20, heard_back
    assert "tls" in log.lower()


def test_plain_sip_on_the_tls_port_registers_nobody(box: Pbxd, net: Net) -> None:
    sip = box.config["sip"]
    register = (
        f"REGISTER sip:{sip['bind']} SIP/2.0\r\n"
        f"Via: SIP/2.0/TCP {net.phone2}:5090;branch=z9hG4bK-plain-1\r\n"
        f"From: <sip:301@{sip['bind']}>;tag=plain1\r\nTo: <sip:301@{sip['bind']}>\r\n"
        "Call-ID: plain-tcp-on-tls@test\r\nCSeq: 1 REGISTER\r\n"
        f"Contact: <sip:301@{net.phone2}:5090;transport=tcp>\r\nMax-Forwards: 70\r\nExpires: 300\r\n"
        "Content-Length: 0\r\n\r\n").encode()
    answer = b""
    with socket.create_connection((sip["bind"], sip["tls_port"]), timeout=5,
                                  source_address=(net.phone2, 0)) as conn:
        conn.sendall(register)
        conn.settimeout(3.0)
        try:
            while chunk := conn.recv(4096):
                answer += chunk
        except (TimeoutError, ConnectionError):
            pass
    assert b"SIP/2.0" not in answer               # no SIP answer in clear text, not even a challenge
    assert not contacts(box, "301")
    # the edge still serves TLS afterwards
    assert handshake(box, "-tls1_2").returncode == 0


def handshake(box: Pbxd, version: str, *extra: str) -> subprocess.CompletedProcess[str]:
    sip = box.config["sip"]
    openssl = shutil.which("openssl") or "/usr/bin/openssl"
    return subprocess.run(
        [openssl, "s_client", "-connect", f"{sip['bind']}:{sip['tls_port']}", version,
         "-CAfile", str(box_cert(box)), "-verify_return_error", *extra],
        input="", capture_output=True, text=True, timeout=30)


def test_old_tls_versions_are_refused(box: Pbxd) -> None:
    modern = handshake(box, "-tls1_2")
    assert modern.returncode == 0 and "Verify return code: 0 (ok)" in modern.stdout, modern.stdout + modern.stderr
    for old in ("-tls1_1", "-tls1"):
        # security level 0 lets Debian's openssl offer the old protocol at all (at its default level the
        # client would give up by itself and prove nothing about the box)
        result = handshake(box, old, "-cipher", "DEFAULT@SECLEVEL=0")
        assert result.returncode != 0, f"{old} was accepted: {result.stdout[-800:]}"
        assert "Cipher is (NONE)" in result.stdout, result.stdout + result.stderr
        assert "protocol version" in result.stderr or "unsupported protocol" in result.stderr, result.stderr
