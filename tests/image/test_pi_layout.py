"""The Raspberry Pi 4 / CM4 SD-card layout (image/pi.py) built into a sparse file without root or loop devices,
from Debian's real raspi-firmware and linux-image-arm64 packages (apt-get download, arm64) with a stand-in
initramfs and stand-in root/data file systems (the arm64 root file system needs the aarch64 pjsua2 wheel).
The checks read the image the way the Pi's bootloader and firmware would: the MBR, autoboot.txt in the first
FAT partition, config.txt / cmdline.txt / overlays in the boot partition it selects, and the root partition
whose PARTUUID cmdline.txt names.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.image.pi_support import ROOT, bootloader_partition, extract, fetch_debs

sys.path.insert(0, str(ROOT / "image"))
import pi  # image/ is no package: its directory is on the path

TOOLS = ("sfdisk", "partx", "mkfs.vfat", "mcopy", "mdir", "minfo", "mke2fs", "debugfs", "dtc", "fdtget",
         "fdtoverlay", "dpkg-deb", "apt-get")
pytestmark = pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS),
                                reason=f"needs {', '.join(TOOLS)} (make setup installs them)")
MiB = 1024 * 1024
ENV = {**os.environ, "MTOOLS_SKIP_CHECK": "1"}


def arm64_spec() -> dict[str, int]:
    import importlib.util
    spec = importlib.util.spec_from_file_location("mkimage_for_pi", ROOT / "image" / "mkimage.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {k: int(v) for k, v in module.ARCH["arm64"].items() if k.endswith("_mib")}


class Disk:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.table = json.loads(subprocess.run(["sfdisk", "-J", str(path)], check=True, capture_output=True,
                                               text=True).stdout)["partitiontable"]
        self.parts = {int(re.sub(r".*?(\d+)$", r"\1", p["node"])): p for p in self.table["partitions"]}

    def offset(self, number: int) -> int:
        return int(self.parts[number]["start"]) * 512

    def fat(self, number: int) -> str:
        return f"{self.path}@@{self.offset(number)}"

    def read(self, number: int, name: str) -> bytes:
        return subprocess.run(["mcopy", "-n", "-i", self.fat(number), f"::{name}", "-"], check=True,
                              capture_output=True, env=ENV).stdout

    def names(self, number: int, directory: str = "") -> set[str]:
        out = subprocess.run(["mdir", "-b", "-i", self.fat(number), f"::{directory}"], check=True,
                             capture_output=True, text=True, env=ENV).stdout
        return {line.rstrip("/").split("/")[-1] for line in out.split()}

    def partuuid(self, number: int) -> str:
        """The partition's UUID as libblkid (partx) reads it from the MBR: what root=PARTUUID= matches."""
        out = subprocess.run(["partx", "-g", "-o", "NR,UUID", str(self.path)], check=True, capture_output=True,
                             text=True).stdout
        return dict(line.split() for line in out.splitlines())[str(number)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Disk, Path, dict[str, int], Path]:
    try:
        debs = fetch_debs()
    except (subprocess.CalledProcessError, RuntimeError) as exc:
        err = getattr(exc, "stderr", "") or ""
        pytest.fail(f"could not download Debian's raspi-firmware / linux-image-arm64: {exc}\n{err[-2000:]}")
    work = tmp_path_factory.mktemp("pi")
    rootfs = work / "rootfs"           # where raspi-firmware's hook looks: /usr/lib/raspi-firmware, /boot, DTBs
    extract(debs["raspi-firmware"], rootfs, "./usr/lib/raspi-firmware/*")
    extract(debs["kernel"], rootfs, "./boot/vmlinuz-*", "./usr/lib/linux-image-*/broadcom/bcm27*.dtb")
    version = next((rootfs / "boot").glob("vmlinuz-*")).name.removeprefix("vmlinuz-")
    (rootfs / "boot" / f"initrd.img-{version}").write_bytes(b"stand-in initramfs " + os.urandom(64))
    dtbo = work / "pbx-board.dtbo"
    subprocess.run(["dtc", "-@", "-I", "dts", "-O", "dtb", "-o", str(dtbo), str(ROOT / "overlays" / "pbx-board.dts")],
                   check=True, capture_output=True)
    spec = arm64_spec()
    images = {}
    for name, label, size in (("root", "pbxroot", spec["root_mib"]), ("data", "pbxdata", spec["data_mib"])):
        tree = work / f"{name}-tree"
        (tree / "etc").mkdir(parents=True)
        (tree / "etc" / "pbx-stand-in").write_text(f"{name} {os.urandom(4).hex()}\n")
        images[name] = work / f"{name}.ext4"
        subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-L", label, "-d", str(tree), str(images[name]),
                        f"{size}M"], check=True)
    out = work / "out"
    out.mkdir()
    disk = pi.pi_disk(out, rootfs, spec, overlays=[dtbo], root_image=images["root"], data_image=images["data"])
    return Disk(disk), rootfs, spec, work


