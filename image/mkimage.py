"""Builds the box's disk image from Debian packages and our own wheel (mmdebstrap, no Docker, no loop devices).

    python image/mkimage.py --arch amd64                 virtual appliance (GPT: ESP + GRUB, rootfs-a/b, data)
    python image/mkimage.py --arch arm64 --wheels DIR    Raspberry Pi 4 / CM4 SD card (MBR: firmware/boot, a/b, data)
    python image/mkimage.py --bundle OUT.raucb --arch amd64 [--version V]    signed RAUC update bundle
    python image/mkimage.py --arch arm64 --smoke         (or PBX_ARM64_SMOKE=1) boot smoke test only: the Pi
                                                         card WITHOUT pjsua2 and with pbxd masked, never a product

The smoke variant exists because no aarch64 pjsua2 wheel can be had here: it is the real arm64 system (kernel,
initramfs, raspi-firmware, overlays, first boot, fstab/RAUC by PARTUUID, read-only root, data partition) minus
pjsua2 and the services that need it (pbxd, its console banner). It goes to image/build/arm64-smoke-<hash>/
smoke-disk.img, carries /etc/pbx-smoke-image and "smoke": true in build.json, and makes no update bundles.

Output goes to image/build/<arch>-<hash>/ where the hash covers everything the image is made of (our
sources, image/, overlays/, the wheels, the package list, the signing certificate): a second run with
nothing changed reuses the image. Steps: wheels -> mmdebstrap root file system (Debian packages only) ->
our files, wheels (python3 -m installer), units -> ext4/vfat file system images (mke2fs -d, mtools) ->
partition table (sfdisk on the image file) -> disk.img, plus rootfs.ext4 for update bundles.
Nothing secret goes in: host keys, the admin password, TLS and SIP secrets are made at first boot; the
update-signing key stays in image/build/keys (or --signing-key/--signing-cert of your own).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TypedDict

ROOT = Path(__file__).resolve().parents[1]
IMAGE = ROOT / "image"
BUILD = IMAGE / "build"
SUITE = "bookworm"
MiB = 1024 * 1024

COMMON_PACKAGES = [
    "systemd", "systemd-sysv", "udev", "dbus", "systemd-timesyncd", "systemd-resolved", "kmod", "iproute2",
    "procps", "util-linux", "fdisk", "cloud-guest-utils", "e2fsprogs", "dosfstools", "initramfs-tools",
    "openssh-server", "rauc", "rauc-service", "openssl", "ca-certificates", "less",
    "python3", "python3-numpy", "python3-ruamel.yaml", "python3-bottle", "python3-spidev", "python3-periphery",
    "python3-serial", "python3-systemd", "libspandsp2", "sqlite3",
    "kamailio", "kamailio-sqlite-modules", "kamailio-tls-modules", "rtpengine-daemon",
]
HOST_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}
class ArchSpec(TypedDict):
    packages: list[str]
    compatible: str
    root_mib: int
    boot_mib: int
    data_mib: int


ARCH: dict[str, ArchSpec] = {
    "amd64": {"packages": ["linux-image-cloud-amd64", "grub-common"], "compatible": "pbx-box-amd64",
              "root_mib": 1536, "boot_mib": 32, "data_mib": 192},
    "arm64": {"packages": ["linux-image-arm64", "raspi-firmware", "u-boot-tools"], "compatible": "pbx-box-rpi4",
              "root_mib": 1536, "boot_mib": 256, "data_mib": 192},
}
SMOKE_MARKER = "etc/pbx-smoke-image"
SMOKE_DISK = "smoke-disk.img"
# units that need pbxd (and so pjsua2): masked in the smoke variant
SMOKE_MASKED = ("pbxd.service", "pbx-console-password.service")
# initramfs: only what mounting the root needs (building it under qemu-user is slow with MODULES=most)
INITRAMFS_MODULES = {
    "amd64": "virtio_pci virtio_blk virtio_scsi sd_mod ahci nvme ext4 crc32c_generic",
    "arm64": "mmc_block sdhci_iproc sdhci_pltfm bcm2835 mmc_core virtio_mmio virtio_blk virtio_pci ext4 "
             "crc32c_generic",
}
DPKG_EXCLUDES = ["/usr/share/man/*", "/usr/share/info/*", "/usr/share/locale/*", "/usr/share/doc/*",
                 "/usr/share/lintian/*"]


def log(msg: str) -> None:
    print(f"[mkimage {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run(*args: str | Path, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], check=True, text=True, **kw)  # type: ignore[call-overload]


# --- inputs --------------------------------------------------------------------------------------------------
def our_wheel(out: Path, arch: str) -> Path:
    """Our wheel; its one C module (the analog ports' pjmedia port) is compiled for this machine, so a
    wheel for another architecture leaves it out (PBX_NATIVE=0) and pbxd there uses its Python ports."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("pbx_firmware-*.whl"):
        old.unlink()
    native = "1" if arch == HOST_ARCH.get(platform.machine(), "") else "0"
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, ROOT,
        stdout=subprocess.DEVNULL, env={**os.environ, "PBX_NATIVE": native})
    return next(out.glob("pbx_firmware-*.whl"))


