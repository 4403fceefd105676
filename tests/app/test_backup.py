"""Backup/restore as one file: manifest with versions and hashes, old backups restore migrated, damaged ones
are refused before anything is written, `pbxctl backup`/`restore`."""

from __future__ import annotations

import io
import json
import sqlite3
import tarfile
from pathlib import Path

import pytest

from firmware.app.backup import BackupError, create_backup, read_backup, restore_backup
from firmware.app.cli import main as pbxctl
from firmware.config.migrate import CURRENT_VERSION
from firmware.config.store import load_config


def make_state(state: Path, config: str = "country: DE\n") -> None:
    state.mkdir(parents=True, exist_ok=True)
    (state / "pbx.yaml").write_text(config)
    (state / "users.json").write_text('{"users": []}')
    (state / "voicemail" / "201").mkdir(parents=True)
    (state / "voicemail" / "201" / "msg0001.wav").write_bytes(b"RIFF....WAVE")
    (state / "recordings").mkdir()
    (state / "recordings" / "call1.wav").write_bytes(b"RIFF")
    (state / "web-key.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    (state / ".system").mkdir()
    (state / ".system" / "rauc.status").write_text("x")
    db = sqlite3.connect(state / "cdr.sqlite")
    db.execute("create table cdr (id integer, caller text)")
    db.execute("insert into cdr values (1, '201')")
    db.commit()
    db.close()


def test_round_trip(tmp_path: Path) -> None:
    make_state(tmp_path / "a")
    manifest = create_backup(tmp_path / "a", tmp_path / "b.tar.gz")
    names = {f["path"] for f in manifest["files"]}
    assert names == {"pbx.yaml", "users.json", "voicemail/201/msg0001.wav", "cdr.sqlite"}
    assert manifest["config_schema_version"] == 1 and manifest["format"] == "pbx-backup"
    report = restore_backup(tmp_path / "c", tmp_path / "b.tar.gz")
    assert set(report.files) == names and report.restart_needed
    assert (tmp_path / "c/voicemail/201/msg0001.wav").read_bytes() == b"RIFF....WAVE"
    rows = sqlite3.connect(tmp_path / "c/cdr.sqlite").execute("select caller from cdr").fetchall()
    assert rows == [("201",)]
    assert not (tmp_path / "c/web-key.pem").exists() and not (tmp_path / "c/.system").exists()
    assert (tmp_path / "c/pbx.yaml").read_text().startswith(f"version: {CURRENT_VERSION}\n")


def test_recordings_on_request(tmp_path: Path) -> None:
    make_state(tmp_path / "a")
    manifest = create_backup(tmp_path / "a", tmp_path / "b.tar.gz", recordings=True)
    assert "recordings/call1.wav" in {f["path"] for f in manifest["files"]}


def test_backup_of_an_earlier_version_restores_migrated(tmp_path: Path) -> None:
    make_state(tmp_path / "a", "country: DE\nfxo:\n  - {port: 5, echo_tail_ms: 100}\n")
    create_backup(tmp_path / "a", tmp_path / "old.tar.gz")
    restore_backup(tmp_path / "c", tmp_path / "old.tar.gz")
    assert load_config(tmp_path / "c/pbx.yaml").fxo[0].echo_tail_ms == 128


def _rewrite(src: Path, dst: Path, change: dict[str, bytes]) -> None:
    with tarfile.open(src) as tin, tarfile.open(dst, "w:gz") as tout:
        for m in tin:
            data = tin.extractfile(m).read()  # type: ignore[union-attr]
            data = change.get(m.name, data)
            m.size = len(data)
            tout.addfile(m, io.BytesIO(data))


def test_damaged_truncated_or_foreign_backups_are_refused_before_writing(tmp_path: Path) -> None:
    make_state(tmp_path / "a")
    good = tmp_path / "b.tar.gz"
    create_backup(tmp_path / "a", good)
    truncated = tmp_path / "t.tar.gz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    tampered = tmp_path / "x.tar.gz"
    _rewrite(good, tampered, {"data/users.json": b'{"users": [{"name": "evil"}]}'})
    newer = tmp_path / "n.tar.gz"
    with tarfile.open(good) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    manifest["config_schema_version"] = CURRENT_VERSION + 1
    _rewrite(good, newer, {"manifest.json": json.dumps(manifest).encode()})
    for bad in (truncated, tampered, newer, tmp_path / "a" / "users.json"):
        with pytest.raises(BackupError):
            restore_backup(tmp_path / "c", bad)
        assert not (tmp_path / "c").exists()


def test_path_traversal_is_refused(tmp_path: Path) -> None:
    evil = tmp_path / "e.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        for name, data in (("manifest.json", b'{"format": "pbx-backup", "files": []}'), ("data/../../x", b"x")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match="outside"):
        read_backup(evil)


def test_invalid_config_in_backup_is_refused(tmp_path: Path) -> None:
    make_state(tmp_path / "a", "country: XX\n")
    create_backup(tmp_path / "a", tmp_path / "b.tar.gz")
    with pytest.raises(BackupError, match="does not load"):
        restore_backup(tmp_path / "c", tmp_path / "b.tar.gz")


def test_pbxctl_backup_and_restore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_state(tmp_path / "a")
    assert pbxctl(["--state-dir", str(tmp_path / "a"), "backup", str(tmp_path / "b.tar.gz")]) == 0
    assert pbxctl(["--state-dir", str(tmp_path / "c"), "restore", str(tmp_path / "b.tar.gz")]) == 0
    assert '"restart_needed": true' in capsys.readouterr().out
    assert pbxctl(["--state-dir", str(tmp_path / "c"), "restore", str(tmp_path / "nothing")]) == 1
