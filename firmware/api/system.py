"""Box health for the dashboard (disk and CPU use) and the web page's self-signed certificate.

CPU use is the busy share of /proc/stat between two readings (the first reading reports the
average since boot); disk use is the file system that holds the state directory (call
records, recordings, voicemail).

The certificate is made with Debian's `openssl` command (already on the image for other
tools) rather than a Python crypto package: no compiled wheel to carry for the ARM image, and
the key never passes through our process. P-256 key, 10 years, subjectAltName for the box's
host name, `localhost` and the listening address; key file mode 0600.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path
from typing import Any

from firmware.contracts.errors import ApiError


class CpuMeter:
    def __init__(self, stat: Path = Path("/proc/stat")) -> None:
        self.stat = stat
        self._last: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def _read(self) -> tuple[int, int] | None:
        try:
            fields = self.stat.read_text().splitlines()[0].split()[1:]
        except (OSError, IndexError):
            return None
        values = [int(v) for v in fields]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        return sum(values), idle

    def percent(self) -> float | None:
        with self._lock:
            now = self._read()
            if now is None:
                return None
            last, self._last = self._last, now
        total, idle = now
        if last is not None and total > last[0]:
            total, idle = total - last[0], idle - last[1]
        return round(100.0 * (total - idle) / total, 1) if total else 0.0


def disk_use(path: Path) -> dict[str, Any]:
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return {"percent": None, "free_mb": None}
    return {"percent": round(100.0 * usage.used / usage.total, 1) if usage.total else None,
            "free_mb": usage.free // (1024 * 1024), "total_mb": usage.total // (1024 * 1024)}


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def ensure_certificate(state_dir: Path, address: str = "") -> tuple[Path, Path]:
    """(certificate, key) in the state directory, generated on first use."""
    cert, key = state_dir / "web-cert.pem", state_dir / "web-key.pem"
    if cert.exists() and key.exists():
        return cert, key
    openssl = shutil.which("openssl")
    if openssl is None:
        raise ApiError("HTTPS needs the openssl command (Debian package openssl) to make the certificate")
    host = socket.gethostname() or "pbx"
    names = [f"DNS:{host}", "DNS:localhost", "IP:127.0.0.1"]
    if address:
        try:
            names.append(f"IP:{ipaddress.ip_address(address)}")
        except ValueError:
            names.append(f"DNS:{address}")
    state_dir.mkdir(parents=True, exist_ok=True)
    tmp_key = key.with_name(".web-key.tmp")
    old = os.umask(0o177)
    try:
        subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-days", "3650", "-subj", f"/CN={host}", "-addext",
                        "subjectAltName=" + ",".join(dict.fromkeys(names)),
                        "-keyout", str(tmp_key), "-out", str(cert)],
                       check=True, capture_output=True, timeout=60)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        raise ApiError(f"could not make the web page's certificate: {exc}") from exc
    finally:
        os.umask(old)
    tmp_key.chmod(0o600)
    os.replace(tmp_key, key)
    return cert, key
