"""Device-tree overlay of the telephony board: generated from overlays/board.yaml, compiles cleanly with dtc,
applies with fdtoverlay onto Debian's Raspberry Pi 4 / CM4 / Pi 3 device trees (once the symbols are added),
and the resulting nodes carry the same port -> chip select -> GPIO -> PCM slot mapping as pbxd's board config."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from firmware.config.model import default_modules
from firmware.config.store import parse_config

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = ROOT / "overlays"
BUILD = OVERLAYS / "build"

needs_dtc = pytest.mark.skipif(shutil.which("dtc") is None or shutil.which("fdtoverlay") is None,
                               reason="device-tree-compiler is not installed (make setup installs it)")


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("overlay_generate", OVERLAYS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _generator()
BOARD: dict[str, Any] = gen.load_board()


def fdtget(dtb: Path, node: str, prop: str, kind: str = "") -> str:
    args = ["fdtget", *(["-t", kind] if kind else []), str(dtb), node, prop]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


def test_generated_files_are_current() -> None:
    assert gen.main(["--check"]) == 0, "overlays/pbx-board.dts or board-config.yaml is stale: run `make overlays`"


def test_board_description_has_no_wiring_conflicts() -> None:
    assert gen.check_board(BOARD) == []
    clash = {**BOARD, "modules": [*BOARD["modules"][:-1], {**BOARD["modules"][-1], "reset_gpio": 20}]}
    assert any("GPIO 20 is both PCM and reset of port 6" in p for p in gen.check_board(clash))
    no_pin = {**BOARD, "modules": [{**BOARD["modules"][0], "cs": 9}]}
    assert any("chip select 9 has no GPIO" in p for p in gen.check_board(no_pin))


def _mapping(modules: list[Any]) -> dict[int, tuple[Any, ...]]:
    def get(m: Any, key: str) -> Any:
        return m.get(key) if isinstance(m, dict) else getattr(m, key)
    return {get(m, "port"): (get(m, "type"), get(m, "chip"), get(m, "cs"), get(m, "position") or 0,
                             get(m, "reset_gpio"), get(m, "int_gpio"),
                             get(m, "pcm_slot") if get(m, "pcm_slot") is not None else get(m, "port") - 1)
            for m in modules}


def test_shipped_board_config_matches_the_board_description() -> None:
    cfg = parse_config((OVERLAYS / "board-config.yaml").read_text(), "board-config.yaml")
    assert cfg.board.kind == "linux"
    assert cfg.board.spi.bus == BOARD["spi"]["bus"] and cfg.board.spi.mode == BOARD["spi"]["mode"]
    assert cfg.board.pcm.device == f"hw:CARD={BOARD['pcm']['card']},DEV=0"
    assert _mapping(cfg.board.modules) == _mapping(BOARD["modules"])


def test_default_modules_match_the_board_description() -> None:
    assert _mapping(default_modules()) == _mapping(BOARD["modules"])


def test_default_modules_match_the_board_except_the_pcm_pin_clash() -> None:
    ours = _mapping(BOARD["modules"])
    theirs = _mapping(default_modules())
    assert set(ours) == set(theirs)
    for port in ours:
        mine, default = ours[port], theirs[port]
        if port == 6:
            mine, default = mine[:4] + mine[5:], default[:4] + default[5:]
        assert mine == default, f"port {port}"


@pytest.fixture(scope="module")
def dtbo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dt") / "pbx-board.dtbo"
    result = subprocess.run(["dtc", "-@", "-I", "dts", "-O", "dtb", "-o", str(out), str(OVERLAYS / "pbx-board.dts")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", f"dtc warnings:\n{result.stderr}"
    return out


@pytest.fixture(scope="module")
def base() -> Path:
    """Debian's Pi device trees (downloaded once into overlays/build/base) and copies with symbols added."""
    target = BUILD / "base"
    result = subprocess.run(["bash", str(OVERLAYS / "base-dtb.sh"), str(target)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"could not fetch Debian's Pi device trees:\n{result.stderr[-2000:]}")
    return target


@needs_dtc
def test_overlay_compiles_without_warnings(dtbo: Path) -> None:
    assert dtbo.stat().st_size > 0
    assert "__fixups__" in subprocess.run(["fdtget", "-l", str(dtbo), "/"], capture_output=True, text=True).stdout


@needs_dtc
@pytest.mark.slow
def test_debian_tree_lacks_symbols_so_the_overlay_needs_them_added(base: Path, dtbo: Path, tmp_path: Path) -> None:
    out = tmp_path / "merged.dtb"
    plain = subprocess.run(["fdtoverlay", "-i", str(base / "debian" / "bcm2711-rpi-4-b.dtb"), "-o", str(out),
                            str(dtbo)], capture_output=True, text=True)
    assert plain.returncode != 0 and "FDT_ERR_NOTFOUND" in plain.stderr


@needs_dtc
@pytest.mark.slow
@pytest.mark.parametrize("tree", ["bcm2711-rpi-4-b", "bcm2711-rpi-cm4-io", "bcm2837-rpi-3-b"])
def test_overlay_applies_and_nodes_match_the_board(base: Path, dtbo: Path, tmp_path: Path, tree: str) -> None:
    merged = tmp_path / f"{tree}-pbx.dtb"
    subprocess.run(["fdtoverlay", "-i", str(base / f"{tree}.dtb"), "-o", str(merged), str(dtbo)],
                   check=True, capture_output=True, text=True)
    spi = "/soc/spi@7e204000"
    assert fdtget(merged, spi, "status") == "okay"
    gpio_phandle = fdtget(merged, "/soc/gpio@7e200000", "phandle", "u")
    cells = fdtget(merged, spi, "cs-gpios", "u").split()
    triples = [cells[i:i + 3] for i in range(0, len(cells), 3)]
    assert [int(t[1]) for t in triples] == BOARD["spi"]["cs_gpios"]
    assert all(t[0] == gpio_phandle and t[2] == "1" for t in triples)     # <&gpio N GPIO_ACTIVE_LOW>
    for m in BOARD["modules"]:
        node = f"{spi}/{m['type']}@{m['cs']}"
        assert fdtget(merged, node, "compatible") == f"silabs,{m['chip']}"
        assert int(fdtget(merged, node, "reg", "u")) == m["cs"]
        assert int(fdtget(merged, node, "pbx,port", "u")) == m["port"]
        assert int(fdtget(merged, node, "pbx,pcm-slot", "u")) == m["pcm_slot"]
        assert int(fdtget(merged, node, "spi-max-frequency", "u")) == BOARD["spi"]["speed_hz"]
        assert fdtget(merged, node, "reset-gpios", "u").split() == [gpio_phandle, str(m["reset_gpio"]), "1"]
        if m.get("int_gpio") is not None:
            assert fdtget(merged, node, "interrupts", "u").split() == [str(m["int_gpio"]), "8"]
    assert fdtget(merged, "/soc/i2s@7e203000", "status") == "okay"
    assert fdtget(merged, "/pbx-sound", "simple-audio-card,name") == BOARD["pcm"]["card"]
    assert fdtget(merged, "/pbx-sound", "simple-audio-card,format") == BOARD["pcm"]["format"]
    assert fdtget(merged, "/pbx-sound/simple-audio-card,cpu", "dai-tdm-slot-num", "u") == str(
        BOARD["pcm"]["alsa_channels"])
    i2s = fdtget(merged, "/soc/i2s@7e203000", "phandle", "u")
    assert fdtget(merged, "/pbx-sound/simple-audio-card,cpu", "sound-dai", "u") == i2s
    ports = [int(p) for p in fdtget(merged, "/pbx-board", "pbx,ports", "u").split()]
    assert ports == sorted(m["port"] for m in BOARD["modules"])
