"""The Raspberry Pi's RAUC backend (image/pi_tryboot.py, /usr/lib/pbx/rauc-tryboot on the box) against a directory
standing for the mounted autoboot partition, run the way RAUC runs it (a program with arguments, output on
stdout, exit status). Reboots are played by a model of the Pi 4 bootloader (tests/image/pi_support.py: which
partition autoboot.txt and the one-shot tryboot flag select), so each scenario checks which slot really boots.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.image.pi_support import ROOT, bootloader_partition

sys.path.insert(0, str(ROOT / "image"))
import pi  # image/ is no package: its directory is on the path

BACKEND = ROOT / "image" / "pi_tryboot.py"

SLOT_OF_PARTITION = {n: s for s, n in pi.BOOT_PART.items()}


class Box:
    """The autoboot partition (a directory), /run, /proc/cmdline and the boot id of a simulated Pi."""

    def __init__(self, tmp: Path) -> None:
        self.autoboot = tmp / "autoboot"
        self.autoboot.mkdir()
        (self.autoboot / "autoboot.txt").write_text(pi.autoboot_txt("A"))    # as the image ships it
        self.run = tmp / "run"
        self.cmdline = tmp / "cmdline"
        self.boot_id = tmp / "boot_id"
        self.boots: list[str] = []
        self.power_on(tryboot=False)

    @property
    def reboot_param(self) -> Path:
        return self.run / "systemd" / "reboot-param"

    def env(self) -> dict[str, str]:
        return {**os.environ, "PBX_AUTOBOOT_DIR": str(self.autoboot), "PBX_CMDLINE": str(self.cmdline),
                "PBX_BOOT_ID": str(self.boot_id), "PBX_REBOOT_PARAM": str(self.reboot_param)}

    def rauc(self, *args: str, ok: bool = True) -> str:
        result = subprocess.run([sys.executable, str(BACKEND), *args], env=self.env(), capture_output=True,
                                text=True, timeout=30)
        assert (result.returncode == 0) == ok, (args, result.returncode, result.stderr)
        return result.stdout.strip()

    def power_on(self, tryboot: bool) -> str:
        """The bootloader picks the partition; its cmdline.txt (image/pi.py) names the slot; /run is empty."""
        partition = bootloader_partition((self.autoboot / "autoboot.txt").read_text(), tryboot)
        slot = SLOT_OF_PARTITION[partition]
        self.cmdline.write_text(pi.cmdline_txt(slot))
        self.boot_id.write_text(str(uuid.uuid4()))
        if self.run.exists():
            subprocess.run(["rm", "-rf", str(self.run)], check=True)
        self.run.mkdir()
        self.boots.append(slot)
        return slot

    def reboot(self) -> str:
        """A clean reboot: systemd hands /run/systemd/reboot-param to the kernel ("0 tryboot" sets the flag)."""
        param = self.reboot_param.read_text().strip() if self.reboot_param.exists() else ""
        return self.power_on(tryboot=param == "0 tryboot")

    def power_cut(self) -> str:
        return self.power_on(tryboot=False)

    def install_into_other(self) -> str:
        """What `rauc install` does with the boot backend: mark the target bad, write it, make it primary."""
        target = pi.other(self.rauc("get-current"))
        self.rauc("set-state", target, "bad")
        self.rauc("set-primary", target)
        return target


@pytest.fixture
def box(tmp_path: Path) -> Box:
    return Box(tmp_path)


def test_a_fresh_card_boots_a_which_is_good_and_b_is_not(box: Box) -> None:
    assert box.boots == ["A"]
    assert box.rauc("get-current") == "A"
    assert box.rauc("get-primary") == "A"
    assert (box.rauc("get-state", "A"), box.rauc("get-state", "B")) == ("good", "bad")


def test_set_primary_b_arms_one_trial_boot_without_touching_the_committed_slot(box: Box) -> None:
    before = (box.autoboot / "autoboot.txt").read_text()
    assert box.install_into_other() == "B"
    assert box.rauc("get-primary") == "B"
    assert box.reboot_param.read_text() == "0 tryboot"
    assert bootloader_partition((box.autoboot / "autoboot.txt").read_text(), tryboot=False) == pi.BOOT_PART["A"]
    assert bootloader_partition(before, tryboot=False) == pi.BOOT_PART["A"]
    assert box.reboot() == "B"                         # the trial
    assert box.rauc("get-current") == "B"
    assert box.rauc("get-primary") == "A"              # not committed yet: a plain reboot goes back to A


def test_a_trial_that_passes_its_health_check_is_committed(box: Box) -> None:
    box.install_into_other()
    assert box.reboot() == "B"
    box.rauc("set-state", "B", "good")                 # pbx-confirm: rauc status mark-good
    assert box.rauc("get-primary") == "B"
    assert bootloader_partition((box.autoboot / "autoboot.txt").read_text(), tryboot=False) == pi.BOOT_PART["B"]
    assert box.reboot() == "B" and box.power_cut() == "B"
    assert box.rauc("get-state", "A") == "good"        # the old slot stays a fall-back
    # the next update goes the other way, back into A
    assert box.install_into_other() == "A"
    assert box.reboot() == "A"
    box.rauc("set-state", "A", "good")
    assert box.reboot() == "A" and box.rauc("get-primary") == "A"


def test_a_trial_that_fails_its_health_check_falls_back_to_a(box: Box) -> None:
    box.install_into_other()
    assert box.reboot() == "B"
    box.rauc("set-state", "B", "bad")                  # pbx-confirm: mark-bad, then systemctl reboot
    assert not box.reboot_param.exists()
    assert box.reboot() == "A"
    assert box.rauc("get-primary") == "A"
    assert box.rauc("get-state", "B") == "bad"
    assert box.reboot() == "A"


def test_a_trial_that_hangs_or_panics_falls_back_to_a_by_itself(box: Box) -> None:
    box.install_into_other()
    assert box.reboot() == "B"
    # nothing confirms it: the watchdog resets the board, and the firmware has already cleared the flag
    assert box.power_cut() == "A"
    assert box.rauc("get-primary") == "A"
    box.rauc("set-state", "A", "good")                 # pbx-confirm on the ordinary boot
    assert box.rauc("get-state", "B") == "bad"
    assert box.reboot() == "A"


def test_a_power_cut_before_the_trial_keeps_a_and_counts_the_trial_as_failed(box: Box) -> None:
    box.install_into_other()
    assert box.power_cut() == "A"                      # /run is gone: no tryboot flag
    assert box.rauc("get-primary") == "A"
    assert box.rauc("get-state", "B") == "bad"
    assert box.reboot() == "A"


def test_marking_the_trial_bad_before_rebooting_cancels_it(box: Box) -> None:
    box.install_into_other()
    box.rauc("set-state", "B", "bad")
    assert box.rauc("get-primary") == "A" and not box.reboot_param.exists()
    assert box.reboot() == "A"


def test_set_primary_of_the_committed_slot_cancels_a_pending_trial(box: Box) -> None:
    box.install_into_other()
    box.rauc("set-primary", "A")                       # rauc status mark-active booted
    assert box.rauc("get-primary") == "A" and not box.reboot_param.exists()
    assert box.reboot() == "A"


def test_arm_reboot_at_shutdown_restores_the_tryboot_parameter_only_for_a_pending_trial(box: Box) -> None:
    box.rauc("arm-reboot")
    assert not box.reboot_param.exists()               # nothing pending: a plain reboot stays plain
    box.install_into_other()
    box.reboot_param.unlink()                          # `systemctl reboot` without an argument removed it
    box.rauc("arm-reboot")                             # pbx-tryboot.service, ExecStop
    assert box.reboot() == "B"


def test_marking_the_committed_slot_bad_switches_to_the_other_good_slot(box: Box) -> None:
    box.install_into_other()
    box.reboot()
    box.rauc("set-state", "B", "good")                 # B committed, A still good
    box.rauc("set-state", "B", "bad")                  # rauc status mark-bad booted
    assert box.rauc("get-primary") == "A"
    assert box.reboot() == "A"


def test_bad_arguments_and_a_broken_autoboot_file_are_errors_not_guesses(box: Box) -> None:
    before = (box.autoboot / "autoboot.txt").read_text()
    box.rauc("set-primary", "C", ok=False)             # each one exits non-zero (checked in rauc())
    box.rauc("set-state", "A", "maybe", ok=False)
    box.rauc("frobnicate", ok=False)
    assert (box.autoboot / "autoboot.txt").read_text() == before     # and changed nothing
    assert box.rauc("get-primary") == "A"
    (box.autoboot / "autoboot.txt").write_text("[all]\nboot_partition=7\n")
    assert box.rauc("get-primary", ok=False) == ""     # no slot guessed from a foreign partition
    (box.autoboot / "autoboot.txt").unlink()
    assert box.rauc("get-primary", ok=False) == ""


def test_the_backend_writes_the_same_autoboot_txt_as_the_image() -> None:
    sys.path.insert(0, str(ROOT / "image"))
    import pi_tryboot
    for slot in "AB":
        assert pi_tryboot.autoboot_text(slot) == pi.autoboot_txt(slot)
        assert bootloader_partition(pi.autoboot_txt(slot), tryboot=False) == pi.BOOT_PART[slot]
        assert bootloader_partition(pi.autoboot_txt(slot), tryboot=True) == pi.BOOT_PART[pi.other(slot)]
