"""A/B updates in the VM with RAUC: a signed bundle installs into the inactive slot, the box boots it and
pbx-confirm marks it good; a bundle whose pbxd fails its health check is marked bad and the box falls back
by itself; a bundle signed by another key and a truncated one are refused and nothing changes. Power cuts
in the middle of an update write and of a config save: the box always boots, the config is old or new."""

from __future__ import annotations

import argparse
import importlib.util
import random
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.image.conftest import ROOT, overlay
from tests.image.vm import Vm, debugfs

pytestmark = [pytest.mark.image, pytest.mark.slow, pytest.mark.timeout(3000)]


def _mkimage() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mkimage", ROOT / "image" / "mkimage.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _variant(image_dir: Path, out: Path, files: dict[str, str]) -> Path:
    """A copy of the image's root file system with some files replaced (debugfs, no mount)."""
    subprocess.run(["cp", "--sparse=always", str(image_dir / "rootfs.ext4"), str(out)], check=True)
    for path, text in files.items():
        src = out.with_suffix(".src")
        src.write_text(text)
        parent, name = path.rsplit("/", 1)
        debugfs(out, 0, f"cd {parent}", f"rm {name}", f"write {src} {name}", f"sif {name} mode 0100755")
    return out


@pytest.fixture(scope="module")
def bundles(image_dir: Path, workdir: Path) -> Path:
    """An ext4 disk holding good.raucb, broken.raucb and foreign.raucb (signed by a key the box does not trust)."""
    mk = _mkimage()
    store = workdir / "bundles"
    store.mkdir(exist_ok=True)
    args = argparse.Namespace(signing_cert=None, signing_key=None)
    good = _variant(image_dir, workdir / "good.ext4", {"/etc/pbx-release": "PBX_RELEASE=update-test\n"})
    mk.bundle("amd64", image_dir, store / "good.raucb", "update-test", args, rootfs_image=good)
    broken = _variant(image_dir, workdir / "broken.ext4", {
        "/etc/pbx-release": "PBX_RELEASE=broken-test\n",
        "/usr/local/bin/pbxd": "#!/bin/sh\necho 'pbxd: broken build' >&2\nexit 1\n"})
    mk.bundle("amd64", image_dir, store / "broken.raucb", "broken-test", args, rootfs_image=broken)
    keys = workdir / "foreign-keys"
    keys.mkdir(exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-days", "30", "-subj", "/CN=not the box's update key", "-keyout", str(keys / "k.pem"),
                    "-out", str(keys / "c.pem")], check=True, capture_output=True)
    small = workdir / "small.ext4"
    subprocess.run(["mkfs.ext4", "-q", "-F", str(small), "8M"], check=True)
    foreign = argparse.Namespace(signing_cert=str(keys / "c.pem"), signing_key=str(keys / "k.pem"))
    mk.bundle("amd64", image_dir, store / "foreign.raucb", "foreign", foreign, rootfs_image=small)
    for p in (good, broken, small):
        p.unlink()
    disk = workdir / "bundles.ext4"
    size = sum(p.stat().st_size for p in store.iterdir()) // (1024 * 1024) + 64
    subprocess.run(["mkfs.ext4", "-q", "-F", "-d", str(store), str(disk), f"{size}M"], check=True)
    return disk


@pytest.fixture(scope="module")
def box(service_disk: Path, workdir: Path, bundles: Path) -> Iterator[Vm]:
    vm = Vm(overlay(service_disk, workdir / "update.qcow2"), workdir, name="update", extra_drives=[bundles])
    vm.start()
    try:
        vm.wait_root_shell(600)
        vm.ok("mkdir -p /run/bundles && mount -o ro /dev/vdb /run/bundles")
        vm.ok("systemctl is-active pbxd.service", 120)
        wait_confirmed(vm)
        yield vm
    finally:
        vm.kill()


def wait_confirmed(vm: Vm, timeout: float = 400) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # (`systemctl show -p A,B` prints in systemd's own property order, not the order asked for)
        state = vm.sh("systemctl show -p ActiveState --value pbx-confirm.service")[1].strip()
        if state in ("active", "failed"):
            return
        time.sleep(3)
    raise AssertionError("pbx-confirm did not finish")


def grubenv(vm: Vm) -> dict[str, str]:
    out = vm.ok("grub-editenv /boot/efi/grubenv list")
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def booted(vm: Vm) -> str:
    m = re.search(r"rauc\.slot=(\w)", vm.ok("cat /proc/cmdline"))
    assert m
    return m.group(1)


def reboot(vm: Vm, timeout: float = 900) -> None:
    vm.mark()
    vm.send("systemctl reboot\n")
    vm.wait_root_shell(timeout)
    vm.ok("mkdir -p /run/bundles && mount -o ro /dev/vdb /run/bundles")


