"""Test support for the Raspberry Pi layout: Debian's arm64 boot packages (apt-get download with a private apt
configuration, as overlays/base-dtb.sh does) and a model of what the Pi 4 EEPROM bootloader does with
autoboot.txt, written from the Raspberry Pi documentation (autoboot.txt, tryboot), not from image/pi*.py.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEBS = ROOT / "image" / "build" / "pi-debs"


def _debian_mirror() -> str:
    """The Debian mirror this machine's apt uses (deb.debian.org when none is configured)."""
    texts = [p.read_text() for p in Path("/etc/apt").glob("sources.list.d/*.sources")]
    if Path("/etc/apt/sources.list").exists():
        texts.append(Path("/etc/apt/sources.list").read_text())
    for text in texts:
        for uri in re.findall(r"(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+)", text):
            if re.search(r"/debian/?$", uri):
                return uri
    return "http://deb.debian.org/debian"


def fetch_debs() -> dict[str, Path]:
    """raspi-firmware and the kernel package linux-image-arm64 depends on (bookworm, arm64), cached in
    image/build/pi-debs: {"raspi-firmware": deb, "kernel": deb}."""
    found = {"raspi-firmware": sorted(DEBS.glob("raspi-firmware_*.deb")),
             "kernel": sorted(DEBS.glob("linux-image-*-arm64_*.deb"))}
    if all(found.values()):
        return {k: v[-1] for k, v in found.items()}
    work = DEBS / "apt"
    for d in ("etc/apt/sources.list.d", "etc/apt/apt.conf.d", "etc/apt/preferences.d", "var/lib/apt/lists/partial",
              "var/cache/apt/archives/partial", "var/lib/dpkg"):
        (work / d).mkdir(parents=True, exist_ok=True)
    (work / "var/lib/dpkg/status").touch()
    (work / "etc/apt/sources.list.d/debian.sources").write_text(
        f"Types: deb\nURIs: {_debian_mirror()}\nSuites: bookworm bookworm-updates\n"
        "Components: main non-free-firmware\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n")
    apt = ["apt-get", "-q", "-o", f"Dir={work}", "-o", f"Dir::State::status={work}/var/lib/dpkg/status",
           "-o", "APT::Sandbox::User=root", "-o", "APT::Architecture=arm64", "-o", "APT::Architectures::=arm64",
           "-o", "Dir::Etc::trusted=/etc/apt/trusted.gpg", "-o", "Dir::Etc::trustedparts=/etc/apt/trusted.gpg.d"]
    subprocess.run([*apt, "update"], check=True, capture_output=True, text=True)
    plan = subprocess.run([*apt, "install", "-s", "linux-image-arm64"], check=True, capture_output=True,
                          text=True).stdout
    kernel = re.search(r"^Inst (linux-image-\d\S*-arm64) ", plan, re.M)
    if not kernel:
        raise RuntimeError("no arm64 kernel package in the Debian sources")
    subprocess.run([*apt, "download", "raspi-firmware", f"{kernel.group(1)}:arm64"], check=True, cwd=DEBS,
                   capture_output=True, text=True)
    return {"raspi-firmware": sorted(DEBS.glob("raspi-firmware_*.deb"))[-1],
            "kernel": sorted(DEBS.glob(f"{kernel.group(1)}_*.deb"))[-1]}


def extract(deb: Path, dest: Path, *patterns: str) -> None:
    """Only the members matching `patterns` (tar wildcards) of a .deb into dest."""
    dest.mkdir(parents=True, exist_ok=True)
    data = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest), "--wildcards", *patterns], input=data, check=True)


def parse_config(text: str) -> dict[str, dict[str, str]]:
    """A Raspberry Pi config file (autoboot.txt): `[filter]` sections, `key=value` lines, later wins."""
    sections: dict[str, dict[str, str]] = {}
    current = "all"
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
        else:
            key, _, value = line.partition("=")
            sections.setdefault(current, {})[key] = value
    return sections


def bootloader_partition(autoboot: str, tryboot: bool) -> int:
    """The partition the Pi 4 bootloader boots: autoboot.txt's boot_partition, from [tryboot] when the tryboot
    flag is set and tryboot_a_b=1 (then the normal config.txt of that partition is read)."""
    sections = parse_config(autoboot)
    settings = dict(sections.get("all", {}))
    if tryboot and settings.get("tryboot_a_b") == "1":
        settings.update(sections.get("tryboot", {}))
    return int(settings["boot_partition"])
