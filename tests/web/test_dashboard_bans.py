"""The dashboard shows the SIP sources the edge has banned (issue 5: 'banned ... and shown on the dashboard')."""

from __future__ import annotations

from types import SimpleNamespace

from webtest import TestApp

from tests.web.conftest import Box


def test_banned_sources_appear_on_the_dashboard_and_in_its_live_json(box: Box, admin: TestApp) -> None:
    # The edge's ban list as Kamailio's RPC reports it (tests/sip proves the bans themselves with SIPp).
    box.daemon.sip = SimpleNamespace(bans=lambda: [{"address": "127.0.0.9", "reason": "auth", "expires_in": 540}],
                                     trunk_status=lambda: [])
    try:
        page = admin.get("/dashboard")
        assert "127.0.0.9" in page.text and "540 s" in page.text
        assert 'id="bans-empty" hidden' in page.text
        live = admin.get("/api/status").json
        assert live["sip_bans"] == [{"address": "127.0.0.9", "reason": "auth", "expires_in": 540}]
    finally:
        box.daemon.sip = None
    page = admin.get("/dashboard").text
    assert "127.0.0.9" not in page and 'id="bans-empty" >' in page
