"""Raspberry Pi 4 / CM4 SD-card layout with the firmware's tryboot A/B switch, as the Raspberry Pi documentation
describes it (autoboot.txt with `tryboot_a_b=1`, config.txt, cmdline.txt, `reboot "0 tryboot"`), on an MBR
partition table written by util-linux sfdisk into the image file (no loop devices, no root needed).

    1  autoboot   FAT16  PBXBOOTSEL  autoboot.txt only: which of 2 / 3 the EEPROM bootloader boots
    2  boot-a     FAT32  PBXBOOTA    firmware (raspi-firmware), kernel + initramfs, DTBs, overlays/, config.txt,
    3  boot-b     FAT32  PBXBOOTB    cmdline.txt with root=PARTUUID=<disk id>-05 (A) / -06 (B) and rauc.slot=A/B
    4  extended
    5  rootfs-a   ext4   root slot A (the same root file system image as the amd64 appliance's slots)
    6  rootfs-b   ext4   root slot B
    7  data       ext4   /var/lib/pbx, grown to the end of the card at first boot

Sizes of the root, boot and data partitions come from image/mkimage.py's ARCH["arm64"]. The boot files are
taken from the root file system exactly where Debian's raspi-firmware kernel hook takes them (firmware from
/usr/lib/raspi-firmware, /boot/vmlinuz-*, /boot/initrd.img-*, the kernel's broadcom/bcm*.dtb), plus our
overlay (overlays/build/pbx-board.dtbo) and the `__symbols__` it needs added to the BCM2711 trees
(overlays/symbols.py). config.txt is ours (the same settings the hook writes, plus dtoverlay/dtparam).
The disk identifier is fixed, so root=PARTUUID=..., fstab and RAUC's slot devices are the same in every
image and in every update bundle.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pi_tryboot import BOOT_PART, autoboot_text
from pi_tryboot import other as other  # re-exported: the slot pairs

ROOT = Path(__file__).resolve().parents[1]
MiB = 1024 * 1024
DISK_ID = 0x50425831          # "PBX1": the MBR disk identifier, first half of every PARTUUID
AUTOBOOT_MIB = 32             # FAT16: the bootloader reads FAT16 and FAT32
SLOTS = ("A", "B")
AUTOBOOT_PART = 1
EXTENDED_PART = 4
ROOT_PART = {"A": 5, "B": 6}
DATA_PART = 7
AUTOBOOT_LABEL = "PBXBOOTSEL"
BOOT_LABEL = {"A": "PBXBOOTA", "B": "PBXBOOTB"}
# MBR partition types: W95 FAT32 (LBA), W95 FAT16 (LBA), Extended, Linux
FAT32_LBA, FAT16_LBA, EXTENDED, LINUX = "c", "e", "5", "83"
# what the overlay refers to (its __fixups__) -> the dtparam that switches that block on in Raspberry Pi
# kernels' trees (Debian's trees have no __overrides__: there the overlay's own status = "okay" does it)
DTPARAMS = {"spi0": "spi=on", "i2s": "i2s=on", "i2c1": "i2c_arm=on", "i2c_arm": "i2c_arm=on"}
CONSOLE = "console=tty0 console=ttyS1,115200"   # ttyS1: the Pi 4's mini UART (as raspi-firmware's hook picks)


def partuuid(number: int) -> str:
    """The PARTUUID Linux (and libblkid) gives an MBR partition: disk identifier and partition number."""
    return f"{DISK_ID:08x}-{number:02x}"


# --- the files the firmware reads -------------------------------------------------------------------------
def autoboot_txt(primary: str) -> str:
    """autoboot.txt: boot `primary`'s boot partition normally, the other one when the tryboot flag is set (the
    same text the RAUC backend writes when it switches slots)."""
    return autoboot_text(primary)


def overlay_dtparams(dtbo: Path) -> list[str]:
    """The dtparams the overlay's targets need (from its __fixups__: the labels it refers to)."""
    labels = subprocess.run(["fdtget", "-p", str(dtbo), "/__fixups__"], capture_output=True, text=True,
                            check=True).stdout.split()
    return sorted({DTPARAMS[label] for label in labels if label in DTPARAMS})


