"""arm64 (Raspberry Pi 4 / CM4) image: the build fails early and clearly without a pjsua2 wheel for aarch64.

The full arm64 build and its QEMU boots (virt and raspi3b) belong to `make image-check`
(PBX_IMAGE_CHECK=1), not `make test`; see image/README.md for what is and is not proven on arm64.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(os.geteuid() != 0, reason="mkimage runs as root")
def test_arm64_build_without_the_pjsua2_wheel_fails_early_and_says_why(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "image" / "mkimage.py"), "--arch", "arm64"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "needs --wheels DIR" in result.stderr and "image/README.md" in result.stderr
    result = subprocess.run([sys.executable, str(ROOT / "image" / "mkimage.py"), "--arch", "arm64",
                             "--wheels", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode != 0 and "no pjsua2_python-" in result.stderr


@pytest.mark.skipif(os.environ.get("PBX_IMAGE_CHECK") != "1" or not os.environ.get("PBX_ARM64_WHEELS"),
                    reason="make image-check with PBX_ARM64_WHEELS=<dir with the aarch64 pjsua2 wheel>")
def test_arm64_image_builds() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "image" / "mkimage.py"), "--arch", "arm64", "--wheels",
                             os.environ["PBX_ARM64_WHEELS"]], capture_output=True, text=True, timeout=5400)
    assert result.returncode == 0, result.stderr[-4000:]
