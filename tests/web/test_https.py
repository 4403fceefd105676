"""HTTPS with the box's self-signed certificate made at first boot, and plain HTTP redirecting to it."""

from __future__ import annotations

import http.client
import socket
import ssl
from pathlib import Path

from firmware.config.store import parse_config
from tests.web.conftest import start_box


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_https_serves_the_page_and_http_redirects(tmp_path: Path) -> None:
    https_port, http_port = free_port(), free_port()
    cfg = parse_config(f"web:\n  https: true\n  https_port: {https_port}\n  http_port: {http_port}\n")
    box = start_box(tmp_path, cfg)
    try:
        assert (tmp_path / "web-key.pem").stat().st_mode & 0o777 == 0o600
        ctx = ssl.create_default_context(cafile=str(tmp_path / "web-cert.pem"))   # trust exactly this box
        conn = http.client.HTTPSConnection("127.0.0.1", https_port, context=ctx, timeout=30)
        conn.request("GET", "/login")
        r = conn.getresponse()
        body = r.read().decode()
        assert r.status == 200 and 'name="password"' in body
        cookies = [v for k, v in r.getheaders() if k == "Set-Cookie"]
        assert cookies and all("Secure" in c and "HttpOnly" in c for c in cookies)
        assert "max-age" in (r.getheader("Strict-Transport-Security") or "")
        conn.close()
        plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=30)
        plain.request("GET", "/history?since=2024-01-01", headers={"Host": f"127.0.0.1:{http_port}"})
        r = plain.getresponse()
        assert r.status == 301
        assert r.getheader("Location") == f"https://127.0.0.1:{https_port}/history?since=2024-01-01"
        plain.close()
    finally:
        box.daemon.stop()
