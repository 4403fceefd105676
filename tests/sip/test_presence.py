"""Busy lamps and message waiting through the box's presence server (Kamailio presence with
RFC 4235 dialog-info and RFC 3842 message-summary), watched by a SIPp "phone" that subscribes
with digest: a handset going off-hook shows on the lamp, and so does a call parked on a slot;
pbxd's MWI mechanism lights a phone's message lamp."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sip.conftest import sip_section
from tests.sip.net import Net, free_port, wait_until
from tests.sip.pbxd import Pbxd
from tests.sip.sipp import SCENARIOS, SippServer
from tests.sip.test_edge_auth import users_file

pytestmark = pytest.mark.slow
PASSWORD = "watcher-302-secret"


@pytest.fixture
def box(tmp_path: Path, net: Net) -> Iterator[Pbxd]:
    cfg: dict[str, Any] = {"sip": sip_section(net), "sip_extensions": [
        {"number": "302", "name": "Watcher", "password": PASSWORD}]}
    pbxd = Pbxd(tmp_path / "box", cfg)
    try:
        yield pbxd
    finally:
        pbxd.stop()


def watcher(box: Pbxd, tmp_path: Path, net: Net, *, watch: str, event: str, accept: str, expect: str) -> SippServer:
    scenario = tmp_path / f"subscribe-{event}.xml"
    scenario.write_text((SCENARIOS / "subscribe.xml").read_text().replace("@@EXPECT@@", expect))
    sip = box.config["sip"]
    inf = users_file(tmp_path / "watcher.csv", [("302", PASSWORD)])
    return SippServer(scenario, f"{sip['bind']}:{sip['udp_port']}", net.phone, free_port(net.phone), calls=1,
                      inf=inf, keys={"watch": watch, "event": event, "accept": accept}, timeout_s=40,
                      extra=["-trace_msg", "-message_file", str(tmp_path / f"{event}.msg"),
                             "-trace_err", "-error_file", str(tmp_path / f"{event}.err")])


def test_busy_lamp_follows_an_analog_extension(box: Pbxd, net: Net, tmp_path: Path) -> None:
    lamp = watcher(box, tmp_path, net, watch="201", event="dialog", accept="application/dialog-info+xml",
                   expect="<state>(early|confirmed)</state>")
    try:
        time.sleep(2.0)                 # subscribed; the first NOTIFY (idle) has come
        box.handset(1, "off-hook")
        result = lamp.wait(30)
    finally:
        lamp.stop()
    assert result.ok, result


def test_message_waiting_lamp(box: Pbxd, net: Net, tmp_path: Path) -> None:
    lamp = watcher(box, tmp_path, net, watch="302", event="message-summary",
                   accept="application/simple-message-summary", expect="Messages-Waiting: *yes")
    try:
        time.sleep(2.0)
        box.ctl("mwi", extension="302", new=2, old=1)
        result = lamp.wait(30)
    finally:
        lamp.stop()
    assert result.ok, result


def test_busy_lamp_of_a_park_slot(box: Pbxd, net: Net, tmp_path: Path) -> None:
    lamp = watcher(box, tmp_path, net, watch="701", event="dialog", accept="application/dialog-info+xml",
                   expect="<state>confirmed</state>")
    try:
        time.sleep(2.0)
        box.handset(1, "off-hook")
        time.sleep(0.5)
        box.handset(1, "press", "202")
        wait_until(lambda: box.show(2)["ringing"], 15, 0.2, "handset 2 did not ring")
        box.handset(2, "off-hook")
        time.sleep(1.0)
        box.handset(1, "flash")                     # park the call with handset 2 on the first slot
        time.sleep(1.0)
        box.handset(1, "press", "*5")
        result = lamp.wait(30)
    finally:
        lamp.stop()
    assert result.ok, result
