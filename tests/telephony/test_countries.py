"""Country table: coverage of the DAA table, lookup, and per-country invariants."""

from __future__ import annotations

import re
import zoneinfo

import pytest

from firmware.contracts.callerid import CidStandard, CidTiming
from firmware.contracts.errors import ConfigError
from firmware.telephony import countries
from firmware.telephony.countries import BY_DAA_MODE, COUNTRIES, Country, DtmfCidStyle, country
from firmware.telephony.daa import DAA_MODES, DAA_PROFILES
from firmware.telephony.tones import ZONES


def test_every_daa_country_is_a_country() -> None:
    non_countries = set(DAA_PROFILES)  # FCC, TBR21
    assert set(BY_DAA_MODE) == set(DAA_MODES) - non_countries
    assert len(COUNTRIES) == 71
    assert BY_DAA_MODE["GERMANY"].iso == "DE"
    assert BY_DAA_MODE["UK"].iso == "GB"
    assert BY_DAA_MODE["USA"].iso == "US"


def test_lookup_is_case_insensitive_with_uk_alias() -> None:
    assert country("de") is country("DE") is country(" De ") is COUNTRIES["DE"]
    assert country("UK") is country("gb") is COUNTRIES["GB"]


@pytest.mark.parametrize(("bad", "suggestion"), [("Germany", "DE"), ("DX", "DE"), ("Polska", "PL")])
def test_bad_code_raises_config_error_with_suggestions(bad: str, suggestion: str) -> None:
    with pytest.raises(ConfigError) as info:
        country(bad)
    message = str(info.value)
    assert repr(bad) in message
    assert suggestion in message


def test_tbr21_is_not_a_country() -> None:
    with pytest.raises(ConfigError):
        country("TBR21")


@pytest.mark.parametrize("iso", sorted(COUNTRIES))
def test_country_invariants(iso: str) -> None:
    c: Country = COUNTRIES[iso]
    assert c.iso == iso and re.fullmatch(r"[A-Z]{2}", iso)
    assert re.fullmatch(r"[a-z]{2}", c.language)
    assert c.tone_zone in ZONES and c.tones.zone == c.tone_zone
    assert c.ring_cadence.cid_after >= 1
    assert c.emergency_numbers and all(n.isdigit() for n in c.emergency_numbers)
    assert isinstance(c.cid.standard, CidStandard) and isinstance(c.cid.timing, CidTiming)
    assert (c.cid.standard is CidStandard.DTMF) == (c.cid.dtmf_cid_style is not None)
    zoneinfo.ZoneInfo(c.timezone)  # a valid IANA name
    assert c.outside_prefix.isdigit()
    assert 50 <= c.hook_flash_ms <= 1000
    low, high = c.dtmf_level_dbm0
    assert -20.0 <= low <= -3.0 and -20.0 <= high <= -3.0
    assert c.dahdi_mode == c.daa.name


@pytest.mark.parametrize(
    ("iso", "emergency", "prefix", "flash", "tz", "lang"),
    [
        ("DE", ("112", "110"), "0", 100, "Europe/Berlin", "de"),
        ("US", ("911",), "9", 600, "America/New_York", "en"),
        ("GB", ("999", "112"), "9", 100, "Europe/London", "en"),
        ("RU", ("112", "101", "102", "103", "104"), "0", 600, "Europe/Moscow", "ru"),
        ("PL", ("112", "997", "998", "999"), "0", 100, "Europe/Warsaw", "pl"),
    ],
)
def test_first_markets(
    iso: str, emergency: tuple[str, ...], prefix: str, flash: int, tz: str, lang: str
) -> None:
    c = country(iso)
    assert (c.emergency_numbers, c.outside_prefix, c.hook_flash_ms, c.timezone, c.language) == (
        emergency, prefix, flash, tz, lang)


def test_first_markets_tones_cadence_daa() -> None:
    de, ru, pl, us, gb = (country(x) for x in ("DE", "RU", "PL", "US", "GB"))
    zones = (de.tone_zone, ru.tone_zone, pl.tone_zone, us.tone_zone, gb.tone_zone)
    assert zones == ("de", "ru", "pl", "us", "uk")
    assert de.ring_cadence.pattern == ru.ring_cadence.pattern == pl.ring_cadence.pattern == (1000, 4000)
    assert us.ring_cadence.pattern == (2000, 4000)
    assert gb.ring_cadence.pattern == (400, 200, 400, 2000) and gb.ring_cadence.cid_after == 2
    assert (de.daa.name, ru.daa.name, pl.daa.name, us.daa.name, gb.daa.name) == (
        "GERMANY", "RUSSIA", "POLAND", "USA", "UK")
    assert de.dtmf_level_dbm0 == (-11.0, -9.0)


def test_caller_id_choices() -> None:
    assert country("US").cid.standard is CidStandard.BELL202
    assert country("US").cid.timing is CidTiming.AFTER_FIRST_RING
    assert country("DE").cid.standard is CidStandard.ETSI_V23
    assert country("DE").cid.timing is CidTiming.AFTER_FIRST_RING
    assert country("GB").cid.timing is CidTiming.BEFORE_RING_LINE_REVERSAL
    assert country("JP").cid.standard is CidStandard.JAPAN
    assert country("PL").cid.standard is CidStandard.ETSI_V23
    for iso in ("RU", "DK", "SE", "NL", "FI", "IS", "IN", "BR"):
        assert country(iso).cid.standard is CidStandard.DTMF, iso
    assert country("DK").cid.dtmf_cid_style is DtmfCidStyle.DENMARK


def test_unverified_table_covers_guesses() -> None:
    u = countries.UNVERIFIED
    assert "cid.FR" in u and "flash.RU" in u and "zone.HR" in u and "emergency.AR" in u
    assert "cid.DE" not in u and "cid.US" not in u and "emergency.DE" not in u and "flash.US" not in u
    assert all(re.fullmatch(r"(zone|cid|emergency|prefix|flash|language)\.[A-Z]{2}", k) for k in u)
