"""arm64 boot smoke test (`make image-check` only): the Raspberry Pi card built WITHOUT pjsua2 boots to multi-user
under qemu-system-aarch64's `virt` machine (Cortex-A72, software emulation).

No aarch64 pjsua2 wheel can be had here, so this boots the smoke variant (`image/mkimage.py --arch arm64 --smoke`:
pbxd and its console banner masked, marker /etc/pbx-smoke-image, image/build/arm64-smoke-<hash>/smoke-disk.img).
Everything else is the real arm64 system. `virt` has no Raspberry Pi firmware, so QEMU starts the kernel and
initramfs taken from boot slot A's FAT partition of the card, with that slot's cmdline.txt (root=PARTUUID of root
slot A, ro, rauc.slot=A) and the serial console moved to virt's PL011 (ttyAMA0); the whole card is a virtio disk.
Checked over the serial console (service-mode autologin flag put on the data partition as for the amd64 tests):
read-only root from slot A, data partition mounted read-write and grown by first boot, the first-boot pieces
that do not need pbxd (host keys, default config, flag), the autoboot partition, RAUC's slot confirmation through
the tryboot backend, multi-user reached with no failed unit. The VM has no route anywhere (slirp restrict=on).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.image.vm import Vm, debugfs

ROOT = Path(__file__).resolve().parents[2]
DISK_ID = "50425831"               # image/pi.py DISK_ID: PARTUUIDs are <disk id>-<partition number>
BOOT_A, ROOT_A, DATA = 2, 5, 7

pytestmark = [pytest.mark.image, pytest.mark.slow, pytest.mark.timeout(5400)]


def _skip_reason() -> str:
    if os.environ.get("PBX_IMAGE_CHECK") != "1":
        return ("arm64 smoke build (about 10 min, qemu-user) and boot (several minutes under TCG): "
                "`make image-check` runs it (PBX_IMAGE_CHECK=1)")
    if os.geteuid() != 0:
        return "the image build needs root (mmdebstrap root mode)"
    gone = [t for t in ("mmdebstrap", "qemu-system-aarch64", "qemu-img", "mcopy", "debugfs", "sfdisk", "update-binfmts")
            if shutil.which(t) is None]
    return f"missing: {', '.join(gone)} (make setup installs them)" if gone else ""


if _skip_reason():
    pytestmark.append(pytest.mark.skip(reason=_skip_reason()))


def _partitions(disk: Path) -> dict[int, tuple[int, int]]:
    """MBR partition number -> (offset bytes, size bytes)."""
    table = json.loads(subprocess.run(["sfdisk", "-J", str(disk)], check=True, capture_output=True,
                                      text=True).stdout)["partitiontable"]
    out = {}
    for p in table["partitions"]:
        number = int(re.search(r"(\d+)$", p["node"]).group(1))  # type: ignore[union-attr]
        out[number] = (int(p["start"]) * 512, int(p["size"]) * 512)
    return out


def _fat_read(disk: Path, offset: int, name: str, dest: Path) -> Path:
    env = {**os.environ, "MTOOLS_SKIP_CHECK": "1"}
    subprocess.run(["mcopy", "-o", "-i", f"{disk}@@{offset}", f"::{name}", str(dest)], check=True, env=env)
    return dest


class Arm64Vm(Vm):
    """qemu-system-aarch64 with the kernel, initramfs and command line given (no firmware boots them)."""

    def __init__(self, disk: Path, workdir: Path, kernel: Path, initrd: Path, append: str, machine: str,
                 extra: list[str]) -> None:
        super().__init__(disk, workdir, memory_mb=1024, name=f"arm64-{machine}")
        self.kernel, self.initrd, self.append, self.machine, self.extra = kernel, initrd, append, machine, extra

    def start(self) -> None:
        cmd = ["qemu-system-aarch64", "-M", self.machine, "-accel", "tcg,thread=multi",
               "-kernel", str(self.kernel), "-initrd", str(self.initrd), "-append", self.append, *self.extra,
               "-display", "none", "-monitor", "none"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.boots += 1
        threading.Thread(target=self._reader, args=(self.proc,), daemon=True).start()


@pytest.fixture(scope="module")
def smoke_image() -> Path:
    """image/build/arm64-smoke-<hash>/ (smoke-disk.img, rootfs/, build.json), built or reused."""
    result = subprocess.run([sys.executable, str(ROOT / "image" / "mkimage.py"), "--arch", "arm64", "--smoke"],
                            capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        pytest.fail(f"arm64 smoke build failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    disk = Path(result.stdout.strip().splitlines()[-1])
    assert disk.name == "smoke-disk.img", disk
    return disk.parent


class Timings(dict[str, object]):
    """Measurements merged into image/build/timings-arm64-smoke.json as soon as they are made (the virt and Pi 3
    boots may come from separate runs, -k)."""

    def __init__(self, smoke_image: Path) -> None:
        super().__init__()
        self.build = json.loads((smoke_image / "build.json").read_text())
        self.path = smoke_image.parent / "timings-arm64-smoke.json"

    def __setitem__(self, key: str, value: object) -> None:
        super().__setitem__(key, value)
        try:
            earlier = json.loads(self.path.read_text())
        except (OSError, ValueError):
            earlier = {}
        b = self.build
        values = {**(earlier if earlier.get("image") == b["release"] else {}), key: value,
                  "image": b["release"], "build seconds": b["seconds_total"], "rootfs MiB": b["rootfs_mib"],
                  f"{key.split(':')[0]}: measured": time.strftime("%Y-%m-%d %H:%M"),
                  f"{key.split(':')[0]}: host load (1 min)": round(os.getloadavg()[0], 1)}
        self.path.write_text(json.dumps(values, indent=1) + "\n")


@pytest.fixture(scope="module")
def timings(smoke_image: Path) -> Timings:
    return Timings(smoke_image)


class Card:
    """A copy of the smoke card as flashed, with the service-mode flag on its data partition, and what boot slot
    A's FAT partition holds: config.txt's kernel and initramfs, cmdline.txt, DTBs, the overlay."""

    def __init__(self, smoke_image: Path, work: Path) -> None:
        self.work = work
        self.raw = work / "card.raw"
        subprocess.run(["cp", "--sparse=always", str(smoke_image / "smoke-disk.img"), str(self.raw)], check=True)
        self.parts = _partitions(self.raw)
        debugfs(self.raw, self.parts[DATA][0], "cd .system", "write /dev/null console-autologin")   # service mode
        config = self.boot_file("config.txt").read_text()
        self.kernel = self.boot_file(re.search(r"^kernel=(\S+)", config, re.M).group(1))     # type: ignore[union-attr]
        self.initrd = self.boot_file(re.search(r"^initramfs (\S+)", config, re.M).group(1))  # type: ignore[union-attr]
        self.overlays = re.findall(r"^dtoverlay=(\S+)", config, re.M)
        self.cmdline = self.boot_file("cmdline.txt").read_text().strip()
        assert f"root=PARTUUID={DISK_ID}-{ROOT_A:02x}" in self.cmdline and " ro " in f" {self.cmdline} ", self.cmdline

    def boot_file(self, name: str) -> Path:
        dest = self.work / "boot-a" / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        return _fat_read(self.raw, self.parts[BOOT_A][0], name, dest)

    def writable(self, name: str, base: Path | None = None) -> Path:
        """A fresh qcow2 on the card, 8 GiB (a power of two, as QEMU's SD card wants; first boot grows data)."""
        disk = self.work / f"{name}.qcow2"
        disk.unlink(missing_ok=True)
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", str(base or self.raw), "-F", "raw",
                        str(disk), "8G"], check=True)
        return disk