def test_first_boot_is_slot_a_and_confirmed(box: Vm) -> None:
    assert booted(box) == "A"
    env = grubenv(box)
    assert env["ORDER"].split()[0] == "A" and env["A_OK"] == "1" and env["A_TRY"] == "0", env


def test_refused_bundles_change_nothing(box: Vm) -> None:
    before = grubenv(box)
    status, out = box.sh("rauc install /run/bundles/foreign.raucb", 300)
    assert status != 0 and re.search(r"signature|verif|certificate", out, re.I), out
    box.ok("head -c 50000000 /run/bundles/good.raucb > /var/lib/pbx/truncated.raucb")
    status, out = box.sh("rauc install /var/lib/pbx/truncated.raucb", 300)
    box.ok("rm /var/lib/pbx/truncated.raucb")
    assert status != 0, out
    assert grubenv(box) == before
    assert booted(box) == "A"
    assert box.sh("test -e /var/lib/pbx/.system/update-pending")[0] != 0


def test_signed_bundle_installs_boots_and_is_confirmed(box: Vm) -> None:
    box.ok("grep -q 'country: DE' /var/lib/pbx/pbx.yaml")
    box.ok("rauc install /run/bundles/good.raucb", 900)
    env = grubenv(box)
    assert env["ORDER"].split()[0] == "B" and env["B_OK"] == "1" and env["B_TRY"] == "0", env
    assert box.ok("cat /var/lib/pbx/.system/update-pending") == "B"
    reboot(box)
    assert booted(box) == "B"
    assert "update-test" in box.ok("cat /etc/pbx-release")
    wait_confirmed(box)
    env = grubenv(box)
    assert env["B_OK"] == "1" and env["B_TRY"] == "0", env
    assert box.ok("cat /var/lib/pbx/.system/update-result").startswith("ok B")
    assert box.ok("systemctl is-active pbxd.service") == "active"
    box.ok("grep -q 'country: DE' /var/lib/pbx/pbx.yaml")       # settings carried over


def test_broken_bundle_falls_back_by_itself(box: Vm) -> None:
    box.ok("rauc install /run/bundles/broken.raucb", 900)
    assert grubenv(box)["ORDER"].split()[0] == "A"
    box.mark()
    box.send("systemctl reboot\n")
    box.expect(r"update to slot A failed its health check", 900)
    box.wait_root_shell(900)                                   # the box reboots by itself ...
    assert booted(box) == "B"                                  # ... into the slot that worked
    assert "update-test" in box.ok("cat /etc/pbx-release")
    wait_confirmed(box)
    assert box.ok("cat /var/lib/pbx/.system/update-result").startswith("rolled-back A")
    env = grubenv(box)
    assert env["A_OK"] == "0" and env["B_OK"] == "1" and env["B_TRY"] == "0", env
    assert box.ok("systemctl is-active pbxd.service", 120) == "active"


def test_power_cut_during_update_write_boots_the_old_slot(box: Vm) -> None:
    for delay in (4.0, 9.0):
        slot = booted(box)
        box.send("rauc install /run/bundles/good.raucb >/dev/null 2>&1 &\n")
        box.expect(r"Installing|installing|\n", 30)
        time.sleep(delay)
        box.kill()                                             # power cut while the inactive slot is written
        box.start()
        box.wait_root_shell(900)
        box.ok("mkdir -p /run/bundles && mount -o ro /dev/vdb /run/bundles")
        assert booted(box) == slot
        assert box.ok("systemctl is-active pbxd.service", 120) == "active"
        wait_confirmed(box)


SAVER = r"""python3 -c '
import itertools
from firmware.config.store import ConfigStore, parse_config
store = ConfigStore("/var/lib/pbx/pbx.yaml")
base = open("/var/lib/pbx/pbx.yaml").read()
for i in itertools.count():
    store.save(base.replace("country: DE", "country: AT") if i % 2 else base)
' &"""


def test_power_cut_during_config_saves_leaves_old_or_new(box: Vm) -> None:
    rng = random.Random(9)
    for _ in range(3):
        box.send(SAVER + "\n")
        time.sleep(2 + rng.random() * 4)
        box.kill()                                             # power cut in the middle of saves
        box.start()
        box.wait_root_shell(900)
        box.ok("pbxd --check --config /var/lib/pbx/pbx.yaml")
        country = box.ok("grep -E '^country: ' /var/lib/pbx/pbx.yaml")
        assert country in ("country: DE", "country: AT")
        assert box.ok("systemctl is-active pbxd.service", 120) == "active"
        box.ok("sed -i 's/^country: AT/country: DE/' /var/lib/pbx/pbx.yaml || true")