def pjsua2_wheel(arch: str, wheels: Path | None) -> Path:
    """pjsua2-python for the image's Python 3.11: from --wheels DIR, else (amd64) PyPI."""
    tag = {"amd64": "x86_64", "arm64": "aarch64"}[arch]
    if wheels is not None:
        found = sorted(Path(wheels).glob(f"pjsua2_python-*cp311*{tag}*.whl"))
        if not found:
            sys.exit(f"mkimage: no pjsua2_python-*-cp311-*{tag}.whl in {wheels} (see image/README.md, "
                     "'The pjsua2 wheel for arm64')")
        return found[-1]
    if arch == "arm64":
        sys.exit("mkimage: the arm64 image needs --wheels DIR (WHEELS=DIR for make) holding a pjsua2-python wheel "
                 "for cp311 aarch64: none is published on the registries this build can reach. "
                 "image/README.md ('The pjsua2 wheel for arm64') says how to build one.")
    cache = BUILD / "wheels-amd64"
    found = sorted(cache.glob("pjsua2_python-*cp311*x86_64*.whl"))
    if found:
        return found[-1]
    version = _installed_version("pjsua2-python")
    run(sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "--python-version", "3.11",
        "--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_28_x86_64", "-d", cache,
        f"pjsua2-python=={version}" if version else "pjsua2-python")
    return sorted(cache.glob("pjsua2_python-*.whl"))[-1]


def _installed_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(name)
    except PackageNotFoundError:
        return ""


def signing_pair(args: argparse.Namespace) -> tuple[Path, Path]:
    """The update-signing certificate (goes into the image's RAUC keyring) and its key (never does)."""
    if args.signing_cert and args.signing_key:
        return Path(args.signing_cert), Path(args.signing_key)
    keys = BUILD / "keys"
    cert, key = keys / "dev-cert.pem", keys / "dev-key.pem"
    if not cert.exists():
        keys.mkdir(parents=True, exist_ok=True)
        os.chmod(keys, 0o700)
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-days", "3650", "-subj", "/O=pbx-firmware development/CN=pbx update signing (this build machine)",
            "-keyout", key, "-out", cert, stderr=subprocess.DEVNULL)
        log(f"made a development update-signing key in {keys} (kept out of the image and of git)")
    return cert, key


def content_hash(arch: str, wheels: list[Path], cert: Path, smoke: bool = False) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([arch, COMMON_PACKAGES, ARCH[arch], INITRAMFS_MODULES[arch]]
                        + (["smoke", list(SMOKE_MASKED)] if smoke else [])).encode())
    for base in ("firmware", "webui", "image", "overlays"):
        for p in sorted((ROOT / base).rglob("*")):
            rel = p.relative_to(ROOT).as_posix()
            if (not p.is_file() or "/build/" in f"/{rel}" or "__pycache__" in rel or p.suffix == ".pyc"
                    or rel.startswith("image/build")):
                continue
            h.update(rel.encode() + b"\0" + p.read_bytes())
    h.update((ROOT / "pyproject.toml").read_bytes())
    for w in wheels:
        if not w.name.startswith("pbx_firmware"):
            h.update(w.name.encode() + hashlib.sha256(w.read_bytes()).digest())
    h.update(cert.read_bytes())
    return h.hexdigest()[:16]


