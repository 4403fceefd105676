"""Ring cadences: zone cadences from the fact sheet, distinctive rings and CID positions."""

from __future__ import annotations

import pytest

from firmware.contracts.errors import ConfigError
from firmware.telephony.cadences import (
    DEFAULT_CADENCE,
    DISTINCTIVE,
    RP_AS,
    ZONE_CADENCES,
    cid_gap_index,
    ring_cadence,
)
from firmware.telephony.tones import ZONES


@pytest.mark.parametrize(
    ("zone", "pattern", "cid_after"),
    [
        ("ru", (1000, 4000), 1),
        ("de", (1000, 4000), 1),
        ("pl", (1000, 4000), 1),
        ("us", (2000, 4000), 1),
        ("uk", (400, 200, 400, 2000), 2),
        ("fr", (1500, 3500), 1),
        ("it", (1000, 4000), 1),
        ("nl", (1000, 4000), 1),
        ("jp", (1000, 2000), 1),
    ],
)
def test_zone_cadences(zone: str, pattern: tuple[int, ...], cid_after: int) -> None:
    c = ring_cadence(zone)
    assert c.pattern == pattern
    assert c.cid_after == cid_after


def test_every_tone_zone_has_a_cadence() -> None:
    assert set(ZONE_CADENCES) == set(ZONES)
    for c in ZONE_CADENCES.values():
        assert c.cid_after >= 1
        assert c.pattern[2 * c.cid_after - 1] >= 1500  # the spill's gap is long enough


def test_distinctive_cadences_are_chan_dahdi_builtins() -> None:
    assert [c.name for c in DISTINCTIVE] == ["distinctive1", "distinctive2", "distinctive3", "distinctive4"]
    assert [c.pattern for c in DISTINCTIVE] == [
        (125, 125, 2000, 4000),
        (250, 250, 500, 1000, 250, 250, 500, 4000),
        (125, 125, 125, 125, 125, 4000),
        (1000, 500, 2500, 5000),
    ]
    assert [c.cid_after for c in DISTINCTIVE] == [2, 4, 3, 2]
    # our CID-gap rule reproduces chan_dahdi's cidrings
    assert [cid_gap_index(c.pattern) for c in DISTINCTIVE] == [2, 4, 3, 2]
    assert ring_cadence("distinctive3") is DISTINCTIVE[2]


def test_rp_as_and_default() -> None:
    assert RP_AS.pattern[0] == 250
    assert ring_cadence("rp_as") is RP_AS
    assert DEFAULT_CADENCE.pattern == (2000, 4000)


def test_unknown_cadence() -> None:
    with pytest.raises(ConfigError, match="zz"):
        ring_cadence("zz")
