"""The `web:` config section: where the local web page listens, HTTPS, session idle time, login lockout.

Development (`make run`) serves plain HTTP on pbxd's `--http` address (127.0.0.1:8080); the
product image's config sets `https: true`, `address: 0.0.0.0`, `http_port: 80` (redirecting) and
`https_port: 443`. The certificate is self-signed, generated at first boot into the state
directory unless `certificate`/`private_key` name files of your own.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def doc(text: str, **limits: object) -> dict[str, object]:
    return {"doc": text, **limits}


@dataclass(frozen=True)
class WebConfig:
    address: str = field(default="", metadata=doc(
        "address the web page listens on; empty = the host of pbxd's --http option (127.0.0.1 in development)",
        pattern=r"[0-9A-Za-z.:\[\]-]{0,64}"))
    http_port: int = field(default=0, metadata=doc(
        "plain-HTTP port; 0 = the port of pbxd's --http option (8080 in development)", min=0, max=65535))
    https: bool = field(default=False, metadata=doc(
        "serve the page over HTTPS with the box's self-signed certificate"))
    https_port: int = field(default=443, metadata=doc("HTTPS port (when https is on)", min=1, max=65535))
    redirect_http: bool = field(default=True, metadata=doc(
        "with https on: the plain-HTTP port only redirects to HTTPS (off = no plain-HTTP port at all)"))
    certificate: str = field(default="", metadata=doc(
        "PEM certificate file; empty = generated at first boot in the state directory (web-cert.pem)"))
    private_key: str = field(default="", metadata=doc(
        "PEM private key of that certificate; empty = generated with it (web-key.pem, mode 0600)"))
    session_idle_min: int = field(default=15, metadata=doc(
        "log a browser out after this many minutes without a request", min=1, max=24 * 60))
    lockout_failures: int = field(default=5, metadata=doc(
        "wrong passwords in a row (per user and per source address) before logins are locked", min=1, max=100))
    lockout_min: int = field(default=5, metadata=doc(
        "minutes the first lockout lasts; each further one doubles it", min=1, max=24 * 60))
    lockout_max_min: int = field(default=24 * 60, metadata=doc(
        "longest lockout in minutes", min=1, max=7 * 24 * 60))

    def check(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if self.https and self.http_port and self.http_port == self.https_port:
            problems.append(("https_port", f"port {self.https_port} is already the plain-HTTP port"))
        if bool(self.certificate) != bool(self.private_key):
            problems.append(("private_key" if self.certificate else "certificate",
                             "certificate and private_key go together (both empty = generated)"))
        if self.lockout_max_min < self.lockout_min:
            problems.append(("lockout_max_min", "must not be shorter than lockout_min"))
        return problems
