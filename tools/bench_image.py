"""Benchmarks section: the system image (build times, size, boot to login/web page under QEMU, image checks).

Reads what the last `make image` / `make test` (amd64 boot test) / `make image-check` (arm64) runs recorded in
image/build/ (build.json of each image, timings.json written by the image tests) and the committed results
note image/RESULTS.md; it builds and boots nothing itself (that takes minutes, see the README).
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "image" / "build"


def _builds() -> list[dict[str, object]]:
    out = []
    for f in sorted(BUILD.glob("*-*/build.json")):
        try:
            out.append(json.loads(f.read_text()))
        except (OSError, ValueError):
            continue
    return out


def _disk_size(arch: str, digest: str) -> str:
    """The disk image's size as a file and the blocks it really uses (sparse: what `dd` writes, what a
    compressed download carries roughly)."""
    disk = BUILD / f"{arch}-{digest}" / "disk.img"
    try:
        st = disk.stat()
    except OSError:
        return "-"
    return f"{st.st_size / 2**20:.0f} / {st.st_blocks * 512 / 2**20:.0f}"


def run() -> str:
    lines = ["## System image", ""]
    builds = _builds()
    if builds:
        lines += ["| arch | release | build total s | of it mmdebstrap s | file systems + disk s | root fs MiB "
                  "| disk image MiB (file / data in it) |",
                  "|---|---|---|---|---|---|---|"]
        for b in builds:
            lines.append(f"| {b.get('arch')} | {b.get('release')} | {b.get('seconds_total')} | "
                         f"{b.get('seconds_mmdebstrap')} | {b.get('seconds_images')} | {b.get('rootfs_mib')} | "
                         f"{_disk_size(str(b.get('arch')), str(b.get('hash')))} |")
        lines.append("")
        lines.append("mmdebstrap 0 s = the Debian root file system was reused from image/build (cached on the "
                     "package list); a fresh one takes 100-150 s on amd64 here.")
    else:
        lines.append("No image built on this machine yet (`make image`).")
    timings = BUILD / "timings.json"
    if timings.exists():
        data = json.loads(timings.read_text())
        lines += ["", "| measurement (QEMU, " + str(data.get("accel", "tcg")) + ") | seconds |", "|---|---|"]
        about = ("accel", "image", "measured", "host load (1 min)")
        lines += [f"| {k} | {v} |" for k, v in data.items() if k not in about]
        lines += ["", f"Measured {data.get('measured', '?')} on image {data.get('image', '?')}, host load "
                      f"{data.get('host load (1 min)', '?')} (the boot test in `make test` records it)."]
    note = ROOT / "image" / "RESULTS.md"
    if note.exists():
        lines += ["", note.read_text().strip()]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
