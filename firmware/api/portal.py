"""The user portal's data: recordings and voicemail files (safe paths, who may hear what) and each
extension's own settings (forwarding, follow-me, voicemail PIN) kept in `portal.json`.

Files live under the state directory (or where the config's `features.recording.directory` and
`voicemail.directory` say): `recordings/` (a call's file named in its call record's
`extra` JSON as {"recording": "<path relative to recordings/>"}, or filed under
`recordings/<extension>/`) and `voicemail/<extension>/*.wav` (one mailbox per extension). A
requested path is resolved and must stay inside its folder (no `..`, no absolute paths, no
symlinks out), and only `.wav` files are served.

The voicemail PIN (scrypt hash), the forwarding numbers and follow-me are handed to the call engine on
every change (Api.portal_update -> Engine.office UserSettings) and for every extension at start-up
(`user_settings`, used by the daemon). Voicemail files: <box>/<id>.wav with <id>.json beside it (caller,
time, duration, new/saved); deleting a message deletes both, and the engine is told (MailboxChanged).
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from firmware.api.users import hash_password
from firmware.contracts.errors import ApiError
from firmware.pbx.features.control import UserSettings

KINDS = ("recordings", "voicemail")
NUMBER = re.compile(r"[0-9+*#]{2,32}")
PIN = re.compile(r"[0-9]{4,8}")
INTERNAL = re.compile(r"[0-9]{2,6}")          # an extension, group or menu number (the dial plan's lengths)
SAFE_PART = re.compile(r"[A-Za-z0-9._-]{1,128}")
SETTINGS = ("forward_always", "forward_busy", "forward_no_answer", "follow_me", "follow_me_enabled",
            "follow_me_after_s", "follow_me_order")
FOLLOW_ME_ORDERS = ("parallel", "in_order")
FOLLOW_ME_AFTER_S = (5, 60, 10)               # min, max, default: the desk phone rings alone this long


def user_settings(extension: str, raw: dict[str, Any]) -> UserSettings:
    """What the call engine is given for one extension's stored portal entry."""
    numbers = tuple(n.strip() for n in str(raw.get("follow_me", "")).split(",") if n.strip())
    try:
        after = float(raw.get("follow_me_after_s") or FOLLOW_ME_AFTER_S[2])
    except (TypeError, ValueError):
        after = float(FOLLOW_ME_AFTER_S[2])
    order = str(raw.get("follow_me_order") or "parallel")
    return UserSettings(extension, str(raw.get("voicemail_pin", "")), str(raw.get("forward_always", "")),
                        str(raw.get("forward_busy", "")), str(raw.get("forward_no_answer", "")),
                        follow_me=numbers, follow_me_enabled=bool(raw.get("follow_me_enabled", False)),
                        follow_me_after_s=after, follow_me_order=order if order in FOLLOW_ME_ORDERS else "parallel")


class MediaFiles:
    """`directories()` gives the configured folder of each kind (`features.recording.directory`,
    `voicemail.directory`): relative ones live in the state directory, absolute ones where they say."""

    def __init__(self, state_dir: Path, directories: Callable[[], dict[str, str]] | None = None) -> None:
        self.state_dir = state_dir
        self._directories = directories

    def base(self, kind: str) -> Path:
        if kind not in KINDS:
            raise ApiError(f"no media kind {kind!r}")
        configured = self._directories().get(kind, kind) if self._directories else kind
        path = Path(configured or kind)
        return path if path.is_absolute() else self.state_dir / path

    def resolve(self, kind: str, relpath: str) -> Path:
        """The file `relpath` inside `kind`'s folder, or ApiError (never a path outside it)."""
        parts = relpath.split("/")
        if not relpath or any(not SAFE_PART.fullmatch(p) or p in (".", "..") for p in parts):
            raise ApiError("not a media file name")
        if not relpath.endswith(".wav"):
            raise ApiError("only WAV files are served")
        base = self.base(kind).resolve()
        target = (base / relpath).resolve()
        if not target.is_relative_to(base) or not target.is_file():
            raise ApiError("no such file")
        return target

    def voicemail(self, extension: str) -> list[dict[str, Any]]:
        folder = self.base("voicemail") / extension
        if not re.fullmatch(r"[0-9]{2,6}", extension) or not folder.is_dir():
            return []
        out = []
        for f in sorted(folder.glob("*.wav"), key=lambda p: p.stat().st_mtime, reverse=True):
            out.append({"path": f"{extension}/{f.name}", "name": f.name, "size": f.stat().st_size,
                        "mtime": f.stat().st_mtime})
        return out

    def delete_voicemail(self, extension: str, relpath: str) -> None:
        if not relpath.startswith(f"{extension}/"):
            raise ApiError("that message is not in your mailbox")
        target = self.resolve("voicemail", relpath)
        target.unlink()
        target.with_suffix(".json").unlink(missing_ok=True)

    def may_hear(self, kind: str, relpath: str, *, role: str, extension: str,
                 call_rows: list[dict[str, Any]]) -> bool:
        """Admins and operators hear everything; a user their own mailbox, and recordings of
        their own calls (filed under their extension or named by one of their call records)."""
        if role in ("admin", "operator"):
            return True
        if not extension:
            return False
        if relpath.startswith(f"{extension}/"):
            return True
        return kind == "recordings" and any(r.get("recording") == relpath for r in call_rows)