# --- root file system -------------------------------------------------------------------------------------
BINFMT = Path("/proc/sys/fs/binfmt_misc")
QEMU_BINFMT = {"arm64": "qemu-aarch64", "amd64": "qemu-x86_64"}


def host_arch() -> str:
    return run("dpkg", "--print-architecture", capture_output=True).stdout.strip()


def ensure_binfmt(arch: str) -> None:
    """mmdebstrap runs the foreign architecture's maintainer scripts through qemu-user binfmt: mount binfmt_misc
    if it is not (fresh machines and containers often lack it) and enable the qemu-user handler."""
    if arch == host_arch():
        return
    name = QEMU_BINFMT[arch]
    try:
        if not (BINFMT / "status").exists():
            run("mount", "-t", "binfmt_misc", "binfmt_misc", BINFMT)
        if "enabled" not in _read(BINFMT / name):
            run("update-binfmts", "--enable", name)
    except (OSError, subprocess.CalledProcessError) as exc:
        sys.exit(f"mkimage: building the {arch} root file system needs qemu-user binfmt ({name}), and it could "
                 f"not be set up: {exc}. Install qemu-user-static and binfmt-support, then as root: "
                 f"`mount -t binfmt_misc binfmt_misc {BINFMT}` and `update-binfmts --enable {name}`.")
    if "enabled" not in _read(BINFMT / name):
        sys.exit(f"mkimage: the binfmt handler {name} is not enabled in {BINFMT} (qemu-user-static installed?)")


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def mmdebstrap(arch: str, target: Path) -> None:
    ensure_binfmt(arch)
    conf = target.parent / f"{target.name}-initramfs.conf"
    conf.write_text("MODULES=list\nCOMPRESS=zstd\n")
    modules = target.parent / f"{target.name}-initramfs-modules"
    modules.write_text("\n".join(INITRAMFS_MODULES[arch].split()) + "\n")
    hook = (f'mkdir -p "$1/etc/initramfs-tools/conf.d" && cp {conf} "$1/etc/initramfs-tools/conf.d/pbx.conf" '
            f'&& cp {modules} "$1/etc/initramfs-tools/modules"')
    if arch == "arm64":   # raspi-firmware's kernel hook wants /boot/firmware; we lay it out ourselves
        hook += ' && mkdir -p "$1/boot/firmware" "$1/etc/default" && echo "SKIP_INITRAMFS_GEN=no" >/dev/null'
    cmd = ["mmdebstrap", "--variant=minbase", f"--architectures={arch}", "--components=main,non-free-firmware",
           "--include=" + ",".join(COMMON_PACKAGES + ARCH[arch]["packages"]),
           *[f"--dpkgopt=path-exclude={p}" for p in DPKG_EXCLUDES],
           "--dpkgopt=path-include=/usr/share/doc/*/copyright",
           f"--essential-hook={hook}", "--skip=cleanup/apt/lists", SUITE, str(target)]
    log(f"mmdebstrap {arch} -> {target}")
    run(*cmd, stdout=subprocess.DEVNULL)


def install_wheels(rootfs: Path, wheels: list[Path]) -> None:
    for w in wheels:
        # Debian's python3 maps prefix /usr to /usr/local/{bin,lib/python3.11/dist-packages}
        run("/usr/bin/python3", "-m", "installer", "--destdir", rootfs, "--prefix", "/usr", w)


