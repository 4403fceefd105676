"""Backup and restore of the box's data as one file: a gzip'ed tar with a manifest (format, schema versions).

What goes in (paths relative to pbxd's state directory): the configuration `pbx.yaml`, the web page's
users, portal settings and set-up state, the SIP secrets (so phones keep registering), the imported
phone book and the day/night switch, the call records (`cdr.sqlite`, copied with SQLite's online backup
so a running pbxd is fine), prompts and voicemail;
recordings only on request (they can be large). Not in it: the box's own TLS key and certificate, the
first-boot password, the SSH host keys and anything under `.system/` (they belong to the box, not to
the PBX's data).

`manifest.json` (first member) records the backup format, the config schema version, the firmware
version and a SHA-256 per file. Restore checks every member against it (names, sizes, hashes; no
links, no paths outside the state directory), accepts backups from this or any earlier version (the
config is migrated forward by firmware.config.migrate and validated before anything is written), writes
every file atomically, and tells the caller to restart pbxd. A backup from newer firmware is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any

from firmware.config.migrate import CURRENT_VERSION, file_version, upgrade_text
from firmware.config.store import atomic_write, parse_config
from firmware.contracts.errors import ConfigError, PbxError

FORMAT = "pbx-backup"
BACKUP_VERSION = 1
FILES = ("pbx.yaml", "users.json", "portal.json", "setup-done", "sip/secrets.json", "phonebook.csv", "daynight.json")
DIRECTORIES = ("prompts", "voicemail")
OPTIONAL_DIRECTORIES = ("recordings",)
CDR = "cdr.sqlite"
MAX_MEMBER = 2 * 1024**3


class BackupError(PbxError, ValueError):
    """A backup file that cannot be made or restored (the message says why)."""


@dataclass
class RestoreReport:
    files: list[str] = field(default_factory=list)
    from_firmware: str = ""
    from_schema: int = 1
    to_schema: int = CURRENT_VERSION
    restart_needed: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"files": self.files, "from_firmware": self.from_firmware, "from_schema": self.from_schema,
                "to_schema": self.to_schema, "restart_needed": self.restart_needed}


def firmware_version() -> str:
    try:
        return version("pbx-firmware")
    except PackageNotFoundError:
        return "unknown"


def _members(state_dir: Path, recordings: bool) -> list[str]:
    names = [name for name in FILES if (state_dir / name).is_file()]
    for directory in DIRECTORIES + (OPTIONAL_DIRECTORIES if recordings else ()):
        base = state_dir / directory
        if base.is_dir():
            names += sorted(p.relative_to(state_dir).as_posix() for p in base.rglob("*")
                            if p.is_file() and not p.is_symlink())
    return names


def _cdr_snapshot(path: Path) -> bytes:
    """A consistent copy of the call records, also while pbxd writes to them."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / CDR
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        dst = sqlite3.connect(copy)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return copy.read_bytes()


def create_backup(state_dir: Path, out: Path, *, recordings: bool = False) -> dict[str, Any]:
    """Write the backup of `state_dir` to `out` (atomically); returns its manifest."""
    contents: dict[str, bytes] = {name: (state_dir / name).read_bytes() for name in _members(state_dir, recordings)}
    if (state_dir / CDR).is_file():
        contents[CDR] = _cdr_snapshot(state_dir / CDR)
    schema = CURRENT_VERSION
    if "pbx.yaml" in contents:
        from ruamel.yaml import YAML
        try:
            schema = file_version(YAML(typ="rt").load(contents["pbx.yaml"].decode("utf-8")))
        except Exception:     # an unreadable config is still backed up as it is
            schema = 1
    manifest = {
        "format": FORMAT, "backup_version": BACKUP_VERSION, "config_schema_version": schema,
        "firmware": firmware_version(), "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "files": [{"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                  for name, data in sorted(contents.items())],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            _add(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
            for name, data in sorted(contents.items()):
                _add(tar, f"data/{name}", data)
            tar.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return manifest


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def read_backup(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Manifest and files of a backup, every member checked; BackupError on anything wrong."""
    files: dict[str, bytes] = {}
    manifest: dict[str, Any] | None = None
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            for member in tar:
                if not member.isfile() or member.size > MAX_MEMBER:
                    raise BackupError(f"{path.name}: member {member.name!r} is not a plain file")
                extracted = tar.extractfile(member)
                assert extracted is not None
                data = extracted.read()
                if member.name == "manifest.json":
                    manifest = json.loads(data)
                    continue
                files[_safe_name(member.name)] = data
    except BackupError:
        raise
    except (OSError, tarfile.TarError, EOFError, ValueError) as exc:
        raise BackupError(f"{path.name}: not a backup file, or damaged or truncated ({exc})") from exc
    if manifest is None or manifest.get("format") != FORMAT:
        raise BackupError(f"{path.name}: no pbx backup manifest")
    if int(manifest.get("backup_version", 0)) > BACKUP_VERSION:
        raise BackupError(f"{path.name}: made by newer firmware ({manifest.get('firmware')}); update this box first")
    if int(manifest.get("config_schema_version", 1)) > CURRENT_VERSION:
        raise BackupError(f"{path.name}: its configuration (schema {manifest['config_schema_version']}) is newer "
                          f"than this firmware reads ({CURRENT_VERSION}); update this box first")
    listed = {f["path"]: f for f in manifest.get("files", [])}
    if set(listed) != set(files):
        missing = sorted(set(listed) ^ set(files))
        raise BackupError(f"{path.name}: manifest and contents differ ({', '.join(missing)})")
    for name, data in files.items():
        entry = listed[name]
        if len(data) != entry["size"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise BackupError(f"{path.name}: {name} is damaged (size or SHA-256 differs from the manifest)")
    return manifest, files


def _safe_name(member: str) -> str:
    pure = PurePosixPath(member)
    if pure.parts[:1] != ("data",) or pure.is_absolute() or ".." in pure.parts or len(pure.parts) < 2:
        raise BackupError(f"member {member!r} lies outside the backup's data")
    name = PurePosixPath(*pure.parts[1:]).as_posix()
    top = name.split("/")[0]
    if name not in FILES and name != CDR and top not in DIRECTORIES + OPTIONAL_DIRECTORIES:
        raise BackupError(f"member {member!r} is not something a backup holds")
    return name


def restore_backup(state_dir: Path, path: Path) -> RestoreReport:
    """Put a backup's files into `state_dir` (config migrated to this firmware's schema and validated first)."""
    manifest, files = read_backup(path)
    report = RestoreReport(from_firmware=str(manifest.get("firmware", "")),
                           from_schema=int(manifest.get("config_schema_version", 1)))
    if "pbx.yaml" in files:
        try:
            text = upgrade_text(files["pbx.yaml"].decode("utf-8"), "pbx.yaml (backup)")
            parse_config(text, "pbx.yaml (backup)")
        except (ConfigError, UnicodeDecodeError) as exc:
            raise BackupError(f"{path.name}: its configuration does not load on this firmware: {exc}") from exc
        files["pbx.yaml"] = text.encode("utf-8")
    for name, data in sorted(files.items()):
        target = state_dir / name
        if name == "pbx.yaml":
            atomic_write(target, data.decode("utf-8"))
        else:
            _atomic_bytes(target, data)
        report.files.append(name)
    return report


def _atomic_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.restore")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    for wal in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if path.name == CDR:
            wal.unlink(missing_ok=True)
