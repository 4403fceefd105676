"""Just enough SIP message parsing (RFC 3261 §7, §20, §25) to read what Kamailio tells pbxd in an
INVITE: the Request-URI user, From display name and user, and header values by name (compact
forms included). Malformed input yields empty strings, never an exception."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_COMPACT = {"f": "from", "t": "to", "m": "contact", "i": "call-id", "v": "via", "l": "content-length",
            "c": "content-type", "k": "supported", "s": "subject", "e": "content-encoding", "o": "event"}
_NAME_ADDR = re.compile(r'^\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<([^>]*)>|^\s*([^;\s]+)')
_USER = re.compile(r"^(?:sips?|tel):([^@;?]*)")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


@dataclass
class SipMessage:
    start_line: str = ""
    headers: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> SipMessage:
        head = text.split("\r\n\r\n", 1)[0].split("\n\n", 1)[0]
        lines = head.replace("\r\n", "\n").split("\n")
        msg = cls(lines[0].strip() if lines else "")
        current = ""
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and current:        # folded continuation
                msg.headers[current][-1] += " " + line.strip()
                continue
            name, sep, value = line.partition(":")
            if not sep:
                continue
            key = name.strip().lower()
            key = _COMPACT.get(key, key)
            msg.headers.setdefault(key, []).append(value.strip())
            current = key
        return msg

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""

    @property
    def ruri_user(self) -> str:
        parts = self.start_line.split()
        return user_of(parts[1]) if len(parts) >= 2 else ""

    @property
    def from_user(self) -> str:
        return user_of(uri_of(self.header("from")))

    @property
    def from_display(self) -> str:
        return display_of(self.header("from"))


def uri_of(name_addr: str) -> str:
    m = _NAME_ADDR.match(name_addr)
    if not m:
        return ""
    return m.group(3) if m.group(3) is not None else (m.group(4) or "")


def display_of(name_addr: str) -> str:
    m = _NAME_ADDR.match(name_addr)
    if not m or m.group(3) is None:
        return ""
    return _unescape(m.group(1)) if m.group(1) is not None else (m.group(2) or "").strip()


def user_of(uri: str) -> str:
    m = _USER.match(uri.strip())
    return m.group(1) if m else ""