# The virtual appliance's board: two handsets on two FXS chip models. The simulated lines cost CPU every
# 10 ms (audio both ways, chip and handset models); under software emulation (QEMU TCG, some 30-40 times
# slower than the host for this code) the default six-port board needs more than one emulated CPU, and an
# FXO line with its exchange model costs as much as two FXS lines. Edit `modules` to add ports
# (`pbxd --explain`).
APPLIANCE_BOARD = """\
board:
  kind: virtual        # the virtual appliance: chip models instead of the telephony board
  modules:
  - {port: 1, type: fxs, chip: si3215, cs: 0, reset_gpio: 5, int_gpio: 25, pcm_slot: 0}
  - {port: 2, type: fxs, chip: si3215, cs: 1, reset_gpio: 6, int_gpio: 25, pcm_slot: 1}
"""


def default_config(arch: str) -> str:
    web = ("web:\n  address: 0.0.0.0\n  http_port: 80\n  https: true\n  https_port: 443\n  redirect_http: true\n")
    head = ("# pbx configuration (pbxd). Keys and allowed values: `pbxd --explain`.\n"
            "# Made by image/mkimage.py for the first boot; the web page edits it from then on.\n")
    from_schema = _schema_version_line()
    if arch == "amd64":
        board = APPLIANCE_BOARD
    else:
        text = (ROOT / "overlays" / "board-config.yaml").read_text()
        board = "".join(line + "\n" for line in text.splitlines() if not line.startswith("#"))
    return head + from_schema + "country: DE\n" + board + web


def _schema_version_line() -> str:
    try:
        sys.path.insert(0, str(ROOT))
        from firmware.config.migrate import CURRENT_VERSION
    except ImportError:
        return ""
    return f"version: {CURRENT_VERSION}\n"


