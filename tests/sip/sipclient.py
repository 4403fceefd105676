"""A raw SIP client for the torture tests (RFC 4475 style): sends exactly the bytes a test wrote
(over UDP or TCP) and parses whatever comes back; computes RFC 2617 digest answers (qop=auth)
to get past the edge's challenge. It only speaks; judging is the test's job."""

from __future__ import annotations

import hashlib
import re
import secrets
import socket
import time
from dataclasses import dataclass, field


@dataclass
class Response:
    code: int
    reason: str
    headers: dict[str, list[str]] = field(default_factory=dict)
    raw: str = ""

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""


def parse_response(data: bytes) -> Response | None:
    text = data.decode("utf-8", "replace")
    head = text.split("\r\n\r\n", 1)[0]
    lines = head.split("\r\n")
    m = re.match(r"SIP/2\.0 (\d{3}) ?(.*)", lines[0])
    if not m:
        return None
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers.setdefault(name.strip().lower(), []).append(value.strip())
    return Response(int(m.group(1)), m.group(2), headers, text)


def digest(challenge: str, method: str, uri: str, user: str, password: str) -> str:
    """An Authorization/Proxy-Authorization value for a WWW-/Proxy-Authenticate challenge."""
    params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
    realm, nonce = params.get("realm", ""), params.get("nonce", "")
    ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()
    ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
    cnonce, nc = secrets.token_hex(8), "00000001"
    if "auth" in params.get("qop", ""):
        resp = hashlib.md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode()).hexdigest()
        return (f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", response="{resp}", '
                f'algorithm=MD5, qop=auth, nc={nc}, cnonce="{cnonce}"')
    resp = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
    return f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", response="{resp}", algorithm=MD5'


class SipClient:
    def __init__(self, local_ip: str, server: tuple[str, int], *, transport: str = "udp") -> None:
        self.local_ip = local_ip
        self.server = server
        self.transport = transport
        kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
        self.sock = socket.socket(socket.AF_INET, kind)
        self.sock.bind((local_ip, 0))
        self.port = self.sock.getsockname()[1]
        if transport == "tcp":
            self.sock.settimeout(5)
            self.sock.connect(server)
        self._buf = b""

    def close(self) -> None:
        self.sock.close()

    def fill(self, template: str, **extra: str) -> bytes:
        """Substitute {local}, {ip}, {port}, {branch}, {callid}, {tag}, {transport} and `extra`; CRLF lines."""
        values = {"local": f"{self.local_ip}:{self.port}", "ip": self.local_ip, "port": str(self.port),
                  "branch": "z9hG4bK" + secrets.token_hex(6), "callid": secrets.token_hex(8) + "@torture",
                  "tag": secrets.token_hex(4), "transport": self.transport.upper(),
                  "server": f"{self.server[0]}:{self.server[1]}", **extra}
        text = template
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        if "{len}" in text:                 # Content-Length of the body as it is now
            body = text.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in text else ""
            text = text.replace("{len}", str(len(body.encode("utf-8", "surrogateescape"))))
        return text.encode("utf-8", "surrogateescape")

    def send(self, data: bytes) -> None:
        if self.transport == "udp":
            self.sock.sendto(data, self.server)
        else:
            self.sock.sendall(data)

    def receive(self, timeout: float = 2.0) -> Response | None:
        """The next final response (1xx skipped), or None when nothing comes within `timeout`."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.sock.settimeout(max(0.01, end - time.monotonic()))
            try:
                data = self.sock.recv(65535) if self.transport == "udp" else self._tcp_message()
            except (TimeoutError, ConnectionError, OSError):
                return None
            if not data:
                return None
            resp = parse_response(data)
            if resp is not None and resp.code >= 200:
                return resp
        return None

    def _tcp_message(self) -> bytes:
        while b"\r\n\r\n" not in self._buf:
            chunk = self.sock.recv(65535)
            if not chunk:
                return b""
            self._buf += chunk
        head, _, rest = self._buf.partition(b"\r\n\r\n")
        m = re.search(rb"(?im)^(?:content-length|l)\s*:\s*(\d+)", head)
        length = int(m.group(1)) if m else 0
        while len(rest) < length:
            chunk = self.sock.recv(65535)
            if not chunk:
                break
            rest += chunk
        self._buf = rest[length:]
        return head + b"\r\n\r\n" + rest[:length]

    def exchange(self, template: str, timeout: float = 2.0, **extra: str) -> Response | None:
        self.send(self.fill(template, **extra))
        return self.receive(timeout)