def test_mbr_partitions_in_order_with_their_types_and_sizes(built: tuple[Disk, Path, dict[str, int], Path]) -> None:
    disk, _, spec, _ = built
    assert disk.table["label"] == "dos" and int(disk.table["id"], 16) == pi.DISK_ID
    expect = {1: ("e", pi.AUTOBOOT_MIB), 2: ("c", spec["boot_mib"]), 3: ("c", spec["boot_mib"]),
              5: ("83", spec["root_mib"]), 6: ("83", spec["root_mib"]), 7: ("83", spec["data_mib"])}
    assert sorted(disk.parts) == [1, 2, 3, 4, 5, 6, 7]
    for number, (ptype, mib) in expect.items():
        p = disk.parts[number]
        assert (p["type"], int(p["size"]) * 512) == (ptype, mib * MiB), number
        assert int(p["start"]) % 2048 == 0, f"partition {number} not 1 MiB aligned"
    starts = [int(disk.parts[n]["start"]) for n in (1, 2, 3, 5, 6, 7)]
    assert starts == sorted(starts)
    ends = [int(disk.parts[n]["start"]) + int(disk.parts[n]["size"]) for n in (1, 2, 3, 5, 6, 7)]
    assert all(end <= start for end, start in zip(ends, starts[1:], strict=False)), "partitions overlap"
    ext = disk.parts[4]
    assert ext["type"] == "5"
    ext_end = int(ext["start"]) + int(ext["size"])
    assert all(int(ext["start"]) < int(disk.parts[n]["start"]) and ends[i + 3] <= ext_end
               for i, n in enumerate((5, 6, 7)))
    assert disk.path.stat().st_size >= ext_end * 512
    assert os.stat(disk.path).st_blocks * 512 < disk.path.stat().st_size / 4, "the image file is not sparse"


def test_partition_1_holds_autoboot_txt_selecting_2_and_tryboot_3(built: tuple[Disk, Path, dict[str, int], Path]
                                                                  ) -> None:
    disk = built[0]
    assert disk.names(1) == {"autoboot.txt"}
    info = subprocess.run(["minfo", "-i", disk.fat(1), "::"], check=True, capture_output=True, text=True,
                          env=ENV).stdout
    assert "FAT16" in info and pi.AUTOBOOT_LABEL in info
    text = disk.read(1, "autoboot.txt").decode()
    assert bootloader_partition(text, tryboot=False) == 2
    assert bootloader_partition(text, tryboot=True) == 3
    assert re.search(r"^\[all\]\ntryboot_a_b=1\nboot_partition=2\n\[tryboot\]\nboot_partition=3\n", text, re.M)


@pytest.mark.parametrize(("tryboot", "slot", "boot_part", "root_part"), [(False, "A", 2, 5), (True, "B", 3, 6)])
def test_the_selected_boot_partition_starts_that_slots_kernel_on_that_slots_root(
        built: tuple[Disk, Path, dict[str, int], Path], tryboot: bool, slot: str, boot_part: int,
        root_part: int) -> None:
    disk, rootfs, _, work = built
    number = bootloader_partition(disk.read(1, "autoboot.txt").decode(), tryboot)
    assert number == boot_part
    names = disk.names(number)
    config = disk.read(number, "config.txt").decode()
    settings = dict(line.split("=", 1) for line in config.splitlines() if "=" in line and not line.startswith("#"))
    assert settings["arm_64bit"] == "1"
    kernel = next((rootfs / "boot").glob("vmlinuz-*"))
    assert settings["kernel"] == kernel.name and disk.read(number, kernel.name) == kernel.read_bytes()
    initrd = re.search(r"^initramfs (\S+) followkernel$", config, re.M)
    assert initrd and disk.read(number, initrd.group(1)) == (rootfs / "boot" / initrd.group(1)).read_bytes()
    for blob in ("start4.elf", "fixup4.dat"):       # what the Pi 4 firmware loads, from raspi-firmware
        assert disk.read(number, blob) == (rootfs / "usr/lib/raspi-firmware" / blob).read_bytes()
    # our overlay, enabled, and the blocks it uses switched on
    assert re.findall(r"^dtoverlay=(\S+)$", config, re.M) == ["pbx-board"]
    assert disk.names(number, "overlays") == {"pbx-board.dtbo"}
    assert disk.read(number, "overlays/pbx-board.dtbo") == (work / "pbx-board.dtbo").read_bytes()
    assert {"spi=on", "i2s=on"} <= set(re.findall(r"^dtparam=(\S+)$", config, re.M))
    # the Pi 4 / CM4 trees carry the symbols the overlay needs: the firmware's merge (as fdtoverlay) succeeds
    for tree in ("bcm2711-rpi-4-b.dtb", "bcm2711-rpi-cm4-io.dtb"):
        assert tree in names
        (work / tree).write_bytes(disk.read(number, tree))
        merged = work / f"merged-{slot}-{tree}"
        subprocess.run(["fdtoverlay", "-i", str(work / tree), "-o", str(merged), str(work / "pbx-board.dtbo")],
                       check=True, capture_output=True)
        assert subprocess.run(["fdtget", str(merged), "/soc/spi@7e204000", "status"], capture_output=True,
                              text=True).stdout.strip() == "okay"
    # cmdline.txt: this slot's root partition by PARTUUID (as libblkid reads it from the MBR), read-only
    cmdline = disk.read(number, "cmdline.txt").decode()
    assert cmdline.count("\n") == 1 and cmdline.endswith("\n")
    root = re.search(r"(?:^| )root=PARTUUID=(\S+)", cmdline)
    assert root and root.group(1) == disk.partuuid(root_part)
    assert {p: disk.partuuid(p) for p in disk.parts if p != 4}[root_part] == root.group(1)
    assert re.search(rf"(?:^| )rauc\.slot={slot}(?: |$)", cmdline) and " ro " in cmdline
    label = subprocess.run(["minfo", "-i", disk.fat(number), "::"], check=True, capture_output=True, text=True,
                           env=ENV).stdout
    assert pi.BOOT_LABEL[slot] in label and "FAT32" in label


