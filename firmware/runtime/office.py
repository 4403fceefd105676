"""The runtime side of voicemail: storing recorded messages once the recorder has finished the file
(RIFF sizes written; a message shorter than the minimum is thrown away), the JSON beside each WAV
(caller, time, duration, folder), the mail with the WAV attached (after the file is complete), saving,
deleting and forwarding messages, reporting a box's contents back to the engine (`MailboxContents`),
IP phones' message summaries, and the day/night switch kept across restarts (daynight.json, written
atomically on every change; read back by the daemon at start-up). Owner thread only; file work is small
(one WAV header, a few JSON)."""

from __future__ import annotations

import json
import logging
import shutil
import struct
import wave
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path

from firmware.config.store import atomic_write
from firmware.pbx.commands import OfficeJob, SendMail
from firmware.pbx.features.timecond import SaveDayNight
from firmware.pbx.features.voicemail import (
    MailboxContents,
    MailboxSummary,
    MessageInfo,
    MessageOp,
    ScanMailboxes,
    StoreMessage,
)

log = logging.getLogger("pbxd.voicemail")
FINISH_WAIT_S = 3.0
DAY_NIGHT_FILE = "daynight.json"


def save_day_night(state_dir: Path, modes: tuple[tuple[str, str], ...]) -> None:
    """The forced day/night positions, so that a power cut leaves the old or the new file."""
    atomic_write(state_dir / DAY_NIGHT_FILE, json.dumps({"modes": dict(modes)}, indent=1) + "\n")


def load_day_night(state_dir: Path) -> tuple[tuple[str, str], ...]:
    """The positions saved before the restart (() when there is no file or it cannot be read)."""
    path = state_dir / DAY_NIGHT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        modes = data.get("modes", {}) if isinstance(data, dict) else {}
        return tuple((str(name), str(mode)) for name, mode in modes.items()) if isinstance(modes, dict) else ()
    except FileNotFoundError:
        return ()
    except (OSError, ValueError) as exc:
        log.warning("%s: %s; every time condition starts automatic", path, exc)
        return ()


def riff_complete(path: Path) -> bool:
    """pjmedia writes the RIFF sizes when the recorder port is destroyed (a bridge tick after stop)."""
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError:
        return False
    return len(head) == 8 and head[:4] == b"RIFF" and struct.unpack("<I", head[4:])[0] > 36


def wav_seconds(path: Path) -> float:
    try:
        with wave.open(str(path), "rb") as w:
            return w.getnframes() / float(w.getframerate())
    except (OSError, EOFError, wave.Error):
        return 0.0


class OfficeRuntime:
    def __init__(self, state_dir: Callable[[], Path], feed: Callable[[object], None],
                 mail: Callable[[SendMail], None], sip_mwi: Callable[[str, int, int], None] | None = None) -> None:
        self.state_dir = state_dir
        self.feed = feed
        self.mail = mail
        self.sip_mwi = sip_mwi
        self.pending: list[tuple[StoreMessage, float]] = []
        self.stored = 0
        self.discarded = 0

    def run(self, job: OfficeJob, now: float) -> None:
        if isinstance(job, StoreMessage):
            self.pending.append((job, now + FINISH_WAIT_S))
            self.poll(now)
        elif isinstance(job, MessageOp):
            self._op(job)
        elif isinstance(job, ScanMailboxes):
            for box in job.boxes:
                self.report(job.directory, box)
        elif isinstance(job, MailboxSummary):
            if self.sip_mwi is not None:
                self.sip_mwi(job.extension, job.new, job.old)
        elif isinstance(job, SaveDayNight):
            save_day_night(self.state_dir(), job.modes)
            log.info("day/night switch: %s", ", ".join(f"{n} {m}" for n, m in job.modes) or "all automatic")
        else:
            log.error("unknown office job %r", job)

    # --- storing -------------------------------------------------------------------------------------------
    def poll(self, now: float) -> None:
        """Store the messages whose file is complete (or that waited long enough)."""
        waiting: list[tuple[StoreMessage, float]] = []
        for job, deadline in self.pending:
            path = self.state_dir() / job.path
            if riff_complete(path) or now >= deadline:
                self._store(job, path)
            else:
                waiting.append((job, deadline))
        self.pending = waiting

    def _store(self, job: StoreMessage, path: Path) -> None:
        seconds = wav_seconds(path) if riff_complete(path) else 0.0
        directory = str(Path(job.path).parent.parent)
        if seconds < max(job.min_s, 0.01):
            self.discarded += 1
            path.unlink(missing_ok=True)
            log.info("voicemail for %s: %.1f s is too short, not kept", job.box, seconds)
            self.report(directory, job.box)
            return
        info = replace(job.info, duration_s=round(seconds, 1), size=path.stat().st_size)
        path.with_suffix(".json").write_text(json.dumps(asdict(info), ensure_ascii=False), encoding="utf-8")
        self.stored += 1
        log.info("voicemail for %s from %s, %.1f s", job.box, info.caller or "unknown", seconds)
        if job.mail is not None:                     # attachments named relative to the state directory
            atts = tuple(replace(a, path=str(self.state_dir() / a.path)) if a.path and not Path(a.path).is_absolute()
                         else a for a in job.mail.attachments)
            self.mail(replace(job.mail, attachments=atts))
        self.report(directory, job.box)

    # --- changes -----------------------------------------------------------------------------------------
    def _op(self, job: MessageOp) -> None:
        folder = self.state_dir() / job.directory / job.box
        wav, meta = folder / f"{job.id}.wav", folder / f"{job.id}.json"
        if job.op == "delete":
            wav.unlink(missing_ok=True)
            meta.unlink(missing_ok=True)
        elif job.op == "save" and meta.exists():
            data = json.loads(meta.read_text(encoding="utf-8"))
            data["folder"] = "saved"
            meta.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        elif job.op == "copy" and wav.exists() and job.to_box:
            target = self.state_dir() / job.directory / job.to_box
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(wav, target / wav.name)
            if meta.exists():
                data = json.loads(meta.read_text(encoding="utf-8"))
                data["folder"] = "new"
                (target / meta.name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            self.report(job.directory, job.to_box)
        self.report(job.directory, job.box)

    def report(self, directory: str, box: str) -> None:
        self.feed(MailboxContents(box, tuple(self.contents(directory, box))))

    def contents(self, directory: str, box: str) -> list[MessageInfo]:
        folder = self.state_dir() / directory / box
        out: list[MessageInfo] = []
        for wav in sorted(folder.glob("*.wav")) if folder.is_dir() else []:
            meta = wav.with_suffix(".json")
            try:
                data = json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else {}
                when = data.get("when") or datetime.fromtimestamp(wav.stat().st_mtime).isoformat(timespec="seconds")
                out.append(MessageInfo(wav.stem, str(data.get("folder", "new")), str(data.get("caller", "")),
                                       str(data.get("caller_name", "")), str(when),
                                       float(data.get("duration_s", wav_seconds(wav))), wav.stat().st_size))
            except (OSError, ValueError) as exc:
                log.warning("voicemail %s: %s", wav, exc)
        return out
