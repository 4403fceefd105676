"""Nothing secret and no default credentials in the built image: no private keys, no SSH host keys, no account
with a password, none of the well-known default passwords in configuration files; the update-signing key
stays on the build machine (only its certificate is in the RAUC keyring)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.image, pytest.mark.slow, pytest.mark.timeout(3600)]   # a clean image build first

PRIVATE_KEY = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )?PRIVATE KEY-----|-----BEGIN OPENSSH PRIVATE KEY-----")
DEFAULTS = re.compile(
    r"""(?ix)(?:pass(?:word|wd)?|pwd|secret|credentials?)\w*\s*[:=]\s*["']?
        (admin|raspberry|changeme|change_me|password|passw0rd|1234|12345|123456|toor|root|pbx|kamailio(?:rw|ro)?|
         default|secret|guest|letmein)["']?\s*$""")
TEXT_TREES = ("etc", "usr/share/pbx", "usr/lib/pbx", "usr/local", "root", "var/lib")
SKIP_BINARY = (b"\0",)


def _files(root: Path, subdirs: tuple[str, ...] = ("",)) -> list[Path]:
    out = []
    for sub in subdirs:
        base = root / sub
        if base.is_dir():
            out += [p for p in base.rglob("*") if p.is_file() and not p.is_symlink()]
    return out


def test_no_private_keys_anywhere(image_dir: Path) -> None:
    found = []
    for tree in (image_dir / "rootfs", image_dir / "data"):
        for p in _files(tree):
            try:
                data = p.read_bytes()
                # key files are text; programs (sshd, openssl) carry the PEM markers as constants
                if b"\0" not in data[:8192] and PRIVATE_KEY.search(data):
                    found.append(str(p.relative_to(image_dir)))
            except OSError:
                continue
    assert found == []


def test_no_ssh_host_keys_and_no_machine_identity(image_dir: Path) -> None:
    rootfs = image_dir / "rootfs"
    assert list((rootfs / "etc/ssh").glob("ssh_host_*")) == []
    assert (rootfs / "etc/machine-id").read_text() == ""
    assert not (image_dir / "data" / "users.json").exists()
    assert not (image_dir / "data" / "first-boot-password").exists()


def test_no_account_can_log_in_with_a_password(image_dir: Path) -> None:
    for line in (image_dir / "rootfs/etc/shadow").read_text().splitlines():
        name, hashed = line.split(":")[:2]
        assert hashed.startswith(("*", "!")), f"account {name} has a password (or an empty one)"


def test_no_default_passwords_in_configuration_files(image_dir: Path) -> None:
    hits = []
    for tree in (image_dir / "rootfs", image_dir / "data"):
        for p in _files(tree, TEXT_TREES if tree.name == "rootfs" else ("",)):
            try:
                data = p.read_bytes()
            except OSError:
                continue
            if b"\0" in data[:4096] or len(data) > 2_000_000:
                continue
            for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
                if line.lstrip().startswith(("#", "//", ";")):
                    continue
                if DEFAULTS.search(line):
                    hits.append(f"{p.relative_to(image_dir)}:{n}: {line.strip()[:120]}")
    assert hits == []


def test_update_keyring_holds_a_certificate_only(image_dir: Path) -> None:
    keyring = (image_dir / "rootfs/etc/rauc/keyring.pem").read_text()
    assert "BEGIN CERTIFICATE" in keyring and "PRIVATE" not in keyring
