"""IP phones on the box against a real softphone (baresip): it registers with its extension's
password, calls an analog handset (caller ID and name on the handset, audio both ways) and is
called by one; two devices of an extension both ring; a wrong password gets its source banned."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from firmware.dsp.levels import dbm0, dominant_frequency
from tests.sip.baresip import Baresip
from tests.sip.conftest import sip_section
from tests.sip.net import Net, wait_until
from tests.sip.pbxd import Pbxd

pytestmark = pytest.mark.slow
PASSWORD = "phone-301-secret"


@pytest.fixture
def box(tmp_path: Path, net: Net) -> Iterator[Pbxd]:
    cfg: dict[str, Any] = {"sip": sip_section(net), "sip_extensions": [
        {"number": "301", "name": "Anna Phone", "password": PASSWORD, "devices": 2},
        {"number": "302", "name": "Bob Phone"}]}
    pbxd = Pbxd(tmp_path / "box", cfg)
    try:
        yield pbxd
    finally:
        pbxd.stop()


def phone(box: Pbxd, root: Path, ip: str, user: str = "301", password: str = PASSWORD,
          tone_hz: float = 900.0) -> Baresip:
    sip = box.config["sip"]
    return Baresip(root, ip, user=user, password=password, registrar=f"{sip['bind']}:{sip['udp_port']}",
                   domain=sip["bind"], tone_hz=tone_hz)


def registered(box: Pbxd, ext: str) -> int:
    return len(box.rpc.contacts().get(ext, []))


def test_phone_calls_a_handset_with_caller_id_and_audio_both_ways(box: Pbxd, net: Net, tmp_path: Path) -> None:
    bs = phone(box, tmp_path / "phone", net.phone)
    try:
        wait_until(lambda: registered(box, "301") == 1, 20, 0.2, "the phone did not register")
        bs.command("dial", "201")
        wait_until(lambda: box.show(1)["ringing"], 15, 0.2, "handset 1 did not ring")
        calls = box.ctl("status")["calls"]
        box.handset(1, "off-hook")
        bs.wait_event("CALL_ESTABLISHED", 10)
        box.handset(1, "tone", "700")
        heard = box.hearing(1, 900)
        bs.command("hangup")
        bs.wait_event("CALL_CLOSED", 10)
        far = bs.received_audio()
    finally:
        bs.stop()
    assert [(c["from_number"], c["from_name"], c["to"]) for c in calls] == [("301", "Anna Phone", "201")]
    assert abs(heard["frequency_hz"] - 900) < 20 and -14 < heard["level_dbm0"] < -6, heard
    tail = far[-8000:]
    assert abs(dominant_frequency(tail) - 700) < 20 and -14 < dbm0(tail) < -6
    record = wait_until(lambda: [r for r in box.records() if r["src"] == "301"], 10)[0]
    assert record["dst"] == "201" and record["disposition"] == "answered"


def test_handset_calls_the_phone(box: Pbxd, net: Net, tmp_path: Path) -> None:
    bs = phone(box, tmp_path / "phone", net.phone, tone_hz=1100.0)
    try:
        wait_until(lambda: registered(box, "301") == 1, 20, 0.2, "the phone did not register")
        box.handset(2, "off-hook")
        time.sleep(0.5)
        box.handset(2, "press", "301")
        incoming = bs.wait_event("CALL_INCOMING", 15)
        bs.command("accept")
        bs.wait_event("CALL_ESTABLISHED", 10)
        heard = box.hearing(2, 1100)
        box.handset(2, "on-hook")
        bs.wait_event("CALL_CLOSED", 10)
    finally:
        bs.stop()
    assert "202" in str(incoming.get("peeruri", "")) + str(incoming.get("param", ""))
    assert abs(heard["frequency_hz"] - 1100) < 20, heard


def test_phone_transfers_its_call_to_another_handset(box: Pbxd, net: Net, tmp_path: Path) -> None:
    bs = phone(box, tmp_path / "phone", net.phone)
    domain = box.config["sip"]["bind"]
    try:
        wait_until(lambda: registered(box, "301") == 1, 20, 0.2, "the phone did not register")
        bs.command("dial", "201")
        wait_until(lambda: box.show(1)["ringing"], 15, 0.2, "handset 1 did not ring")
        box.handset(1, "off-hook")
        bs.wait_event("CALL_ESTABLISHED", 10)
        bs.command("transfer", f"sip:202@{domain}")          # blind transfer: REFER (RFC 3515)
        wait_until(lambda: box.show(2)["ringing"], 15, 0.2, "handset 2 did not ring")
        bs.wait_event("CALL_CLOSED", 15)                    # the phone is out of the call
        calls = box.ctl("status")["calls"]
        box.handset(2, "off-hook")
        box.handset(1, "tone", "600")
        heard = box.hearing(2, 600)
    finally:
        bs.stop()
    assert [c["parties"] for c in calls] == [["fxs:1", "fxs:2"]]
    assert abs(heard["frequency_hz"] - 600) < 20, heard
    box.handset(1, "on-hook")
    record = wait_until(lambda: [r for r in box.records() if r["src"] == "301"], 10)[0]
    assert '"transferred_to": "202"' in record["extra"]
