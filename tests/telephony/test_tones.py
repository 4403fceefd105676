"""Tone zones: every tone parses, frequencies are plausible, key cadences match the fact sheet."""

from __future__ import annotations

import pytest

from firmware.contracts.errors import ConfigError
from firmware.contracts.tones import ToneSegment, ToneSpec
from firmware.telephony import tones
from firmware.telephony.tones import CAS, DT_AS, ROLES, SAS, ZONES, tone_set, tone_text

# The zones DAHDI's zonedata.c defines (dahdi-tools a5e40d50) plus our generic "etsi" zone.
DAHDI_ZONES = {
    "us", "au", "fr", "nl", "uk", "fi", "es", "jp", "no", "at", "nz", "it", "us-old", "gr", "tw", "cl",
    "se", "be", "sg", "il", "br", "hu", "lt", "pl", "za", "pt", "ee", "mx", "in", "de", "ch", "dk", "cz",
    "cn", "ar", "my", "th", "bg", "ve", "ph", "ru", "tr", "pa", "mo", "cr", "ae",
}
# Below-band components that are real: Japan's 400+15 / 400+16 Hz sums (fact sheet section 6, item 8).
SUB_BAND_SUMS = {("jp", 15.0), ("jp", 16.0)}


def _segs(text: str) -> tuple[ToneSegment, ...]:
    return tones.parse_tone("x", text).segments


def test_zone_list_covers_dahdi_and_required_zones() -> None:
    assert set(ZONES) == DAHDI_ZONES | {"etsi"}
    assert {"ru", "de", "pl", "us", "uk", "fr", "it", "nl", "jp"} <= set(ZONES)


@pytest.mark.parametrize("zone", ZONES)
def test_every_tone_of_every_zone_parses(zone: str) -> None:
    ts = tone_set(zone)
    assert ts.zone == zone
    for role in ROLES:
        spec = ts.by_role(role)
        assert isinstance(spec, ToneSpec)
        assert spec.name == f"{zone}.{role}"
        assert any(seg.freqs for seg in spec.segments), f"{zone}.{role} is all silence"


@pytest.mark.parametrize("zone", ZONES)
def test_frequencies_are_in_the_voice_band_or_known_special(zone: str) -> None:
    for role in ROLES:
        for seg in tone_set(zone).by_role(role).segments:
            for i, f in enumerate(seg.freqs):
                if 300.0 <= f <= 3400.0:
                    continue
                modulator = seg.modulated and i == 1 and 10.0 <= f < 300.0
                assert modulator or (zone, f) in SUB_BAND_SUMS, f"{zone}.{role}: {f} Hz in {seg}"


@pytest.mark.parametrize(
    ("zone", "segments"),
    [
        ("de", [((425.0,), 480), ((), 480)]),
        ("ru", [((425.0,), 350), ((), 350)]),
        ("pl", [((425.0,), 500), ((), 500)]),
        ("us", [((480.0, 620.0), 500), ((), 500)]),
        ("uk", [((400.0,), 375), ((), 375)]),
    ],
)
def test_busy_cadences_match_fact_sheet(zone: str, segments: list[tuple[tuple[float, ...], int]]) -> None:
    busy = tone_set(zone).busy
    assert [(s.freqs, s.ms) for s in busy.segments] == segments
    assert busy.repeat_from == 0


def test_fact_sheet_4_2_zonedata_differences_are_what_we_play() -> None:
    # ru: info middle tone 1440 Hz; dial recall is the US-style stutter
    assert tone_set("ru").info.segments[1].freqs == (1440.0,)
    assert tone_text("ru", "dial_recall").endswith(",350+440")
    assert tone_text("pl", "dial_recall").endswith(",350+440")
    assert tone_text("uk", "dial_recall") == "350+440"
    assert tone_text("nl", "dial_recall") == "!425/100,!0/100,!425/100,!0/100,!425/100,!0/100,425"
    assert tone_text("fr", "call_waiting") == "440/300,0/10000"
    # pl info ends in steady silence (plays once)
    last = tone_set("pl").info.segments[-1]
    assert last.freqs == () and last.ms == 0


def test_stutter_and_dial_recall_loop_into_steady_tone() -> None:
    us = tone_set("us")
    assert us.stutter.segments[-1] == ToneSegment((350.0, 440.0), 0)
    assert us.stutter.repeat_from == len(us.stutter.segments) - 1
    assert len(us.stutter.segments) == 13  # 6 x (tone, gap) + steady
    assert us.dial_recall.segments[:2] == _segs("350+440/100,0/100")


def test_german_call_waiting_plays_five_double_beeps_then_silence() -> None:
    cw = tone_set("de").call_waiting
    beeps = [s for s in cw.segments if s.freqs]
    assert len(beeps) == 10
    assert cw.segments[-1] == ToneSegment((), 0)


def test_fixes_repair_dahdi_typos() -> None:
    assert tone_set("th").call_waiting.frequencies == (1000.0,)
    assert tone_set("ee").info.segments[0].ms == 650
    assert tone_set("cr").call_waiting.segments[-1] == ToneSegment((), 8000)
    assert tone_set("hu").stutter.frequencies == (350.0, 400.0)
    for key in ("th.call_waiting", "ee.info", "cr.call_waiting", "hu.stutter", "nz.stutter", "tr.record"):
        assert key in tones.UNVERIFIED


def test_levels_follow_precise_tone_plan_in_us_and_default_elsewhere() -> None:
    us = tone_set("us")
    assert (us.dial.level_dbm0, us.ringback.level_dbm0, us.busy.level_dbm0) == (-13.0, -19.0, -24.0)
    assert us.congestion.level_dbm0 == -24.0
    de = tone_set("de")
    assert {de.by_role(r).level_dbm0 for r in ROLES} == {-13.0}
    assert "levels.default" in tones.UNVERIFIED


def test_call_waiting_and_alerting_signals() -> None:
    assert SAS.segments == (ToneSegment((440.0,), 300),) and SAS.repeat_from is None
    assert CAS.segments == (ToneSegment((2130.0, 2750.0), 85),) and CAS.repeat_from is None
    assert DT_AS.segments == (ToneSegment((2130.0, 2750.0), 100),) and DT_AS.repeat_from is None


def test_dtmf_levels_per_zone() -> None:
    assert tones.ZONE_DTMF_LEVELS["us"] == (-10.0, -10.0)
    assert tones.ZONE_DTMF_LEVELS["de"] == (-11.0, -9.0)
    assert set(tones.ZONE_DTMF_LEVELS) == set(ZONES)


def test_unknown_zone_and_role() -> None:
    with pytest.raises(ConfigError, match="xx"):
        tone_set("xx")
    with pytest.raises(KeyError):
        tone_set("de").by_role("howler")
