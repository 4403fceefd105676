"""Config schema versions: old files load migrated, current files keep their line numbers, newer files are refused."""

from __future__ import annotations

import pytest

from firmware.config.migrate import CURRENT_VERSION, migrate_text, upgrade_text
from firmware.config.schema import ConfigProblems
from firmware.config.store import ConfigStore, dump_config, parse_config
from firmware.contracts.errors import ConfigError

V1 = """\
# written by firmware 0.1 (no version key)
country: DE
fxo:
  - {port: 5, echo_tail_ms: 48}   # v1 allowed any tail 8-128
  - {port: 6, echo_tail_ms: 16}
"""


def test_unversioned_file_is_version_1_and_migrates() -> None:
    cfg = parse_config(V1)
    assert [p.echo_tail_ms for p in cfg.fxo] == [64, 32]


def test_upgrade_writes_the_current_version_and_keeps_comments() -> None:
    text = upgrade_text(V1)
    assert text.startswith(f"# written by firmware 0.1 (no version key)\nversion: {CURRENT_VERSION}\n")
    assert "# v1 allowed any tail" in text
    assert parse_config(text).fxo[0].echo_tail_ms == 64


def test_dump_writes_the_version_and_reads_back_equal() -> None:
    cfg = parse_config(V1)
    text = dump_config(cfg)
    assert f"\nversion: {CURRENT_VERSION}\n" in text
    assert parse_config(text) == cfg


def test_current_file_keeps_line_numbers_in_errors() -> None:
    text = f"version: {CURRENT_VERSION}\ncountry: DE\nfxs:\n  - {{port: 1, loop_curent_ma: 20}}\n"
    assert migrate_text(text).splitlines()[1:] == text.splitlines()[1:]
    with pytest.raises(ConfigProblems) as err:
        parse_config(text)
    assert err.value.problems[0].line == 4


def test_unchanged_old_file_keeps_its_text() -> None:
    text = "country: DE\nfxs:\n  - {port: 1, loop_current_ma: 20}\n"
    assert migrate_text(text) == text


def test_newer_version_is_refused_with_its_line() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(f"country: DE\nversion: {CURRENT_VERSION + 1}\n")
    assert "newer firmware" in str(err.value) and err.value.line == 2


@pytest.mark.parametrize("bad", ["two", "0", "1.5", "true"])
def test_bad_version_value(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_config(f"version: {bad}\n")


def test_store_saves_current_version(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = ConfigStore(tmp_path / "pbx.yaml")
    store.save(parse_config(V1))
    assert (tmp_path / "pbx.yaml").read_text().count(f"version: {CURRENT_VERSION}") == 1
    assert store.load().fxo[1].echo_tail_ms == 32
