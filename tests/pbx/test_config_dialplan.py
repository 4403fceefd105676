"""Dial-plan config: defaults, and every overlap or dangling reference reported with its key path."""

from __future__ import annotations

import textwrap

import pytest

from firmware.config.dialplan import ExtensionConfig, NumberingConfig
from firmware.config.model import Config
from firmware.config.schema import ConfigProblems
from firmware.config.store import dump_config, parse_config
from firmware.pbx.numbering_plans import Permission
from firmware.pbx.settings import PbxSettings
from firmware.telephony.countries import COUNTRIES


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigProblems) as info:
        parse_config(textwrap.dedent(text), "pbx.yaml")
    return [str(p) for p in info.value.problems]


def test_defaults_one_extension_per_fxs_port_national_class() -> None:
    cfg = Config()
    exts = cfg.extension_list()
    assert [(e.number, e.port, e.display_name, e.permission) for e in exts] == [
        ("201", 1, "Extension 201", "national"), ("202", 2, "Extension 202", "national"),
        ("203", 3, "Extension 203", "national"), ("204", 4, "Extension 204", "national")]
    settings = PbxSettings.from_config(cfg)
    assert settings.extensions[0].permission is Permission.NATIONAL
    assert settings.plan.outside_prefix == "0" and settings.plan.emergency == ("112", "110")
    assert settings.inbound_destination("fxo:5") == "201" and settings.inbound_destination("fxo:6") == "201"
    assert settings.plan.timeouts.first_digit_s == 16.0 and settings.plan.timeouts.inter_digit_s == 8.0
    assert settings.plan.timeouts.match_s == 3.0


def test_country_defaults_for_us_and_russia() -> None:
    us = PbxSettings.from_config(Config(country="US"))
    ru = PbxSettings.from_config(Config(country="RU"))
    assert us.plan.outside_prefix == "9" and "911" in us.plan.emergency
    assert ru.plan.outside_prefix == "0" and "112" in ru.plan.emergency


def test_dialplan_round_trips_through_yaml() -> None:
    cfg = parse_config(textwrap.dedent("""
        extensions:
          - {number: "21", port: 1, name: Reception, permission: international}
          - {number: "22", port: 2}
        routes:
          - {name: city, pattern: _0Z., lines: [fxo:6, fxo:5], strip: 1, strategy: round_robin}
        inbound:
          - {line: fxo:6, destination: "22"}
        numbering:
          outside_prefix: "0"
          emergency: ["112"]
          feature_codes: [{code: "*8", feature: pickup}]
          match_s: 2.5
        calls: {special_info_tone: true, no_answer_s: 30}
        """))
    assert cfg.extensions[0].permission == "international"
    assert cfg.numbering.match_s == 2.5 and cfg.calls.special_info_tone
    assert parse_config(dump_config(cfg)) == cfg


def test_overlapping_numbers_and_bad_references_name_their_key_paths() -> None:
    found = problems("""
        extensions:
          - {number: "201", port: 1}
          - {number: "201", port: 2}
          - {number: "11", port: 3}
          - {number: "05", port: 4}
          - {number: "207", port: 5}
        routes:
          - {name: out, pattern: _0X., lines: [fxo:5, fxo:9]}
        inbound:
          - {line: fxo:6, destination: "299"}
        """)
    assert "extensions[1].number (line 4): 201 is already extensions[0]" in found
    assert "extensions[2].number (line 5): extension 11 overlaps the emergency number 112" in found
    assert "extensions[3].number (line 6): extension 05 begins with the outside-line prefix '0'" in found
    assert "extensions[4].port (line 7): port 5 is not an FXS port on the board" in found
    assert "routes[0].lines[1] (line 9): no line fxo:9 on this box (lines: fxo:5, fxo:6)" in found
    assert "inbound[0].destination (line 11): '299' is not an extension" in found


def test_field_level_rules() -> None:
    found = problems("""
        extensions:
          - {number: "2", port: 1}
        routes:
          - {name: r, pattern: "0X.5", lines: []}
          - {name: r2, pattern: "_0[5-1]", lines: [fxo:5, fxo:5]}
        numbering:
          emergency: ["112", "112"]
          feature_codes:
            - {code: "*8", feature: pickup}
            - {code: "*8", feature: other}
            - {code: "**", feature: x}
        """)
    assert "extensions[0].number (line 3): an extension number is 2-6 digits" in found
    assert any(p.startswith("routes[0].pattern (line 5): not a dial pattern") for p in found)
    assert "routes[0].lines (line 5): a route needs at least one line" in found
    assert "routes[1].pattern (line 6): range 5-1 runs backwards" in found
    assert "routes[1].lines[1] (line 6): fxo:5 is listed twice" in found
    assert "numbering.emergency[1] (line 8): 112 is already emergency[0]" in found
    assert "numbering.feature_codes[1].code (line 11): *8 is already feature_codes[0]" in found
    assert ("numbering.feature_codes[2].code (line 12): '**' alone needs an argument (extension or digits)"
            in found)


def test_settings_that_clash_with_the_default_extensions_are_named() -> None:
    found = problems("""
        numbering:
          outside_prefix: "2"
          emergency: ["20"]
        """)
    assert found[0] == ("numbering.outside_prefix (line 3): the default extension 201 begins with the "
                        "outside-line prefix '2'")
    assert "numbering.emergency (line 4): the default extension 201 overlaps the emergency number 20" in found


@pytest.mark.parametrize("iso", sorted(COUNTRIES))
def test_every_country_default_config_is_consistent(iso: str) -> None:
    assert Config(country=iso).check() == []
    assert PbxSettings.from_config(Config(country=iso)).routes.routes


def test_settings_refuse_an_inconsistent_config_built_in_code() -> None:
    cfg = Config(extensions=[ExtensionConfig("201", 1), ExtensionConfig("201", 2)],
                 numbering=NumberingConfig(emergency=["2011"]))
    with pytest.raises(ConfigProblems) as info:
        PbxSettings.from_config(cfg)
    paths = [p.path for p in info.value.problems]
    assert paths == ["extensions[0].number", "extensions[1].number", "extensions[1].number"]
