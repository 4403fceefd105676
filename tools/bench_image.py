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


def run() -> str:
    lines = ["## System image", ""]
    builds = _builds()
    if builds:
        lines += ["| arch | release | build total s | of it mmdebstrap s | file systems + disk s | root fs MiB |",
                  "|---|---|---|---|---|---|"]
        for b in builds:
            lines.append(f"| {b.get('arch')} | {b.get('release')} | {b.get('seconds_total')} | "
                         f"{b.get('seconds_mmdebstrap')} | {b.get('seconds_images')} | {b.get('rootfs_mib')} |")
        lines.append("")
        lines.append("mmdebstrap 0 s = the Debian root file system was reused from image/build (cached on the "
                     "package list); a fresh one takes 100-150 s on amd64 here.")
    else:
        lines.append("No image built on this machine yet (`make image`).")
    timings = BUILD / "timings.json"
    if timings.exists():
        data = json.loads(timings.read_text())
        lines += ["", "| measurement (QEMU, " + str(data.get("accel", "tcg")) + ") | seconds |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in data.items() if k != "accel"]
    note = ROOT / "image" / "RESULTS.md"
    if note.exists():
        lines += ["", note.read_text().strip()]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
