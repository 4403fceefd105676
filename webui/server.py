"""The local web page's servers: the bottle app over HTTP or HTTPS (threaded WSGI), and the HTTP->HTTPS redirect.

Plain HTTP on pbxd's `--http` address unless the config's `web:` section turns HTTPS on; then
the app is served with TLS (the box's self-signed certificate, made at first boot) on
`web.https_port`, and the plain-HTTP port, if `web.redirect_http`, only answers with a redirect.
The TLS handshake runs in the request's thread, so a slow client cannot stall the others.
"""

from __future__ import annotations

import logging
import socketserver
import ssl
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from firmware.api.facade import Api
from firmware.api.system import ensure_certificate
from firmware.api.users import UserStore
from webui.app import make_app

log = logging.getLogger("pbxd.web")


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class _TlsHandler(_QuietHandler):
    def setup(self) -> None:
        super().setup()
        conn = self.connection
        if isinstance(conn, ssl.SSLSocket):
            conn.settimeout(30)
            conn.do_handshake()


def redirect_app(https_port: int) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """A WSGI app that sends every request to the same path over HTTPS."""
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        host = str(environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "localhost")
        if host.startswith("["):
            name = host[: host.index("]") + 1]
        else:
            name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        port = "" if https_port == 443 else f":{https_port}"
        path = str(environ.get("PATH_INFO") or "/")
        query = environ.get("QUERY_STRING")
        target = f"https://{name}{port}{path}" + (f"?{query}" if query else "")
        start_response("301 Moved Permanently", [("Location", target), ("Content-Length", "0")])
        return [b""]
    return app


def split_address(http: str) -> tuple[str, int]:
    host, _, port = http.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


class WebServer:
    def __init__(self, api: Api, http: str, state_dir: Path) -> None:
        self.users = UserStore(state_dir / "users.json")
        if self.users.first_boot_password:
            banner = f"admin password for this box: {self.users.first_boot_password} (change it at first login)"
            log.warning(banner)
            (state_dir / "first-boot-password").write_text(self.users.first_boot_password + "\n")
            (state_dir / "first-boot-password").chmod(0o600)
        settings = api.web_settings()
        host, port = split_address(http)
        host = settings.address or host
        plain_port = settings.http_port or port
        self.servers: list[WSGIServer] = []
        self.https = bool(settings.https)
        self.app = make_app(api, self.users, secure=self.https)
        if self.https:
            if settings.certificate:
                cert, key = Path(settings.certificate), Path(settings.private_key)
            else:
                cert, key = ensure_certificate(state_dir, host)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.load_cert_chain(str(cert), str(key))
            main = make_server(host, settings.https_port, self.app, server_class=_ThreadingServer,
                               handler_class=_TlsHandler)
            main.socket = ctx.wrap_socket(main.socket, server_side=True, do_handshake_on_connect=False)
            main.base_environ["HTTPS"] = "on"
            self.servers.append(main)
            if settings.redirect_http:
                self.servers.append(make_server(host, plain_port, redirect_app(main.server_address[1]),
                                                server_class=_ThreadingServer, handler_class=_QuietHandler))
        else:
            self.servers.append(make_server(host, plain_port, self.app, server_class=_ThreadingServer,
                                            handler_class=_QuietHandler))
        self.httpd = self.servers[0]
        self.address = self.httpd.server_address
        self._threads = [threading.Thread(target=s.serve_forever, name=f"pbx-web-{i}", daemon=True)
                         for i, s in enumerate(self.servers)]

    @property
    def url(self) -> str:
        host, port = str(self.address[0]), int(self.address[1])
        return f"{'https' if self.https else 'http'}://{host}:{port}"

    def start(self) -> None:
        for t in self._threads:
            t.start()
        log.info("web page on %s", self.url)
        if len(self.servers) > 1:
            log.info("plain HTTP on port %d redirects to it", self.servers[1].server_address[1])

    def stop(self) -> None:
        for s in self.servers:
            s.shutdown()
            s.server_close()
