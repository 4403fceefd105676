"""Local control socket: the API as JSON lines on a Unix socket (mode 0600) for `pbxctl`.

Request:  {"op": "handset", "port": 1, "action": "off-hook", "arg": ""}
Answer:   {"ok": true, "result": {...}}  or  {"ok": false, "error": "message for the user"}
Only the owner of the daemon (root on the box) can open the socket.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from firmware.api.facade import Api
from firmware.contracts.errors import ApiError

log = logging.getLogger("pbxd.control")
MAX_REQUEST = 4 * 1024 * 1024     # a phone book CSV (2 MB at most) travels base64-encoded


def _bytes(req: dict[str, Any], key: str) -> bytes:
    try:
        return base64.b64decode(str(req.get(key, "")), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiError(f"{key!r} must be base64") from exc


def _int(req: dict[str, Any], key: str) -> int:
    value = req.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ApiError(f"{key!r} must be a port number")
    return int(value)


class ControlServer:
    def __init__(self, api: Api, path: Path) -> None:
        self.api = api
        self.path = path
        self._sock: socket.socket | None = None
        self._thread = threading.Thread(target=self._serve, name="pbx-control", daemon=True)
        self._stop = threading.Event()
        self.ops: dict[str, Callable[[dict[str, Any]], Any]] = {
            "status": lambda r: api.status(),
            "handset": lambda r: api.handset(_int(r, "port"), str(r.get("action", "")), str(r.get("arg", ""))),
            "show": lambda r: api.handset_view(_int(r, "port")),
            "ring-line": lambda r: api.ring_line(_int(r, "port"), str(r.get("number", "")),
                                                 str(r.get("name", "")), bool(r.get("private", False))),
            "line-hangup": lambda r: api.line_hangup(_int(r, "port")),
            "calibrate-line": lambda r: api.calibrate_line(_int(r, "port"), str(r.get("number", "")),
                                                           float(r.get("incoming_wait_s", 0) or 0)),
            "calibration": lambda r: api.calibration(_int(r, "port")),
            "calls": lambda r: api.call_records(limit=int(r.get("limit", 20))),
            "phonebook-import": lambda r: api.phonebook_import(_bytes(r, "data"), merge=bool(r.get("merge", False))),
            "phonebook-export": lambda r: api.phonebook_export(),
            "sip": lambda r: api.bp.sip_status(),          # type: ignore[attr-defined]
            "mwi": lambda r: api.bp.set_mwi(str(r.get("extension", "")), _int(r, "new"),  # type: ignore[attr-defined]
                                            int(r.get("old", 0))),
        }

    def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() or self.path.is_symlink():
            self.path.unlink()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            sock.bind(str(self.path))
        finally:
            os.umask(old)
        sock.listen(8)
        sock.settimeout(0.5)
        self._sock = sock
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2.0)
        if self._sock is not None:
            self._sock.close()
        self.path.unlink(missing_ok=True)

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._client, args=(conn,), daemon=True).start()

    def _client(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rwb") as stream:
            for raw in stream:
                if len(raw) > MAX_REQUEST:
                    reply: dict[str, Any] = {"ok": False, "error": "request too large"}
                else:
                    reply = self.handle(raw)
                stream.write(json.dumps(reply).encode() + b"\n")
                stream.flush()

    def handle(self, raw: bytes) -> dict[str, Any]:
        try:
            req = json.loads(raw)
            if not isinstance(req, dict):
                raise ApiError("a request is a JSON object")
            op = self.ops.get(str(req.get("op")))
            if op is None:
                raise ApiError(f"unknown operation {req.get('op')!r}; known: {', '.join(self.ops)}")
            return {"ok": True, "result": op(req)}
        except (ApiError, ValueError) as exc:
            return {"ok": False, "error": str(exc)}
        except Exception as exc:
            log.exception("control request failed")
            return {"ok": False, "error": f"internal error: {exc}"}