@pytest.fixture(scope="module")
def card(smoke_image: Path, tmp_path_factory: pytest.TempPathFactory) -> Card:
    return Card(smoke_image, tmp_path_factory.mktemp("arm64"))


@pytest.fixture(scope="class")
def virt(smoke_image: Path, card: Card, timings: Timings) -> Iterator[Arm64Vm]:
    work, kernel, initrd = card.work, card.kernel, card.initrd
    # virt has no Pi UARTs: the same command line with the console on virt's PL011
    append = " ".join(["console=ttyAMA0,115200"] + [a for a in card.cmdline.split() if not a.startswith("console=")])
    disk = card.writable("virt")
    vm = Arm64Vm(disk, work, kernel, initrd, append, "virt", [
        "-cpu", "cortex-a72", "-smp", "2", "-m", "1024",
        "-drive", f"file={disk},if=none,id=card,format=qcow2,cache=unsafe", "-device", "virtio-blk-pci,drive=card",
        "-netdev", "user,id=n0,restrict=on", "-device", "virtio-net-pci,netdev=n0", "-device", "virtio-rng-pci",
        "-serial", "stdio"])
    started = time.monotonic()
    vm.start()
    try:
        vm.expect(r"pbx login:", 1800, since=0)
        timings["virt: VM start to login prompt s"] = round(time.monotonic() - started)
        vm.wait_root_shell(120)
        vm.ok("systemctl is-system-running --wait >/dev/null; true", 600)
        timings["virt: VM start to system running s"] = round(time.monotonic() - started)
        timings["virt: system state"] = vm.ok("systemctl is-system-running; true")
        yield vm
    finally:
        vm.kill()
        shutil.copy(vm.log, smoke_image.parent / "arm64-smoke-virt-console.log")


