"""`make bench`: run the benchmarks and write BENCHMARKS.md (machine, date, results).

Benchmarks measure speed and memory; tests never assert on them. Each section is a function
returning markdown; `python -m tools.bench [section ...]` runs all or some of them.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTIONS: dict[str, str] = {
    "fxs": "tools.bench_fxs:run",
    "calls": "tools.bench_calls:run",
    "fxo": "tools.bench_fxo:run",
    "media": "tools.bench_media:run",
    "sip": "tools.bench_sip:run",
    "features": "tools.bench_features:run",
    "ivr": "tools.bench_ivr:run",
    "image": "tools.bench_image:run",
}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = os.cpu_count()
    mem = ""
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines()
                      if x.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1048576:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                         text=True).stdout.strip()
    return (f"{cpu}, {cores} cores{mem}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; commit {rev or '?'}")


def load(spec: str) -> Callable[[], str]:
    module, _, func = spec.partition(":")
    fn: Callable[[], str] = getattr(importlib.import_module(module), func)
    return fn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sections", nargs="*", choices=[*SECTIONS, []], default=[])
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    chosen = args.sections or list(SECTIONS)
    parts = [
        "# Benchmarks",
        "",
        f"Measured {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on: {machine()}.",
        "The virtual board runs in real time here; figures for the real board will differ "
        "(SPI transfers cost more than the virtual bus). Produced by `make bench`.",
        "",
    ]
    for name in chosen:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        parts.append(load(SECTIONS[name])())
        parts.append("")
    args.out.write_text("\n".join(parts))
    print(f"bench: wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
