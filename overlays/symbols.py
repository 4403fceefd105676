"""Adds the `__symbols__` (and phandles) that our overlay needs to a Debian Raspberry Pi DTB.

Debian builds its device trees without `dtc -@`, so they carry no `__symbols__` node and
neither fdtoverlay nor the Pi firmware can resolve an overlay's `&spi0`, `&gpio` or `&i2s`.
This writes `__symbols__/<label> = "<node path>"` for exactly the labels the Raspberry Pi
kernel tree gives those nodes (same names, so Raspberry Pi OS overlays also resolve), and a
phandle on a node that has none. Uses fdtget/fdtput from device-tree-compiler.

    python3 overlays/symbols.py IN.dtb OUT.dtb
"""

from __future__ import annotations

import shutil
import subprocess
import sys

# label -> node name under /soc (the BCM283x/BCM2711 peripheral addresses, as in the Pi kernel's DT)
LABELS = {"spi0": "spi@7e204000", "gpio": "gpio@7e200000", "i2s": "i2s@7e203000"}


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


def phandles(dtb: str, path: str = "/") -> list[int]:
    found = []
    try:
        found.append(int(run("fdtget", "-t", "u", dtb, path, "phandle")))
    except subprocess.CalledProcessError:
        pass
    for child in run("fdtget", "-l", dtb, path).split():
        found += phandles(dtb, f"{path.rstrip('/')}/{child}")
    return found


def add_symbols(src: str, dst: str) -> dict[str, str]:
    shutil.copyfile(src, dst)
    soc = run("fdtget", "-l", dst, "/soc").split()
    next_phandle = max(phandles(dst), default=0) + 1
    subprocess.run(["fdtput", "-c", dst, "/__symbols__"], check=True)
    added = {}
    for label, name in LABELS.items():
        if name not in soc:
            raise SystemExit(f"{src}: no /soc/{name} for label {label}")
        path = f"/soc/{name}"
        try:
            run("fdtget", dst, path, "phandle")
        except subprocess.CalledProcessError:
            run("fdtput", "-t", "u", dst, path, "phandle", str(next_phandle))
            next_phandle += 1
        run("fdtput", "-t", "s", dst, "/__symbols__", label, path)
        added[label] = path
    return added


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    add_symbols(sys.argv[1], sys.argv[2])