def config_txt(slot: str, kernel: str, initrd: str, overlays: Sequence[str], dtparams: Sequence[str]) -> str:
    return ("# Raspberry Pi firmware configuration of boot slot " + slot + " (image/pi.py). The settings Debian's\n"
            "# raspi-firmware hook writes, and the telephony board's overlay (overlays/).\n"
            "arm_64bit=1\nenable_uart=1\nupstream_kernel=1\n"
            f"kernel={kernel}\ninitramfs {initrd} followkernel\n"
            + "".join(f"dtparam={p}\n" for p in dtparams)
            + "".join(f"dtoverlay={o}\n" for o in overlays))


def cmdline_txt(slot: str) -> str:
    """One line: the slot's root partition by PARTUUID, read-only, and the slot name for RAUC."""
    return (f"{CONSOLE} root=PARTUUID={partuuid(ROOT_PART[slot])} ro rootwait fsck.repair=yes net.ifnames=0 "
            f"rauc.slot={slot} panic=10 systemd.show_status=1\n")


# --- RAUC and mounts on the Pi ------------------------------------------------------------------------------
def rauc_system_conf(compatible: str) -> str:
    """RAUC on the Pi: boot + root slot pairs by PARTUUID, custom backend `rauc-tryboot` (image/pi_tryboot.py)."""
    slots = "".join(
        f"[slot.boot.{i}]\ndevice=/dev/disk/by-partuuid/{partuuid(BOOT_PART[s])}\ntype=vfat\nparent=rootfs.{i}\n\n"
        f"[slot.rootfs.{i}]\ndevice=/dev/disk/by-partuuid/{partuuid(ROOT_PART[s])}\ntype=ext4\nbootname={s}\n\n"
        for i, s in enumerate(SLOTS))
    return ("# RAUC (Raspberry Pi 4 / CM4): A/B boot + root slots; the firmware's tryboot switches them\n"
            f"[system]\ncompatible={compatible}\nbootloader=custom\n"
            "statusfile=/var/lib/pbx/.system/rauc.status\nmountprefix=/run/rauc\n\n"
            "[keyring]\npath=/etc/rauc/keyring.pem\n\n"
            "[handlers]\nbootloader-custom-backend=/usr/lib/pbx/rauc-tryboot\n"
            "post-install=/usr/lib/pbx/rauc-post-install\n\n" + slots)


def fstab_boot_and_data() -> str:
    return (f"PARTUUID={partuuid(AUTOBOOT_PART)}  /boot/firmware  vfat  umask=0077,noatime,nofail  0 2\n"
            f"PARTUUID={partuuid(DATA_PART)}  /var/lib/pbx  ext4  defaults,noatime,commit=5  0 2\n")


# --- boot partitions ----------------------------------------------------------------------------------------
@dataclass
class BootFiles:
    firmware: list[Path]      # start4.elf, fixup4.dat, ... (raspi-firmware)
    dtbs: list[Path]          # bcm*.dtb of the kernel
    kernel: Path
    initrd: Path


def _latest(paths: list[Path]) -> Path | None:
    def key(p: Path) -> list[int | str]:
        return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.name)]
    found = [p for p in paths if not p.name.endswith((".dpkg-bak", ".old-dkms"))]
    return max(found, key=key) if found else None


def boot_files(rootfs: Path) -> BootFiles:
    """What raspi-firmware's kernel hook copies to /boot/firmware, found in a root file system."""
    kernel = _latest(list((rootfs / "boot").glob("vmlinuz-*")))
    initrd = _latest(list((rootfs / "boot").glob("initrd.img-*")))
    firmware = sorted(p for p in (rootfs / "usr/lib/raspi-firmware").glob("*") if p.is_file())
    missing = [what for what, ok in (("/boot/vmlinuz-* (linux-image-arm64)", kernel),
                                     ("/boot/initrd.img-* (initramfs-tools)", initrd),
                                     ("/usr/lib/raspi-firmware/start4.elf (raspi-firmware)",
                                      any(p.name == "start4.elf" for p in firmware))) if not ok]
    if missing or kernel is None or initrd is None:
        raise SystemExit(f"pi: the root file system {rootfs} lacks {', '.join(missing)}")
    version = kernel.name.removeprefix("vmlinuz-")
    dtbs = sorted((rootfs / f"usr/lib/linux-image-{version}/broadcom").glob("bcm*.dtb"))
    if not any(p.name == "bcm2711-rpi-4-b.dtb" for p in dtbs):
        raise SystemExit(f"pi: no bcm2711-rpi-4-b.dtb for kernel {version} in {rootfs}")
    return BootFiles(firmware, dtbs, kernel, initrd)


