"""JSON-RPC 2.0 client for Kamailio's jsonrpcs module over its Unix datagram socket, and the typed
queries pbxd makes: trunk registrations (uac), bans (htable), registered contacts (usrloc) and
presence publications (pua_rpc; RFC 3903 PUBLISH of RFC 4235 dialog-info / RFC 3842 summaries).

Each call binds a private reply socket in the run directory, sends one request and waits for the
one reply (a datagram, up to 64 KiB). Thread-safe: every call has its own socket.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from firmware.contracts.errors import SipError

_ids = itertools.count(1)
_id_lock = threading.Lock()

# uac registration flags (uac module README, uac.reg_info)
REG_DISABLED = 1
REG_ONGOING = 2
REG_SUCCEEDED = 4
REG_AUTHING = 8
REG_INIT = 16


@dataclass(frozen=True)
class TrunkRegistrationStatus:
    trunk: str
    state: str           # registered, registering, failed, disabled
    flags: int
    expires_in: int      # seconds until the registration runs out (0 when not registered)
    last_attempt: int    # Unix time of the last REGISTER sent (0 = never)


@dataclass(frozen=True)
class Ban:
    address: str
    reason: str          # auth (failed authentications), flood (pike), scanner (user agent)
    expires_in: int      # seconds left


def reg_state(flags: int) -> str:
    if flags & REG_DISABLED:
        return "disabled"
    if flags & REG_SUCCEEDED:
        return "registered"
    if flags & (REG_ONGOING | REG_AUTHING):
        return "registering"
    if flags & REG_INIT:
        return "failed"
    return "waiting"


class KamailioRpc:
    def __init__(self, socket_path: Path, *, timeout: float = 3.0) -> None:
        self.socket_path = socket_path
        self.timeout = timeout

    def call(self, method: str, *params: Any) -> Any:
        """Run one RPC command; SipError when Kamailio is not there or answers with an error."""
        with _id_lock:
            req_id = next(_ids)
        request = {"jsonrpc": "2.0", "method": method, "id": req_id}
        if params:
            request["params"] = list(params)
        data = json.dumps(request).encode()
        tmpdir = self.socket_path.parent if self.socket_path.parent.is_dir() else Path(tempfile.gettempdir())
        reply_path = tmpdir / f"rpc-{os.getpid()}-{threading.get_ident()}-{req_id}.sock"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            sock.bind(str(reply_path))
            sock.settimeout(self.timeout)
            sock.sendto(data, str(self.socket_path))
            raw = sock.recv(65536)
        except OSError as exc:
            raise SipError(f"Kamailio RPC {method}: {exc.strerror or exc}") from exc
        finally:
            sock.close()
            try:
                reply_path.unlink()
            except OSError:
                pass
        try:
            reply = json.loads(raw.decode("utf-8", "replace"))
        except ValueError as exc:
            raise SipError(f"Kamailio RPC {method}: reply is not JSON") from exc
        if "error" in reply:
            err = reply["error"]
            raise SipError(f"Kamailio RPC {method}: {err.get('code')} {err.get('message')}")
        return reply.get("result")

    def alive(self) -> bool:
        try:
            self.call("core.version")
        except SipError:
            return False
        return True

    # --- trunks --------------------------------------------------------------------------------
    def trunk_registrations(self) -> list[TrunkRegistrationStatus]:
        rows = self.call("uac.reg_dump") or []
        out = []
        for row in rows if isinstance(rows, list) else [rows]:
            flags = int(row.get("flags", 0))
            expires = int(row.get("timer_expires", 0)) - int(row.get("reg_init", 0)) if flags & REG_SUCCEEDED else 0
            diff = int(row.get("diff_expires", 0)) if "diff_expires" in row else expires
            out.append(TrunkRegistrationStatus(
                trunk=str(row.get("l_username", "")), state=reg_state(flags), flags=flags,
                expires_in=max(0, diff) if flags & REG_SUCCEEDED else 0,
                last_attempt=int(row.get("reg_init", 0))))
        return out

    # --- bans ----------------------------------------------------------------------------------
    def bans(self, ban_s: int) -> list[Ban]:
        """Banned sources; the value Kamailio stores is "<reason>/<ban start, Unix time>"."""
        rows = self.call("htable.dump", "ipban") or []
        now = int(time.time())
        out = []
        for slot in rows:
            for item in slot.get("slot", []):
                reason, _, since = str(item.get("value", "")).partition("/")
                left = ban_s - (now - int(since)) if since.isdigit() else 0
                out.append(Ban(str(item.get("name")), reason, max(0, left)))
        return sorted(out, key=lambda b: b.address)

    def unban(self, address: str) -> None:
        self.call("htable.delete", "ipban", address)
        self.call("htable.delete", "authfail", address)

    def auth_failures(self) -> int:
        rows = self.call("htable.get", "stats", "authfail")
        if isinstance(rows, dict):
            return int(rows.get("item", {}).get("value", 0) or 0)
        return 0

    # --- registrations -------------------------------------------------------------------------
    def contacts(self) -> dict[str, list[str]]:
        """Registered contacts per extension (usrloc)."""
        dump = self.call("ul.dump") or {}
        out: dict[str, list[str]] = {}
        for domain in dump.get("Domains", []):
            for record in domain.get("Domain", {}).get("AoRs", []):
                info = record.get("Info", {})
                aor = str(info.get("AoR", ""))
                contacts = info.get("Contacts", [])
                out[aor.split("@")[0]] = [str(c.get("Contact", {}).get("Address", "")) for c in contacts]
        return out

    # --- presence ------------------------------------------------------------------------------
    def publish(self, uri: str, event: str, content_type: str, body: str, *, expires: int = 3600,
                series: str = ".") -> Any:
        """Have Kamailio's pua send a PUBLISH for `uri` to its own presence server (pua.send_publish:
        no waiting for the answer - jsonrpcs cannot delay replies on its datagram socket); pua keeps
        the publication's ETag per series and refreshes it before it expires."""
        return self.call("pua.send_publish", uri, str(expires), event, content_type, series, ".", ".", ".", body)
