#!/usr/bin/python3
"""RAUC custom bootloader backend for the Raspberry Pi firmware's tryboot A/B (installed as /usr/lib/pbx/rauc-tryboot).

Follows RAUC's custom backend interface (docs/integration.rst, "Custom bootloader backend interface"):
`get-primary`, `set-primary SLOT`, `get-state SLOT`, `set-state SLOT good|bad`, `get-current`; plus
`arm-reboot` for pbx-tryboot.service. The Raspberry Pi documentation's autoboot.txt (`tryboot_a_b=1`,
`[all] boot_partition`, `[tryboot] boot_partition`) and one-shot tryboot flag (`reboot "0 tryboot"`) do the
switching:

* the committed slot is the one autoboot.txt's `[all] boot_partition` names; `[tryboot]` names the other;
* `set-primary OTHER` (after `rauc install`) arms a trial: the next reboot is `0 tryboot` (written to systemd's
  /run/systemd/reboot-param now, and again at shutdown by pbx-tryboot.service), so the bootloader boots the
  other slot once. autoboot.txt is not changed: a crash, hang or power cut in the trial boots the committed
  slot again, because the firmware clears the tryboot flag before it starts;
* `set-state SLOT good` in the trial boot (pbx-confirm after the health check) commits it: autoboot.txt is
  rewritten (temporary file, fsync, rename) with `[all] boot_partition` = that slot;
* `set-state SLOT bad` cancels a pending trial; a trial that ended in the committed slot counts as bad.

State (per slot good/bad, the pending trial and the boot that armed it) is kept in pbx-slots.txt next to
autoboot.txt. Everything the backend reads or writes is named by environment variables, so its logic runs
on any machine against a directory standing for the mounted autoboot partition:
PBX_AUTOBOOT_DIR (/boot/firmware), PBX_CMDLINE (/proc/cmdline: rauc.slot=), PBX_BOOT_ID
(/proc/sys/kernel/random/boot_id), PBX_REBOOT_PARAM (/run/systemd/reboot-param).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

BOOT_PART = {"A": 2, "B": 3}           # image/pi.py: the boot partitions of slots A and B
STATE_FILE = "pbx-slots.txt"
TRYBOOT = "0 tryboot"


class BackendError(Exception):
    pass


def _env_path(name: str, default: str) -> Path:
    return Path(os.environ.get(name) or default)


def autoboot_dir() -> Path:
    return _env_path("PBX_AUTOBOOT_DIR", "/boot/firmware")


def other(slot: str) -> str:
    return "B" if slot == "A" else "A"


def check_slot(slot: str) -> str:
    if slot not in BOOT_PART:
        raise BackendError(f"unknown slot {slot!r} (bootnames: {', '.join(BOOT_PART)})")
    return slot


def parse_autoboot(text: str) -> dict[str, dict[str, str]]:
    """autoboot.txt as {section: {key: value}}; lines before any section belong to [all]."""
    sections: dict[str, dict[str, str]] = {"all": {}}
    current = "all"
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"\[([^\]]+)\]", line)
        if m:
            current = m.group(1).strip()
            sections.setdefault(current, {})
        elif "=" in line:
            key, value = line.split("=", 1)
            sections[current][key.strip()] = value.strip()
    return sections


def autoboot_text(primary: str) -> str:
    """The same file image/pi.py writes into the image (kept in step by tests/image/test_pi_layout.py)."""
    return ("# Raspberry Pi bootloader (EEPROM): A/B boot slots. Written by image/pi.py, then by\n"
            "# /usr/lib/pbx/rauc-tryboot (RAUC); a trial boot of the other slot is `reboot \"0 tryboot\"`.\n"
            f"[all]\ntryboot_a_b=1\nboot_partition={BOOT_PART[primary]}\n"
            f"[tryboot]\nboot_partition={BOOT_PART[other(primary)]}\n")


def committed() -> str:
    path = autoboot_dir() / "autoboot.txt"
    try:
        sections = parse_autoboot(path.read_text())
    except OSError as exc:
        raise BackendError(f"cannot read {path}: {exc}") from exc
    part = sections["all"].get("boot_partition", "")
    for slot, number in BOOT_PART.items():
        if part == str(number):
            return slot
    raise BackendError(f"{path}: [all] boot_partition={part!r} is not a boot slot ({BOOT_PART})")


def booted() -> str:
    path = _env_path("PBX_CMDLINE", "/proc/cmdline")
    m = re.search(r"(?:^|\s)rauc\.slot=(\S+)", path.read_text())
    if not m:
        raise BackendError(f"no rauc.slot= in {path}")
    return check_slot(m.group(1))


def boot_id() -> str:
    return _env_path("PBX_BOOT_ID", "/proc/sys/kernel/random/boot_id").read_text().strip()


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".new")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load_state() -> dict[str, str]:
    path = autoboot_dir() / STATE_FILE
    state: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                state[key.strip()] = value.strip()
    return state


def save_state(state: dict[str, str]) -> None:
    text = "# RAUC slot states for /usr/lib/pbx/rauc-tryboot (not read by the firmware)\n"
    text += "".join(f"{k}={v}\n" for k, v in sorted(state.items()))
    _write_atomic(autoboot_dir() / STATE_FILE, text)


def set_committed(slot: str) -> None:
    _write_atomic(autoboot_dir() / "autoboot.txt", autoboot_text(slot))


def _reboot_param() -> Path:
    return _env_path("PBX_REBOOT_PARAM", "/run/systemd/reboot-param")


def arm_reboot() -> None:
    path = _reboot_param()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TRYBOOT)


def disarm_reboot() -> None:
    path = _reboot_param()
    if path.exists() and path.read_text().strip() == TRYBOOT:
        path.unlink()


def settle(state: dict[str, str]) -> dict[str, str]:
    """A trial armed in an earlier boot that did not end in the trial slot failed (crash, hang, power cut or
    a plain reboot after a `mark-bad`): the firmware booted the committed slot again, so the trial slot is bad."""
    primary = committed()
    for slot in BOOT_PART:              # a fresh card: the committed slot is good, the empty one is not
        state.setdefault(slot, "good" if slot == primary else "bad")
    trial = state.get("trial")
    if trial and state.get("trial_boot") != boot_id() and booted() != trial:
        state[trial] = "bad"
        state.pop("trial", None)
        state.pop("trial_boot", None)
    return state


def trial_pending(state: dict[str, str]) -> str | None:
    """The slot the next reboot tries, when a trial was armed in this boot."""
    trial = state.get("trial")
    return trial if trial and state.get("trial_boot") == boot_id() else None


def get_primary() -> str:
    state = settle(load_state())
    return trial_pending(state) or committed()


def set_primary(slot: str) -> None:
    state = settle(load_state())
    state[slot] = "good"
    if slot == committed():
        state.pop("trial", None)
        state.pop("trial_boot", None)
        save_state(state)
        disarm_reboot()
        return
    set_committed(other(slot))          # [tryboot] boot_partition names `slot` (rewritten in case it was edited)
    state["trial"] = slot
    state["trial_boot"] = boot_id()
    save_state(state)
    arm_reboot()


def get_state(slot: str) -> str:
    return settle(load_state())[slot]


def set_state(slot: str, good: bool) -> None:
    state = settle(load_state())
    primary = committed()
    if good:
        state[slot] = "good"
        if slot == booted() and slot != primary:          # the trial boot passed its health check: commit it
            set_committed(slot)
            state.pop("trial", None)
            state.pop("trial_boot", None)
        save_state(state)
        return
    state[slot] = "bad"
    if state.get("trial") == slot:                        # cancel the trial: the next reboot is a plain one
        state.pop("trial", None)
        state.pop("trial_boot", None)
        disarm_reboot()
    if slot == primary and state.get(other(slot)) == "good":
        set_committed(other(slot))                        # the committed slot is bad: boot the good one
    save_state(state)


def main(argv: list[str]) -> int:
    usage = ("usage: rauc-tryboot get-primary | set-primary SLOT | get-state SLOT | set-state SLOT good|bad | "
             "get-current | arm-reboot")
    try:
        match argv:
            case ["get-primary"]:
                print(get_primary())
            case ["set-primary", slot]:
                set_primary(check_slot(slot))
            case ["get-state", slot]:
                print(get_state(check_slot(slot)))
            case ["set-state", slot, ("good" | "bad") as value]:
                set_state(check_slot(slot), value == "good")
            case ["get-current"]:
                print(booted())
            case ["arm-reboot"]:
                if trial_pending(settle(load_state())):
                    arm_reboot()
            case _:
                print(usage, file=sys.stderr)
                return 2
    except (BackendError, OSError) as exc:
        print(f"rauc-tryboot: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
