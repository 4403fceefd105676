"""Config file: validation names key path and line; saves are atomic and keep versions."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from firmware.config.model import Config
from firmware.config.schema import ConfigProblems
from firmware.config.store import ConfigStore, dump_config, load_config, parse_config
from firmware.contracts.errors import ConfigError


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigProblems) as info:
        parse_config(textwrap.dedent(text), "pbx.yaml")
    return [str(p) for p in info.value.problems]


def test_no_file_means_default_virtual_board_with_4_fxs_and_2_fxo() -> None:
    cfg = load_config(None)
    kinds = [m.type for m in cfg.board.modules]
    assert cfg.board.kind == "virtual"
    assert kinds.count("fxs") == 4 and kinds.count("fxo") == 2


def test_dump_and_parse_round_trip() -> None:
    cfg = Config()
    assert parse_config(dump_config(cfg)) == cfg


def test_misspelt_key_is_named_with_its_line_and_a_suggestion() -> None:
    found = problems("""
        country: DE
        fxs:
          - port: 1
            loop_curent_ma: 30
        """)
    assert found == ["fxs[0].loop_curent_ma (line 5): unknown key 'loop_curent_ma' "
                     "(did you mean 'loop_current_ma'?); known keys here: port, ring_mode, "
                     "loop_current_ma, dtmf, rx_gain_db, tx_gain_db, caller_id, caller_id_timing, "
                     "caller_id_format"]


def test_wrong_types_and_ranges_are_all_reported_in_line_order() -> None:
    found = problems("""
        board:
          modules:
            - port: 1
              type: fxq
              cs: 9
        fxs:
          - port: 1
            rx_gain_db: loud
        """)
    assert "board.modules[0].type (line 5): 'fxq' is not one of fxs, fxo" in found
    assert "board.modules[0].cs (line 6): 9 is outside 0..7" in found
    assert "fxs[0].rx_gain_db (line 9): must be a number, not 'loud'" in found


def test_cross_field_problems_point_at_the_offending_entry() -> None:
    found = problems("""
        board:
          modules:
            - {port: 1, type: fxs, cs: 0}
            - {port: 1, type: fxs, cs: 1}
            - {port: 3, type: fxo, cs: 1}
        fxo:
          - port: 1
        """)
    assert "board.modules[1].port (line 5): port 1 is already modules[0]" in found
    assert "board.modules[2].cs (line 6): chip select 1 mixes FXS and FXO modules" in found
    assert "fxo[0].port (line 8): port 1 is an fxs port" in found


def test_text_keeps_leading_zeros_and_numbers_must_be_numbers() -> None:
    cfg = parse_config("fxo:\n  - port: 5\n    calibration_number: 0049301234\nboard:\n  modules:\n"
                       "    - {port: 5, type: fxo}\n")
    assert cfg.fxo[0].calibration_number == "0049301234"
    assert problems("fxo:\n  - port: '5'\n") == ["fxo[0].port (line 2): must be a whole number, not '5'"]


def test_yaml_syntax_error_names_the_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("country: DE\nboard: [unclosed\n", "pbx.yaml")
    assert info.value.line is not None and info.value.line >= 2
    assert "pbx.yaml:" in str(info.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


def test_save_keeps_ten_previous_versions_and_restores_one(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "pbx.yaml")
    for i in range(13):
        store.save(Config(timezone=f"Etc/GMT+{i % 12}"))
    versions = store.versions()
    assert len(versions) == 10
    assert load_config(versions[0]).timezone == "Etc/GMT+11"
    store.restore(versions[0].name)
    assert store.load().timezone == "Etc/GMT+11"
    with pytest.raises(ConfigError):
        store.restore("../../etc/passwd")


def test_invalid_config_is_refused_and_the_file_is_untouched(tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "pbx.yaml")
    store.save(Config(timezone="Europe/Berlin"))
    before = store.path.read_bytes()
    with pytest.raises(ConfigError):
        store.save("fxs:\n  - port: 99\n")
    assert store.path.read_bytes() == before


WRITER = """
import sys
from firmware.config.model import Config
from firmware.config.store import ConfigStore
store = ConfigStore(sys.argv[1])
i = 0
print("ready", flush=True)
while True:
    store.save(Config(timezone="Europe/Berlin" if i % 2 else "Europe/Warsaw"))
    i += 1
"""


def test_kill_9_during_saves_always_leaves_a_whole_config(tmp_path: Path) -> None:
    path = tmp_path / "pbx.yaml"
    ConfigStore(path).save(Config(timezone="Europe/Moscow"))
    for attempt in range(8):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE,
                                cwd=Path(__file__).resolve().parents[2])
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(0.05 + 0.037 * attempt)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        cfg = load_config(path)  # must parse: old or new, never a mix
        assert cfg.timezone in {"Europe/Berlin", "Europe/Warsaw", "Europe/Moscow"}


def test_unknown_country_is_named_with_suggestions() -> None:
    found = problems("country: Germny\n")
    assert len(found) == 1 and found[0].startswith("country (line 1): ") and "Germny" in found[0]
