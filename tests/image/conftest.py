"""Image tests: build the amd64 image once per session (cached by content hash in image/build/), boot it in QEMU.

They need root (mmdebstrap's root mode), the Debian mirror and the image tooling from the Makefile's
DEB_PACKAGES; without them they skip with the reason. PBX_IMAGE_TESTS=0 skips them on purpose.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.image.vm import Vm, debugfs, partitions

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("mmdebstrap", "qemu-system-x86_64", "mkfs.ext4", "mkfs.vfat", "mcopy", "sfdisk", "grub-mkstandalone",
         "rauc", "debugfs", "qemu-img")


def _missing() -> str:
    if os.environ.get("PBX_IMAGE_TESTS") == "0":
        return "PBX_IMAGE_TESTS=0"
    if os.geteuid() != 0:
        return "the image build needs root (mmdebstrap root mode)"
    gone = [t for t in TOOLS if shutil.which(t) is None]
    if gone:
        return f"image tooling missing: {', '.join(gone)} (make setup installs it)"
    if not Path("/usr/share/OVMF/OVMF_CODE.fd").exists():
        return "OVMF firmware missing (Debian package ovmf)"
    return ""


# the boot test runs in `make test`; the update and power-cut tests (several reboots under emulation) and the
# arm64 checks in `make image-check` (PBX_IMAGE_CHECK=1)
CHECK_ONLY = ("test_update.py",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing()
    for item in items:
        # test_arm64 and the Pi layout tests need no VM, mmdebstrap or root: they check their own tools
        if ("tests/image/" in item.nodeid.replace(os.sep, "/") and "test_arm64" not in item.nodeid
                and "test_pi_" not in item.nodeid):
            item.add_marker(pytest.mark.image)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))
            elif any(name in item.nodeid for name in CHECK_ONLY) and os.environ.get("PBX_IMAGE_CHECK") != "1":
                item.add_marker(pytest.mark.skip(reason=(
                    "the update and power-cut tests reboot the VM a dozen times (about 45 min under software "
                    "emulation): `make image-check` runs them (PBX_IMAGE_CHECK=1)")))


@pytest.fixture(scope="session")
def image_dir() -> Path:
    """The amd64 image directory (disk.img, rootfs/, rootfs.ext4, build.json), built or reused."""
    result = subprocess.run([sys.executable, str(ROOT / "image" / "mkimage.py"), "--arch", "amd64"],
                            capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        pytest.fail(f"make image failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    return Path(result.stdout.strip().splitlines()[-1]).parent


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vm")


@pytest.fixture(scope="session")
def service_disk(image_dir: Path, workdir: Path) -> Path:
    """A copy of the image as flashed, plus the service-mode flag (serial console autologin) on its data
    partition, as someone holding the SD card would put it there: the tests drive pbxctl over the console."""
    base = workdir / "flashed.raw"
    subprocess.run(["cp", "--sparse=always", str(image_dir / "disk.img"), str(base)], check=True)
    offset = partitions(base)["data"][0]
    debugfs(base, offset, "cd .system", "write /dev/null console-autologin")
    return base


def overlay(base: Path, path: Path, size: str = "6G") -> Path:
    """A fresh writable disk on top of `base` (qcow2), bigger than the image so first boot grows the data."""
    path.unlink(missing_ok=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", str(base), "-F", "raw", str(path), size],
                   check=True)
    return path


@pytest.fixture
def make_vm(workdir: Path) -> Iterator[list[Vm]]:
    made: list[Vm] = []
    yield made
    for vm in made:
        vm.kill()
