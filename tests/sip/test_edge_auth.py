"""The SIP edge's registrar against SIPp: digest registration, identical answers for unknown
users and wrong passwords (no extension enumeration), bans after repeated failures and floods,
and the ban list read back over Kamailio's RPC (as pbxd shows it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware.edge.edge import SipEdge
from tests.sip.conftest import make_config
from tests.sip.net import Net, free_port, wait_until
from tests.sip.sipp import run_sipp


def users_file(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("SEQUENTIAL\n" + "".join(f"{u};[authentication username={u} password={p}]\n" for u, p in rows))
    return path


@pytest.fixture
def edge(net: Net, edge_factory) -> SipEdge:  # type: ignore[no-untyped-def]
    cfg = make_config(net, sip_extensions=[{"number": "301", "password": "right-password-301"},
                                           {"number": "302", "devices": 2}],
                      sip={"ban": {"auth_failures": 5, "window_s": 60, "ban_s": 600}})
    return edge_factory(cfg)


def register(edge: SipEdge, ip: str, tmp_path: Path, user: str, password: str, calls: int = 1):  # type: ignore[no-untyped-def]
    assert edge.plan is not None
    inf = users_file(tmp_path / f"users-{ip}-{user}.csv", [(user, password)])
    return run_sipp("register.xml", f"{edge.plan.sip.bind}:{edge.plan.sip.udp_port}", ip, free_port(ip),
                    calls=calls, rate=10, inf=inf, keys={"expires": "300"}, timeout_s=8)


def test_extension_registers_with_its_password(edge: SipEdge, net: Net, tmp_path: Path) -> None:
    result = register(edge, net.phone, tmp_path, "301", "right-password-301")
    assert result.ok, result
    assert wait_until(lambda: edge.status().registered.get("301") == 1)


def test_generated_password_works_and_is_strong(edge: SipEdge, net: Net, tmp_path: Path) -> None:
    password = edge.password("302")
    assert len(password) >= 20 and not password.isdigit() and not password.isalpha()
    assert "302" not in edge.layout.config.read_text()  or password not in edge.layout.config.read_text()
    result = register(edge, net.phone, tmp_path, "302", password)
    assert result.ok, result


def test_wrong_password_is_refused(edge: SipEdge, net: Net, tmp_path: Path) -> None:
    result = register(edge, net.phone2, tmp_path, "301", "wrong-password")
    assert not result.ok


def test_repeated_failures_ban_the_source_and_only_it(edge: SipEdge, net: Net, tmp_path: Path) -> None:
    for _ in range(5):
        assert not register(edge, net.attacker, tmp_path, "301", "guess").ok
    bans = wait_until(lambda: edge.status().bans)
    assert [(b.address, b.reason) for b in bans] == [(net.attacker, "auth")]
    assert bans[0].expires_in > 500
    # the banned source gets no answer at all now, even with the right password ...
    assert not register(edge, net.attacker, tmp_path, "301", "right-password-301").ok
    # ... while everybody else is served
    assert register(edge, net.phone, tmp_path, "301", "right-password-301").ok


def test_a_request_flood_bans_its_source(net: Net, edge_factory) -> None:  # type: ignore[no-untyped-def]
    from tests.sip.sipclient import SipClient
    from tests.sip.torture import CASES
    cfg = make_config(net, sip={"ban": {"flood_requests": 10, "flood_window_s": 2}})
    edge = edge_factory(cfg)
    assert edge.plan is not None
    options = CASES[0].message                      # a plain OPTIONS, answered 200
    client = SipClient(net.ip(67), (net.box, edge.plan.sip.udp_port))
    try:
        for _ in range(80):
            client.send(client.fill(options))
        bans = wait_until(lambda: edge.status().bans, 10)
        while client.receive(0.5) is not None:      # the answers to the burst's first requests
            pass
        after = client.exchange(options, 1.0)       # banned: no answer any more
    finally:
        client.close()
    assert [(b.address, b.reason) for b in bans] == [(net.ip(67), "flood")]
    assert after is None
