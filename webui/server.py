"""The local web page's server: the bottle app on a threaded WSGI server in its own thread."""

from __future__ import annotations

import logging
import socketserver
import threading
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from firmware.api.facade import Api
from firmware.api.users import UserStore
from webui.app import make_app

log = logging.getLogger("pbxd.web")


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class WebServer:
    def __init__(self, api: Api, http: str, state_dir: Path) -> None:
        host, _, port = http.rpartition(":")
        self.users = UserStore(state_dir / "users.json")
        if self.users.first_boot_password:
            banner = f"admin password for this box: {self.users.first_boot_password} (change it at first login)"
            log.warning(banner)
            (state_dir / "first-boot-password").write_text(self.users.first_boot_password + "\n")
            (state_dir / "first-boot-password").chmod(0o600)
        self.app = make_app(api, self.users)
        self.httpd = make_server(host or "127.0.0.1", int(port), self.app, server_class=_ThreadingServer,
                                 handler_class=_QuietHandler)
        self.address = self.httpd.server_address
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="pbx-web", daemon=True)

    def start(self) -> None:
        self._thread.start()
        log.info("web page on http://%s:%d", *self.address[:2])

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