def _mtools_env() -> dict[str, str]:
    return {**os.environ, "MTOOLS_SKIP_CHECK": "1"}


def _run(*args: str | Path, **kw: object) -> subprocess.CompletedProcess[str]:
    result: subprocess.CompletedProcess[str] = subprocess.run(  # type: ignore[call-overload]
        [str(a) for a in args], check=True, text=True, **kw)
    return result


def fat_image(out: Path, size_mib: int, label: str, fat_bits: int, files: Mapping[str, Path]) -> Path:
    """A FAT file system image (mkfs.vfat) with `files` ({"dir/name": source}) copied in by mtools."""
    out.unlink(missing_ok=True)
    _run("mkfs.vfat", "-C", "-F", str(fat_bits), "-n", label, out, str(size_mib * 1024), stdout=subprocess.DEVNULL)
    by_dir: dict[str, list[Path]] = {}
    for dest, src in files.items():
        d, _, name = dest.rpartition("/")
        if name != src.name:
            raise ValueError(f"{dest}: copy {src} under its own name")
        by_dir.setdefault(d, []).append(src)
    for d in sorted(by_dir):
        if d:
            _run("mmd", "-D", "s", "-i", out, f"::{d}", env=_mtools_env())
        _run("mcopy", "-o", "-i", out, *by_dir[d], f"::{d}/", env=_mtools_env())
    return out


def boot_partition(work: Path, slot: str, files: BootFiles, overlays: Sequence[Path], size_mib: int) -> Path:
    """Slot `slot`'s boot partition: firmware, kernel, initramfs, DTBs (symbols added), overlays, config."""
    stage = work / f"boot-{slot.lower()}"
    shutil.rmtree(stage, ignore_errors=True)
    (stage / "dtb").mkdir(parents=True)
    content: dict[str, Path] = {}
    for p in (*files.firmware, files.kernel, files.initrd):
        content[p.name] = p
    for dtb in files.dtbs:
        if dtb.name.startswith("bcm2711-"):     # the Pi 4 family: the overlay needs &spi0, &gpio, &i2s
            fixed = stage / "dtb" / dtb.name
            _run(sys.executable, ROOT / "overlays" / "symbols.py", dtb, fixed)
            content[dtb.name] = fixed
        else:
            content[dtb.name] = dtb
    dtparams: set[str] = set()
    for dtbo in overlays:
        content[f"overlays/{dtbo.name}"] = dtbo
        dtparams.update(overlay_dtparams(dtbo))
    (stage / "config.txt").write_text(config_txt(slot, files.kernel.name, files.initrd.name,
                                                 [o.stem for o in overlays], sorted(dtparams)))
    (stage / "cmdline.txt").write_text(cmdline_txt(slot))
    content["config.txt"] = stage / "config.txt"
    content["cmdline.txt"] = stage / "cmdline.txt"
    need = sum(p.stat().st_size for p in content.values()) / MiB
    if need > size_mib * 0.9:
        raise SystemExit(f"pi: boot slot {slot} needs {need:.0f} MiB, the partition has {size_mib} MiB")
    return fat_image(work / f"boot-{slot.lower()}.vfat", size_mib, BOOT_LABEL[slot], 32, content)


def autoboot_partition(work: Path, primary: str = "A") -> Path:
    (work / "autoboot.txt").write_text(autoboot_txt(primary))
    return fat_image(work / "autoboot.vfat", AUTOBOOT_MIB, AUTOBOOT_LABEL, 16, {"autoboot.txt": work / "autoboot.txt"})


