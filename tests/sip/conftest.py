"""Fixtures for the SIP tests: loopback addresses, the box's SIP edge (Kamailio rendered from a
pbxd config), and clean-up of every process a test starts."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from firmware.config.model import Config
from firmware.config.store import parse_config
from firmware.edge.edge import SipEdge
from tests.sip.net import Net, free_pair, free_port, net_for_process
from tests.sip.provider import Provider

pytestmark = pytest.mark.sip

NEEDED = ("kamailio", "sipp")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    missing = [p for p in NEEDED if shutil.which(p) is None and not Path(f"/usr/sbin/{p}").exists()]
    for item in items:
        if "tests/sip/" in str(item.fspath):
            item.add_marker(pytest.mark.sip)
            if missing:
                item.add_marker(pytest.mark.skip(reason=f"not installed: {', '.join(missing)}"))


@pytest.fixture(scope="session")
def net() -> Net:
    return net_for_process()


def sip_section(net: Net, **over: Any) -> dict[str, Any]:
    port = free_pair(net.box)
    rtp = 40000 + (net.n * 97) % 20000
    sip: dict[str, Any] = {"enabled": True, "bind": net.box, "udp_port": port, "tcp_port": port,
                           "tls_port": port + 1, "internal_port": free_port("127.0.0.1", tcp=False),
                           "pbx_port": free_port("127.0.0.1"), "trunk_retry_s": 5,
                           "rtp_port_min": rtp, "rtp_port_max": rtp + 99}
    sip.update(over)
    return sip


def yaml_of(obj: Any) -> str:
    import io

    from ruamel.yaml import YAML
    y = YAML()
    buf = io.StringIO()
    y.dump(obj, buf)
    return buf.getvalue()


def make_config(net: Net, *, sip: dict[str, Any] | None = None, **sections: Any) -> Config:
    doc: dict[str, Any] = {"sip": sip_section(net, **(sip or {}))}
    doc.update(sections)
    return parse_config(yaml_of(doc))


@pytest.fixture
def edge_factory(tmp_path: Path) -> Iterator[Callable[[Config], SipEdge]]:
    started: list[SipEdge] = []

    def start(cfg: Config) -> SipEdge:
        edge = SipEdge(cfg, tmp_path / f"state{len(started)}", debug=2)
        edge.prepare()
        started.append(edge)
        edge.start()
        return edge

    yield start
    for edge in started:
        edge.stop()


@pytest.fixture
def provider(tmp_path: Path, net: Net) -> Iterator[Provider]:
    """A provider Kamailio on 127.0.N.30 whose far ends are 127.0.N.40 and (numbers 4930777...) .41."""
    far_port, far2_port = free_port(net.far), free_port(net.far2)
    prov = Provider(tmp_path / "provider", net.provider, far_ip=net.far, far_port=far_port,
                    far2=f"{net.far2}:{far2_port}")
    prov.far_port = far_port  # type: ignore[attr-defined]
    prov.far2_port = far2_port  # type: ignore[attr-defined]
    prov.start()
    yield prov
    prov.stop()