def customize(arch: str, rootfs: Path, data: Path, cert: Path, release: str, smoke: bool = False) -> None:
    """Our files, units and settings on top of the Debian root file system."""
    shutil.copytree(IMAGE / "rootfs", rootfs, dirs_exist_ok=True, symlinks=True)
    units = rootfs / "etc/systemd/system"
    for unit in (IMAGE / "systemd").iterdir():
        if not (smoke and unit.name in SMOKE_MASKED):     # smoke: not installed at all, masked below
            shutil.copy2(unit, units / unit.name)
    (rootfs / "usr/share/pbx").mkdir(parents=True, exist_ok=True)
    (rootfs / "usr/share/pbx/pbx.yaml").write_text(default_config(arch))
    (rootfs / "etc/pbx").mkdir(parents=True, exist_ok=True)
    link = rootfs / "etc/pbx/pbx.yaml"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to("/var/lib/pbx/pbx.yaml")
    doc = rootfs / "usr/share/doc/pbx-firmware"
    doc.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "README.md", doc / "README.md")
    shutil.copy2(IMAGE / "README.md", doc / "IMAGE.md") if (IMAGE / "README.md").exists() else None
    (rootfs / "etc/pbx-release").write_text(f"PBX_RELEASE={release}\nPBX_ARCH={arch}\n"
                                            + ("PBX_VARIANT=smoke\n" if smoke else ""))
    if smoke:
        (rootfs / SMOKE_MARKER).write_text(
            "SMOKE TEST IMAGE - NOT A PRODUCT IMAGE. Built by `image/mkimage.py --arch arm64 --smoke` to boot the\n"
            "arm64 system under QEMU: it has no pjsua2 (no aarch64 wheel was available), and pbxd and its console\n"
            f"banner are masked ({', '.join(SMOKE_MASKED)}). It does not make calls. Do not ship or flash it.\n")
    # RAUC: system config and keyring (the public certificate only)
    rauc = rootfs / "etc/rauc"
    rauc.mkdir(parents=True, exist_ok=True)
    shutil.copy2(cert, rauc / "keyring.pem")
    (rauc / "system.conf").write_text(rauc_system_conf(arch))
    (rootfs / "etc/fstab").write_text(fstab(arch))
    if arch == "arm64":   # the Pi firmware's tryboot A/B: RAUC's custom backend and its shutdown hook
        backend = rootfs / "usr/lib/pbx/rauc-tryboot"
        shutil.copy2(IMAGE / "pi_tryboot.py", backend)
        os.chmod(backend, 0o755)
        shutil.copy2(IMAGE / "pi" / "grow-extended", rootfs / "usr/lib/pbx/grow-extended")
        shutil.copy2(IMAGE / "pi" / "pbx-tryboot.service", units / "pbx-tryboot.service")
        run("systemctl", f"--root={rootfs}", "enable", "-q", "pbx-tryboot.service")
    # read-only root: mount points must exist in the image; nothing host-specific or secret in it
    for mountpoint in ("var/lib/pbx", "boot/efi" if arch == "amd64" else "boot/firmware", "run/rauc"):
        (rootfs / mountpoint).mkdir(parents=True, exist_ok=True)
    for key in (rootfs / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    (rootfs / "etc/machine-id").write_text("")
    dbus_id = rootfs / "var/lib/dbus/machine-id"
    if dbus_id.exists() or dbus_id.is_symlink():
        dbus_id.unlink()
        dbus_id.symlink_to("/etc/machine-id")
    resolv = rootfs / "etc/resolv.conf"
    if resolv.exists() or resolv.is_symlink():
        resolv.unlink()
    resolv.symlink_to("../run/systemd/resolve/stub-resolv.conf")
    shadow = rootfs / "etc/shadow"
    shadow.write_text("".join(("root:*:" + line.split(":", 2)[2]) if line.startswith("root:") else line
                              for line in shadow.read_text().splitlines(keepends=True)))
    systemctl = ["systemctl", f"--root={rootfs}"]
    enable = ["pbxd.service", "pbx-firstboot.service", "pbx-console-password.service", "pbx-confirm.service",
              "pbx-ssh.path", "pbx-ssh.service", "systemd-networkd.service", "systemd-resolved.service",
              "systemd-timesyncd.service"]
    run(*systemctl, "enable", "-q", *[u for u in enable if not (smoke and u in SMOKE_MASKED)])
    run(*systemctl, "disable", "-q", "ssh.service")
    run(*systemctl, "mask", "-q", "kamailio.service", "rtpengine-daemon.service", "ssh.socket", "apt-daily.timer",
        "apt-daily-upgrade.timer", "e2scrub_reap.service", "e2scrub_all.timer")
    if smoke:             # no pjsua2: pbxd cannot start, and the banner only shows what pbxd makes
        run(*systemctl, "mask", "-q", *SMOKE_MASKED)
    # the data partition starts with the default configuration and the directories bound into /var
    system = data / ".system"
    for sub in ("ssh", "switch", "log", "pre-update"):
        (system / sub).mkdir(parents=True, exist_ok=True)
    shutil.copytree(rootfs / "var/lib/systemd", system / "systemd", symlinks=True, dirs_exist_ok=True)
    os.chmod(system, 0o700)
    (data / "pbx.yaml").write_text(default_config(arch))
    os.chmod(data / "pbx.yaml", 0o600)
    if arch == "amd64":
        # the virtual appliance also runs under software emulation (CI, QEMU without KVM), where pbxd's loops
        # can lag a few seconds: a longer watchdog and start limit there; the Pi keeps the unit's 10 s
        dropin = units / "pbxd.service.d"
        dropin.mkdir(exist_ok=True)
        (dropin / "appliance.conf").write_text(
            "# virtual appliance (image/mkimage.py): emulated CPUs are slow\n"
            "[Service]\nWatchdogSec=60s\nTimeoutStartSec=300s\n")
        for name in ("vmlinuz", "initrd.img"):
            if not (rootfs / name).exists():
                sys.exit(f"mkimage: the root file system has no /{name}")


def rauc_system_conf(arch: str) -> str:
    spec = ARCH[arch]
    if arch != "amd64":
        from pi import rauc_system_conf as pi_rauc_system_conf  # image/pi.py: MBR, slots by PARTUUID
        return pi_rauc_system_conf(spec["compatible"])
    boot = "bootloader=grub\ngrubenv=/boot/efi/grubenv\n"
    slots = "".join(f"[slot.rootfs.{i}]\ndevice=/dev/disk/by-partlabel/rootfs-{s.lower()}\ntype=ext4\n"
                    f"bootname={s}\n\n" for i, s in enumerate("AB"))
    handlers = "[handlers]\n"
    return (f"# RAUC: A/B root file systems, bundles signed by the key whose certificate is keyring.pem\n"
            f"[system]\ncompatible={spec['compatible']}\n{boot}statusfile=/var/lib/pbx/.system/rauc.status\n"
            f"mountprefix=/run/rauc\n\n[keyring]\npath=/etc/rauc/keyring.pem\n\n"
            f"{handlers}post-install=/usr/lib/pbx/rauc-post-install\n\n{slots}")


def fstab(arch: str) -> str:
    if arch == "amd64":
        boot = ("PARTLABEL=esp  /boot/efi  vfat  umask=0077,noatime,nofail  0 2\n"
                "PARTLABEL=data  /var/lib/pbx  ext4  defaults,noatime,commit=5  0 2\n")
    else:                 # MBR has no partition labels: the Pi's autoboot and data partitions by PARTUUID
        from pi import fstab_boot_and_data
        boot = fstab_boot_and_data()
    return ("# / is mounted read-only by the kernel command line (each A/B slot is a whole file system)\n"
            f"{boot}"
            "tmpfs  /tmp      tmpfs  mode=1777,size=64M,nosuid,nodev  0 0\n"
            "tmpfs  /var/tmp  tmpfs  mode=1777,size=32M,nosuid,nodev  0 0\n"
            f"/var/lib/pbx/.system/log      /var/log          none  {BIND}  0 0\n"
            f"/var/lib/pbx/.system/systemd  /var/lib/systemd  none  {BIND}  0 0\n")


BIND = "bind,nofail,x-systemd.requires=var-lib-pbx.mount"


# --- file system and disk images ------------------------------------------------------------------------------
def ext4(source: Path, out: Path, size_mib: int, label: str) -> None:
    out.unlink(missing_ok=True)
    run("mkfs.ext4", "-q", "-F", "-L", label, "-d", source, "-E", "root_owner=0:0", "-O", "^orphan_file", out,
        f"{size_mib}M")


def vfat(out: Path, size_mib: int, label: str, files: dict[str, Path]) -> None:
    out.unlink(missing_ok=True)
    run("mkfs.vfat", "-C", "-n", label, out, str(size_mib * 1024), stdout=subprocess.DEVNULL)
    env = {**os.environ, "MTOOLS_SKIP_CHECK": "1"}
    made: set[str] = set()
    for dest, src in files.items():
        parts = dest.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in made:
                run("mmd", "-i", out, f"::{d}", env=env)
                made.add(d)
        run("mcopy", "-i", out, "-s" if src.is_dir() else "-o", src, f"::{dest}", env=env)


def grub_efi(out: Path) -> Path:
    efi = out / "BOOTX64.EFI"
    run("grub-mkstandalone", "-O", "x86_64-efi", "--locales=", "--fonts=", "--themes=",
        "--modules=part_gpt fat ext2 linux loadenv test echo normal regexp search search_label serial terminal "
        "gzio zstd", "-o", efi, f"boot/grub/grub.cfg={IMAGE / 'grub' / 'grub.cfg'}")
    env = out / "grubenv"
    env.unlink(missing_ok=True)
    run("grub-editenv", env, "create")
    run("grub-editenv", env, "set", "ORDER=A B", "A_OK=1", "A_TRY=0", "B_OK=0", "B_TRY=0")
    return efi


def assemble(out: Path, parts: list[tuple[str, str, int, Path | None]], label: str = "gpt") -> None:
    """Partition table on a plain file (sfdisk) and each partition's image copied in place (sparse)."""
    total = 1 + sum(size for _, _, size, _ in parts) + 1
    out.unlink(missing_ok=True)
    with open(out, "wb") as f:
        f.truncate(total * MiB)
    lines = [f"label: {label}", "unit: sectors"]
    start = MiB // 512
    for name, ptype, size, _ in parts:
        entry = f"start={start}, size={size * MiB // 512}, type={ptype}"
        lines.append(entry + (f', name="{name}"' if label == "gpt" else ""))
        start += size * MiB // 512
    run("sfdisk", "-q", "--no-reread", "--no-tell-kernel", out, input="\n".join(lines) + "\n",
        stdout=subprocess.DEVNULL)
    offset = 1
    for _, _, size, image in parts:
        if image is not None:
            run("dd", f"if={image}", f"of={out}", "bs=1M", f"seek={offset}", "conv=notrunc,sparse",
                "status=none")
        offset += size


GPT_ESP = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
GPT_ROOT_X86_64 = "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709"
GPT_LINUX = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"


def variant_name(arch: str, smoke: bool) -> str:
    return f"{arch}-smoke" if smoke else arch


def disk_name(smoke: bool) -> str:
    return SMOKE_DISK if smoke else "disk.img"


def build(arch: str, wheels_dir: Path | None, args: argparse.Namespace, smoke: bool = False) -> Path:
    """The image directory: disk.img (smoke-disk.img for the smoke variant), rootfs.ext4, build.json."""
    started = time.monotonic()
    cert, _key = signing_pair(args)
    wheel_dir = BUILD / "wheels"
    wheels = [our_wheel(wheel_dir, arch)] + ([] if smoke else [pjsua2_wheel(arch, wheels_dir)])
    digest = content_hash(arch, wheels, cert, smoke)
    variant = variant_name(arch, smoke)
    out = BUILD / f"{variant}-{digest}"
    disk = out / disk_name(smoke)
    if disk.exists() and (out / "build.json").exists():
        log(f"up to date: {disk}")
        return out
    for old in BUILD.glob(f"{variant}-*"):   # earlier builds of this variant only (arm64-* also matches smoke)
        if old != out and re.fullmatch(re.escape(variant) + r"-[0-9a-f]{16}", old.name):
            shutil.rmtree(old, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    rootfs, data = out / "rootfs", out / "data"
    # the plain mmdebstrap result, cached on its own inputs (Debian packages) so that changing our files
    # does not rebuild it; `make clean-image` (rm -rf image/build) starts afresh
    key = hashlib.sha256(json.dumps([arch, SUITE, COMMON_PACKAGES, ARCH[arch]["packages"], DPKG_EXCLUDES,
                                     INITRAMFS_MODULES[arch]]).encode()).hexdigest()[:12]
    debs = BUILD / f"debian-{arch}-{key}"
    t0 = time.monotonic()
    if not (debs.parent / f"{debs.name}.done").exists():
        for stale in BUILD.glob(f"debian-{arch}-*"):
            shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink()
        mmdebstrap(arch, debs)
        (debs.parent / f"{debs.name}.done").touch()
    t_debootstrap = time.monotonic() - t0
    for d in (rootfs, data):
        shutil.rmtree(d, ignore_errors=True)
    run("cp", "-a", "--reflink=auto", debs, rootfs)
    data.mkdir()
    release = f"{_project_version()}+{digest[:8]}" + (".smoke" if smoke else "")   # smoke: in every listing
    install_wheels(rootfs, wheels)
    customize(arch, rootfs, data, cert, release, smoke)
    t1 = time.monotonic()
    spec = ARCH[arch]
    ext4(rootfs, out / "rootfs.ext4", spec["root_mib"], "pbxroot")
    ext4(data, out / "data.ext4", spec["data_mib"], "pbxdata")
    if arch == "amd64":
        efi = grub_efi(out)
        vfat(out / "esp.vfat", spec["boot_mib"], "PBXBOOT", {"EFI/BOOT/BOOTX64.EFI": efi, "grubenv": out / "grubenv"})
        assemble(out / "disk.img", [("esp", GPT_ESP, spec["boot_mib"], out / "esp.vfat"),
                                    ("rootfs-a", GPT_ROOT_X86_64, spec["root_mib"], out / "rootfs.ext4"),
                                    ("rootfs-b", GPT_ROOT_X86_64, spec["root_mib"], None),
                                    ("data", GPT_LINUX, spec["data_mib"], out / "data.ext4")])
    else:
        from pi import pi_disk  # image/pi.py: autoboot + A/B boot partitions (MBR), tryboot
        pi_disk(out, rootfs, {"root_mib": spec["root_mib"], "boot_mib": spec["boot_mib"],
                              "data_mib": spec["data_mib"]})
        if smoke:         # never under the product's file name
            (out / "disk.img").rename(disk)
    t_images = time.monotonic() - t1
    info = {"arch": arch, "release": release, "hash": digest, "seconds_total": round(time.monotonic() - started),
            "seconds_mmdebstrap": round(t_debootstrap), "seconds_images": round(t_images),
            "rootfs_mib": _du_mib(rootfs), "wheels": [w.name for w in wheels], "disk": disk.name}
    if smoke:
        info.update({"smoke": True, "product": False, "pjsua2": None, "masked_units": list(SMOKE_MASKED),
                     "note": "boot smoke test image: no pjsua2, pbxd masked; not a product image"})
    (out / "build.json").write_text(json.dumps(info, indent=1))
    log(f"built {disk} in {info['seconds_total']} s (mmdebstrap {info['seconds_mmdebstrap']} s)")
    return out


def _du_mib(path: Path) -> int:
    return int(run("du", "-sm", "-x", path, capture_output=True).stdout.split()[0])


def _project_version() -> str:
    import tomllib
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def bundle(arch: str, image_dir: Path, out: Path, version: str, args: argparse.Namespace,
           rootfs_image: Path | None = None) -> Path:
    """A signed RAUC bundle that writes rootfs.ext4 into the inactive root slot."""
    cert, key = signing_pair(args)
    work = out.with_suffix(".d")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    src = rootfs_image or image_dir / "rootfs.ext4"
    os.link(src, work / "rootfs.ext4") if src.stat().st_dev == work.stat().st_dev else shutil.copy(src, work)
    (work / "manifest.raucm").write_text(
        f"[update]\ncompatible={ARCH[arch]['compatible']}\nversion={version}\n\n"
        f"[image.rootfs]\nfilename=rootfs.ext4\n")
    out.unlink(missing_ok=True)
    run("rauc", "bundle", f"--cert={cert}", f"--key={key}", "--mksquashfs-args=-noI -noD -noF -noX -no-xattrs",
        work, out, stdout=subprocess.DEVNULL)
    shutil.rmtree(work, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", choices=sorted(ARCH), default="amd64")
    p.add_argument("--wheels", type=Path, help="directory with the pjsua2-python wheel (required for arm64)")
    p.add_argument("--signing-cert", help="update-signing certificate (PEM); default: a development key")
    p.add_argument("--signing-key", help="its private key (PEM)")
    p.add_argument("--bundle", type=Path, help="also write a signed RAUC update bundle of the image to this file")
    p.add_argument("--version", default="", help="bundle version (default: the image's release)")
    p.add_argument("--smoke", action="store_true",
                   help="arm64 only (also PBX_ARM64_SMOKE=1): boot smoke-test card without pjsua2, pbxd masked; "
                        "image/build/arm64-smoke-<hash>/smoke-disk.img, never a product image")
    args = p.parse_args(argv)
    args.smoke = args.smoke or (args.arch == "arm64" and os.environ.get("PBX_ARM64_SMOKE") == "1")
    if args.smoke and args.arch != "arm64":
        sys.exit("mkimage: --smoke (PBX_ARM64_SMOKE=1) is for --arch arm64 only (amd64 has its pjsua2 wheel)")
    if args.smoke and (args.bundle or args.wheels):
        sys.exit("mkimage: the smoke image makes no update bundles and takes no wheels: it is never a product")
    if os.geteuid() != 0:
        sys.exit("mkimage: run as root (mmdebstrap's root mode keeps file ownership without fakeroot)")
    if args.arch == "arm64" and not args.smoke:
        pjsua2_wheel("arm64", args.wheels)     # exits with the explanation, before any slow step
    out = build(args.arch, args.wheels, args, args.smoke)
    print(out / disk_name(args.smoke))
    if args.bundle:
        release = json.loads((out / "build.json").read_text())["release"]
        print(bundle(args.arch, out, args.bundle, args.version or release, args))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(IMAGE))
    sys.exit(main())
