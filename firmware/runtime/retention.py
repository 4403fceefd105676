"""Recording retention, run by the runtime when the engine asks (`SweepRecordings`): recordings older
than `max_age_days` go, then the oldest until the directory holds at most `max_total_mb`; if the disk
then still has less than `min_free_mb` free the sweep says so, and the runtime stops the recordings
in progress (the calls go on) - the box never fills its disk. The free-space probe is injectable
(tests simulate a full disk without a small file system)."""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from firmware.pbx.commands import SweepRecordings

log = logging.getLogger("pbxd.recordings")
MB = 1024 * 1024
FreeProbe = Callable[[Path], int]          # bytes free on the file system holding the path


def disk_free(path: Path) -> int:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


@dataclass
class SweepResult:
    deleted: list[Path] = field(default_factory=list)
    total_bytes: int = 0
    free_bytes: int = 0
    low_space: bool = False

    @property
    def reason(self) -> str:
        return f"disk full: {self.free_bytes // MB} MB free" if self.low_space else ""


def recordings_dir(directory: str, base: Path) -> Path:
    path = Path(directory)
    return path if path.is_absolute() else base / path


def sweep(cmd: SweepRecordings, base: Path, *, now: float | None = None,
          free: FreeProbe = disk_free) -> SweepResult:
    root = recordings_dir(cmd.directory, base)
    result = SweepResult()
    now = time.time() if now is None else now
    files = sorted(((p.stat().st_mtime, p) for p in root.rglob("*.wav") if p.is_file()), key=lambda x: x[0])
    kept: list[tuple[float, Path, int]] = []
    for mtime, path in files:
        if now - mtime > cmd.max_age_days * 86400:
            _delete(path, result)
        else:
            kept.append((mtime, path, path.stat().st_size))
    total = sum(size for _m, _p, size in kept)
    while kept and total > cmd.max_total_mb * MB:
        _mtime, path, size = kept.pop(0)
        _delete(path, result)
        total -= size
    result.total_bytes = total
    result.free_bytes = free(root)
    result.low_space = result.free_bytes < cmd.min_free_mb * MB
    if result.low_space:
        log.warning("recordings: only %d MB free (floor %d MB)", result.free_bytes // MB, cmd.min_free_mb)
    return result


def _delete(path: Path, result: SweepResult) -> None:
    try:
        os.unlink(path)
        result.deleted.append(path)
        log.info("recording %s deleted (retention)", path.name)
    except OSError as exc:
        log.warning("cannot delete %s: %s", path, exc)