class PortalSettings:
    """Per-extension settings in one small JSON file (mode 0600, atomic replace)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def _load(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}

    def get(self, extension: str) -> dict[str, Any]:
        with self._lock:
            entry = dict(self._load().get(extension, {}))
        settings: dict[str, Any] = {k: entry.get(k, "") for k in SETTINGS}
        settings["follow_me_enabled"] = bool(entry.get("follow_me_enabled", False))
        settings["follow_me_after_s"] = int(entry.get("follow_me_after_s") or FOLLOW_ME_AFTER_S[2])
        settings["follow_me_order"] = entry.get("follow_me_order") or "parallel"
        settings["pin_set"] = bool(entry.get("voicemail_pin"))
        return settings

    def extensions(self) -> list[str]:
        """The extensions that have stored settings."""
        with self._lock:
            return sorted(self._load())

    def raw(self, extension: str) -> dict[str, Any]:
        """The stored entry as is (the PIN as its scrypt hash): what the call engine is given."""
        with self._lock:
            return dict(self._load().get(extension, {}))

    def update(self, extension: str, values: dict[str, Any],
               may_call: Callable[[str, str], bool] | None = None) -> dict[str, Any]:
        """Validate and store; `may_call(extension, number)` says whether the extension may call an
        outside number itself (its routes and permission class): forwarding and follow-me go no further."""
        clean: dict[str, Any] = {}

        def allowed(key: str, number: str) -> None:
            if may_call is not None and not INTERNAL.fullmatch(number) and not may_call(extension, number):
                raise ApiError(f"{key}: extension {extension} may not call {number}, so it cannot forward there")
        for key in ("forward_always", "forward_busy", "forward_no_answer"):
            value = str(values.get(key, "")).strip()
            if value and not NUMBER.fullmatch(value):
                raise ApiError(f"{key}: a number is digits, +, * or #")
            if value:
                allowed(key, value)
            clean[key] = value
        numbers = [n.strip() for n in str(values.get("follow_me", "")).split(",") if n.strip()]
        bad = [n for n in numbers if not NUMBER.fullmatch(n)]
        if bad:
            raise ApiError(f"follow_me: {bad[0]!r} is not a number")
        for n in numbers:
            allowed("follow_me", n)
        if len(numbers) > 5:
            raise ApiError("follow_me: at most 5 numbers")
        clean["follow_me"] = ", ".join(numbers)
        clean["follow_me_enabled"] = bool(values.get("follow_me_enabled"))
        if clean["follow_me_enabled"] and not numbers:
            raise ApiError("follow_me: enter the numbers to ring")
        low, high, default = FOLLOW_ME_AFTER_S
        after = str(values.get("follow_me_after_s", "") or default).strip()
        if not after.isdigit() or not low <= int(after) <= high:
            raise ApiError(f"follow_me_after_s: {low}-{high} seconds")
        clean["follow_me_after_s"] = int(after)
        order = str(values.get("follow_me_order", "") or "parallel")
        if order not in FOLLOW_ME_ORDERS:
            raise ApiError("follow_me_order: parallel or in_order")
        clean["follow_me_order"] = order
        pin = str(values.get("voicemail_pin", "")).strip()
        if pin and not PIN.fullmatch(pin):
            raise ApiError("voicemail_pin: 4-8 digits")
        with self._lock:
            data = self._load()
            entry = data.setdefault(extension, {})
            entry.update(clean)
            if pin:
                entry["voicemail_pin"] = hash_password(pin)
            self._save(data)
        return self.get(extension)

    def _save(self, data: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
