"""Generated SIP secrets kept in the state directory: extension passwords (RFC 3261 §22 digest
credentials), trunk contact tokens and the Kamailio nonce secret (RFC 2617 §3.2.1 nonce).

The file is JSON, mode 0600, written atomically (temp file, fsync, rename). A secret, once
generated, stays the same across restarts so phones keep working; a password given in the
config always wins and is never written here.
"""

from __future__ import annotations

import json
import os
import secrets
import string
from pathlib import Path
from typing import Any

ALPHABET = string.ascii_letters + string.digits
PASSWORD_LENGTH = 20        # ~119 bits from 62 symbols: far beyond online guessing with bans


def strong_password(length: int = PASSWORD_LENGTH) -> str:
    """A random password of letters and digits, at least one of each (easy to type into a phone's web
    page; some phones' forms insist on both)."""
    while True:
        password = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def token(nbytes: int = 10) -> str:
    """A random lower-case hex token (used as the user part of a trunk's registered contact)."""
    return secrets.token_hex(nbytes)


class SecretStore:
    """`<state>/sip/secrets.json`: {"passwords": {ext: pw}, "tokens": {name: tok}, "nonce": s}."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data: dict[str, Any] = {"passwords": {}, "tokens": {}, "nonce": ""}
        if path.exists():
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self._data.update(loaded)
        self._dirty = False

    def password(self, extension: str, configured: str = "") -> str:
        """The configured password, else the stored generated one (generated now if new)."""
        if configured:
            return configured
        return self._get("passwords", extension, strong_password)

    def generated_password(self, extension: str) -> str | None:
        stored = self._data["passwords"].get(extension)
        return str(stored) if stored else None

    def trunk_token(self, trunk: str) -> str:
        return "t" + self._get("tokens", trunk, token)

    def nonce_secret(self) -> str:
        if not self._data.get("nonce"):
            self._data["nonce"] = token(16)
            self._dirty = True
        return str(self._data["nonce"])

    def _get(self, section: str, key: str, make: Any) -> str:
        table: dict[str, str] = self._data.setdefault(section, {})
        if key not in table:
            table[key] = make()
            self._dirty = True
        return table[key]

    def save(self) -> None:
        """Write the file if anything was generated since loading (mode 0600, atomic)."""
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, json.dumps(self._data, indent=1, sort_keys=True).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        self._dirty = False