def test_smoke_image_is_marked_and_is_no_product(smoke_image: Path) -> None:
    build = json.loads((smoke_image / "build.json").read_text())
    assert build["smoke"] is True and build["product"] is False and build["pjsua2"] is None
    assert build["arch"] == "arm64" and build["disk"] == "smoke-disk.img"
    assert smoke_image.name.startswith("arm64-smoke-") and not (smoke_image / "disk.img").exists()
    rootfs = smoke_image / "rootfs"
    assert "NOT A PRODUCT IMAGE" in (rootfs / "etc/pbx-smoke-image").read_text()
    assert "PBX_VARIANT=smoke" in (rootfs / "etc/pbx-release").read_text()
    for unit in ("pbxd.service", "pbx-console-password.service"):
        assert os.readlink(rootfs / "etc/systemd/system" / unit) == "/dev/null", unit
    assert not list(rootfs.glob("usr/local/lib/python3*/dist-packages/pjsua2*"))
    assert list(rootfs.glob("usr/local/lib/python3*/dist-packages/firmware"))
    assert list(rootfs.glob("usr/lib/linux-image-*/broadcom/bcm2711-rpi-4-b.dtb"))
    assert (rootfs / "usr/lib/raspi-firmware/start4.elf").exists()
    refused = subprocess.run([sys.executable, str(ROOT / "image" / "mkimage.py"), "--arch", "arm64", "--smoke",
                              "--bundle", str(smoke_image / "x.raucb")], capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "no update bundles" in refused.stderr


class TestVirt:
    """qemu-system-aarch64 -M virt: kernel, initramfs and command line of boot slot A, the card as virtio disk."""

    def test_arm64_boots_to_multi_user_with_the_read_only_root_of_slot_a(self, virt: Arm64Vm) -> None:
        assert virt.ok("uname -m") == "aarch64"
        assert virt.ok("systemctl is-active multi-user.target") == "active"
        state = virt.ok("systemctl is-system-running; true")
        failed = virt.ok("systemctl list-units --failed --no-legend --plain; true")
        assert state == "running", f"{state}: {failed}"
        cmdline = virt.ok("cat /proc/cmdline")
        assert f"root=PARTUUID={DISK_ID}-{ROOT_A:02x}" in cmdline and "rauc.slot=A" in cmdline
        source, options = virt.ok("findmnt -no SOURCE,OPTIONS /").split()
        assert source == f"/dev/vda{ROOT_A}" and options.split(",")[0] == "ro", (source, options)
        assert virt.sh("touch /usr/x")[0] != 0
        assert virt.ok("cat /etc/pbx-smoke-image").startswith("SMOKE TEST IMAGE")


    def test_data_partition_is_mounted_and_grown_by_first_boot(self, virt: Arm64Vm) -> None:
        source, options = virt.ok("findmnt -no SOURCE,OPTIONS /var/lib/pbx").split()
        assert source == f"/dev/vda{DATA}" and options.split(",")[0] == "rw", (source, options)
        assert virt.ok(f"readlink -f /dev/disk/by-partuuid/{DISK_ID}-{DATA:02x}") == f"/dev/vda{DATA}"
        size = int(virt.ok(f"lsblk -bno SIZE /dev/vda{DATA}"))
        assert size > 4 * 1024**3, size   # 192 MiB in the image; after first boot what the 8 GiB card leaves (4.5)
        assert virt.ok("findmnt -no SOURCE /var/log").endswith("[/.system/log]")
        virt.ok("touch /var/lib/pbx/smoke-write && sync && rm /var/lib/pbx/smoke-write")


    def test_first_boot_pieces_without_pbxd_ran(self, virt: Arm64Vm) -> None:
        assert virt.ok("systemctl is-active pbx-firstboot.service") == "active"
        journal = virt.ok("journalctl -b -o cat -u pbx-firstboot.service --no-pager")
        assert "grown to" in journal and "pbx-firstboot: done" in journal, journal
        virt.ok("test -e /var/lib/pbx/.system/firstboot-done")
        for key in ("ed25519", "ecdsa"):
            virt.ok(f"test -s /var/lib/pbx/.system/ssh/ssh_host_{key}_key")
        virt.ok("cmp /var/lib/pbx/pbx.yaml /usr/share/pbx/pbx.yaml")
        assert virt.ok("systemctl is-enabled pbxd.service; true") == "masked"
        assert virt.ok("systemctl is-active ssh.service; true") == "inactive"       # SSH off by default
        # our wheel is installed and its pjsua2-free parts run on arm64
        assert virt.ok("python3 -c 'import firmware.config.migrate as m; print(m.CURRENT_VERSION)'").isdigit()


    def test_autoboot_partition_and_rauc_confirm_slot_a_through_the_tryboot_backend(self, virt: Arm64Vm) -> None:
        assert virt.ok("findmnt -no SOURCE /boot/firmware") == "/dev/vda1"
        autoboot = virt.ok("cat /boot/firmware/autoboot.txt")
        assert "tryboot_a_b=1" in autoboot and "boot_partition=2" in autoboot, autoboot
        assert virt.ok("systemctl is-active pbx-confirm.service") == "active"
        journal = virt.ok("journalctl -b -o cat -u pbx-confirm.service --no-pager")
        assert "slot A confirmed" in journal, journal
        status = virt.ok("rauc status --output-format=shell")
        assert "RAUC_BOOT_PRIMARY='rootfs.0'" in status and "RAUC_SYSTEM_BOOTED_BOOTNAME='A'" in status, status


@pytest.fixture(scope="class")
def pi3(smoke_image: Path, card: Card, timings: Timings) -> Iterator[Arm64Vm]:
    """QEMU's Raspberry Pi 3 B model (QEMU has no Pi 4) with the card as its SD card. It has no Pi firmware
    either: the kernel, initramfs and cmdline.txt (unchanged: console on the mini UART, ttyS1) of boot slot A,
    and the Pi 3 B tree from the same partition with config.txt's overlays merged as the firmware would
    (fdtoverlay, after overlays/symbols.py adds the labels Debian's trees lack)."""
    work = card.work
    base = card.boot_file("bcm2837-rpi-3-b.dtb")
    merged = work / "pi3-merged.dtb"
    subprocess.run([sys.executable, str(ROOT / "overlays" / "symbols.py"), str(base), str(work / "pi3-sym.dtb")],
                   check=True, capture_output=True)
    dtbos = [str(card.boot_file(f"overlays/{name}.dtbo")) for name in card.overlays]
    assert dtbos, "config.txt enables no overlay"
    subprocess.run(["fdtoverlay", "-i", str(work / "pi3-sym.dtb"), "-o", str(merged), *dtbos], check=True)
    # Two concessions to the model: QEMU's BCM2835 power manager resets the machine as soon as the watchdog is
    # started (it has no watchdog timer), so systemd's RuntimeWatchdogSec would reset it at once: the watchdog
    # driver is not loaded here. And udev's coldplug on four Cortex-A53 emulated in software can take longer
    # than systemd's 90 s wait for the boot and data partitions (then: emergency mode); systemd 252 has no
    # kernel option for that wait, so this copy of the card (only) gets a drop-in giving devices 10 min.
    raw = work / "pi3.raw"
    subprocess.run(["cp", "--sparse=always", str(card.raw), str(raw)], check=True)
    dropin = work / "zz-qemu-raspi3b.conf"
    dropin.write_text("# tests/image/test_arm64_smoke.py: QEMU's Pi 3 model is slow\n[Manager]\n"
                      "DefaultDeviceTimeoutSec=600\n")
    debugfs(raw, card.parts[ROOT_A][0], "cd /etc/systemd/system.conf.d", f"write {dropin} {dropin.name}")
    disk = card.writable("pi3", raw)
    append = f"{card.cmdline} modprobe.blacklist=bcm2835_wdt"
    vm = Arm64Vm(disk, work, card.kernel, card.initrd, append, "raspi3b", [
        "-dtb", str(merged), "-drive", f"file={disk},if=sd,format=qcow2,cache=unsafe",
        "-serial", "null", "-serial", "stdio"])     # first serial: the PL011 (Bluetooth), second: the mini UART
    started = time.monotonic()
    vm.start()
    try:
        vm.expect(r"pbx login:", 1800, since=0)
        timings["raspi3b: VM start to login prompt s"] = round(time.monotonic() - started)
        vm.wait_root_shell(120)
        vm.ok("systemctl is-system-running --wait >/dev/null; true", 600)
        timings["raspi3b: VM start to system running s"] = round(time.monotonic() - started)
        timings["raspi3b: system state"] = vm.ok("systemctl is-system-running; true")
        yield vm
    finally:
        vm.kill()
        shutil.copy(vm.log, smoke_image.parent / "arm64-smoke-raspi3b-console.log")


class TestRaspberryPi3Model:
    """The same card under -M raspi3b: SD card, Pi UART, Pi device tree with our overlay."""

    def test_boots_from_the_sd_card_with_the_read_only_root_and_the_data_partition(self, pi3: Arm64Vm) -> None:
        assert pi3.ok("systemctl is-active multi-user.target") == "active"
        state = pi3.ok("systemctl is-system-running; true")
        assert state == "running", f"{state}: {pi3.ok('systemctl list-units --failed --no-legend --plain; true')}"
        source, options = pi3.ok("findmnt -no SOURCE,OPTIONS /").split()
        assert source == f"/dev/mmcblk0p{ROOT_A}" and options.split(",")[0] == "ro", (source, options)
        source, options = pi3.ok("findmnt -no SOURCE,OPTIONS /var/lib/pbx").split()
        assert source == f"/dev/mmcblk0p{DATA}" and options.split(",")[0] == "rw", (source, options)
        assert pi3.ok("findmnt -no SOURCE /boot/firmware") == "/dev/mmcblk0p1"
        pi3.ok("test -e /var/lib/pbx/.system/firstboot-done")
        assert "slot A confirmed" in pi3.ok("journalctl -b -o cat -u pbx-confirm.service --no-pager")

    def test_the_overlays_spi_devices_are_in_the_device_tree(self, pi3: Arm64Vm) -> None:
        """QEMU emulates no SPI controller of the Pi: the nodes are there, no transfer is tried."""
        spi = "/proc/device-tree/soc/spi@7e204000"
        assert pi3.ok(f"tr -d '\\0' < {spi}/status") == "okay"
        children = pi3.ok(f"ls {spi}").split()
        chips = sorted(c for c in children if re.fullmatch(r"fx[so]@\d", c))
        assert chips == ["fxo@4", "fxo@5", "fxs@0", "fxs@1", "fxs@2", "fxs@3"], children
        assert pi3.ok(f"tr -d '\\0' < {spi}/fxs@0/compatible") == "silabs,si3215"
        assert pi3.ok(f"tr -d '\\0' < {spi}/fxo@4/compatible") == "silabs,si3050"
        boards = pi3.ok("grep -rl --include=compatible pbx,telephony-board /proc/device-tree; true")
        assert boards, "no pbx,telephony-board node"