# --- the disk -----------------------------------------------------------------------------------------------
@dataclass
class Part:
    number: int
    name: str
    ptype: str
    start_mib: int
    size_mib: int


def layout(spec: Mapping[str, int]) -> list[Part]:
    """Partitions in MiB: 1 MiB before the first (MBR, alignment) and before each logical one (its EBR)."""
    parts: list[Part] = []
    at = 1
    for number, name, ptype, size in ((AUTOBOOT_PART, "autoboot", FAT16_LBA, AUTOBOOT_MIB),
                                      (BOOT_PART["A"], "boot-a", FAT32_LBA, spec["boot_mib"]),
                                      (BOOT_PART["B"], "boot-b", FAT32_LBA, spec["boot_mib"])):
        parts.append(Part(number, name, ptype, at, size))
        at += size
    logical = ((ROOT_PART["A"], "rootfs-a", spec["root_mib"]), (ROOT_PART["B"], "rootfs-b", spec["root_mib"]),
               (DATA_PART, "data", spec["data_mib"]))
    extended = Part(EXTENDED_PART, "extended", EXTENDED, at, sum(1 + size for _, _, size in logical))
    parts.append(extended)
    for number, name, size in logical:
        at += 1
        parts.append(Part(number, name, LINUX, at, size))
        at += size
    return parts


def sfdisk_script(parts: Sequence[Part]) -> str:
    lines = ["label: dos", f"label-id: 0x{DISK_ID:08x}", "unit: sectors"]
    per = MiB // 512
    lines += [f"start={p.start_mib * per}, size={p.size_mib * per}, type={p.ptype}"
              for p in sorted(parts, key=lambda p: p.number)]
    return "\n".join(lines) + "\n"


def write_disk(out: Path, parts: Sequence[Part], images: Mapping[str, Path | None]) -> Path:
    """The partition table on a sparse file, each partition's image copied to its place."""
    end = max(p.start_mib + p.size_mib for p in parts)
    out.unlink(missing_ok=True)
    with open(out, "wb") as f:
        f.truncate((end + 1) * MiB)
    _run("sfdisk", "-q", "--no-reread", "--no-tell-kernel", out, input=sfdisk_script(parts),
         stdout=subprocess.DEVNULL)
    for p in parts:
        image = images.get(p.name)
        if image is None:
            continue
        if image.stat().st_size > p.size_mib * MiB:
            raise SystemExit(f"pi: {image} is larger than partition {p.number} ({p.name}, {p.size_mib} MiB)")
        _run("dd", f"if={image}", f"of={out}", "bs=1M", f"seek={p.start_mib}", "conv=notrunc,sparse", "status=none")
    return out


def pi_disk(out: Path, rootfs: Path, spec: Mapping[str, int], overlays: Sequence[Path] | None = None,
            root_image: Path | None = None, data_image: Path | None = None) -> Path:
    """out/disk.img for the Pi from the root file system directory and out/rootfs.ext4, out/data.ext4."""
    if overlays is None:
        overlays = sorted((ROOT / "overlays" / "build").glob("*.dtbo"))
    if not overlays:
        raise SystemExit("pi: no overlays/build/*.dtbo (make overlays)")
    files = boot_files(rootfs)
    work = out / "pi"
    work.mkdir(parents=True, exist_ok=True)
    images: dict[str, Path | None] = {
        "autoboot": autoboot_partition(work),
        "boot-a": boot_partition(work, "A", files, overlays, spec["boot_mib"]),
        "boot-b": boot_partition(work, "B", files, overlays, spec["boot_mib"]),
        "rootfs-a": root_image or out / "rootfs.ext4",
        "rootfs-b": None,
        "data": data_image or out / "data.ext4",
    }
    disk = write_disk(out / "disk.img", layout(spec), images)
    (work / "layout.json").write_text(json.dumps({"disk_id": f"{DISK_ID:08x}", "partitions": [
        {"number": p.number, "name": p.name, "start_mib": p.start_mib, "size_mib": p.size_mib}
        for p in layout(spec)]}, indent=1))
    return disk