def test_root_a_and_data_hold_their_file_systems_and_root_b_is_empty(
        built: tuple[Disk, Path, dict[str, int], Path]) -> None:
    disk, _, _, work = built

    def cat(number: int) -> str:
        return subprocess.run(["debugfs", "-R", "cat /etc/pbx-stand-in", f"{disk.path}?offset={disk.offset(number)}"],
                              capture_output=True, text=True).stdout

    assert cat(5).startswith("root ") and cat(7).startswith("data ")
    assert cat(5) == subprocess.run(["debugfs", "-R", "cat /etc/pbx-stand-in", str(work / "root.ext4")],
                                    capture_output=True, text=True).stdout
    with open(disk.path, "rb") as f:
        f.seek(disk.offset(6))
        assert f.read(MiB).count(0) == MiB
    # the fstab and RAUC devices name the same partitions the disk has
    fstab = pi.fstab_boot_and_data()
    assert f"PARTUUID={disk.partuuid(1)}  /boot/firmware" in fstab
    assert f"PARTUUID={disk.partuuid(7)}  /var/lib/pbx" in fstab
    conf = pi.rauc_system_conf("pbx-box-rpi4")
    for slot, boot, root in (("A", 2, 5), ("B", 3, 6)):
        assert re.search(rf"device=/dev/disk/by-partuuid/{disk.partuuid(boot)}\ntype=vfat\n", conf)
        assert re.search(rf"device=/dev/disk/by-partuuid/{disk.partuuid(root)}\ntype=ext4\nbootname={slot}\n", conf)


def test_first_boot_can_grow_the_logical_data_partition_to_the_end_of_a_bigger_card(
        built: tuple[Disk, Path, dict[str, int], Path], tmp_path: Path) -> None:
    card = tmp_path / "card.img"
    subprocess.run(["cp", "--sparse=always", str(built[0].path), str(card)], check=True)
    with open(card, "r+b") as f:
        f.truncate(card.stat().st_size + 512 * MiB)
    grow7 = ["sfdisk", "-q", "--no-reread", "--no-tell-kernel", "-N", "7", str(card)]
    # without the extended partition grown first, the data partition cannot move past it
    subprocess.run(grow7, input=", +\n", capture_output=True, text=True)
    assert Disk(card).parts[7]["size"] == built[0].parts[7]["size"]
    subprocess.run([str(ROOT / "image" / "pi" / "grow-extended"), str(card)], check=True, capture_output=True)
    subprocess.run(grow7, input=", +\n", check=True, capture_output=True, text=True)   # what growpart does
    grown = Disk(card)
    end = int(grown.parts[7]["start"]) + int(grown.parts[7]["size"])
    assert int(grown.parts[7]["size"]) * 512 >= (built[2]["data_mib"] + 500) * MiB
    assert end * 512 <= card.stat().st_size
    for n in (5, 6):
        assert (grown.parts[n]["start"], grown.parts[n]["size"]) == (built[0].parts[n]["start"],
                                                                     built[0].parts[n]["size"])
    assert grown.partuuid(7) == built[0].partuuid(7)


def test_arm64_build_uses_this_layout(tmp_path: Path) -> None:
    text = (ROOT / "image" / "mkimage.py").read_text()
    assert "from pi import pi_disk" in text and "pi_disk(out, rootfs, " in text
    assert "is not written yet" not in text
