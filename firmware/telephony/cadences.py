"""Ring cadences per tone zone, distinctive rings, RP-AS (dahdi-tools zonedata.c, Asterisk chan_dahdi.c)."""

# A cadence is on/off pairs in ms, starting with "on" (firmware.contracts.ports.RingCadence). What an
# FXS port rings with is the DAHDI zone's `ringcadence` (Asterisk's indications.conf `ringcadence`
# is not used by chan_dahdi; fact sheet 3.2).
#
# `cid_after` (the silent interval that carries an after-ring caller-ID spill, 1 = after the first
# burst) follows one rule: the first off period of at least CID_MIN_GAP_MS. With 1500 ms this rule
# reproduces chan_dahdi's `cidrings` for its four distinctive cadences (2, 4, 3, 2) and puts the spill
# in the 2000 ms gap of the UK-style double ring (Asterisk needs sendcalleridafter=2 there).

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from firmware.contracts.errors import ConfigError
from firmware.contracts.ports import RingCadence

# Silence a Bellcore/ETSI spill needs: ~500 ms wait + 250 ms seizure + 150 ms mark + message + margin.
CID_MIN_GAP_MS = 1500


def cid_gap_index(pattern: tuple[int, ...], min_gap_ms: int = CID_MIN_GAP_MS) -> int:
    """1-based index of the first off period >= `min_gap_ms` (the longest one if none is that long)."""
    offs = pattern[1::2]
    for i, off in enumerate(offs, start=1):
        if off >= min_gap_ms:
            return i
    return offs.index(max(offs)) + 1


def _cadence(name: str, pattern: tuple[int, ...]) -> RingCadence:
    return RingCadence(name, pattern, cid_after=cid_gap_index(pattern))


# fmt: off
_ZONE_PATTERNS: dict[str, tuple[int, ...]] = {
    "us": (2000, 4000), "au": (400, 200, 400, 2000), "fr": (1500, 3500), "nl": (1000, 4000),
    "uk": (400, 200, 400, 2000), "fi": (1000, 4000), "es": (1500, 3000), "jp": (1000, 2000),
    "no": (1000, 4000), "at": (1000, 5000), "nz": (400, 200, 400, 2000), "it": (1000, 4000),
    "us-old": (2000, 4000), "gr": (1000, 4000), "tw": (1000, 4000), "cl": (1000, 3000), "se": (1000, 5000),
    "be": (1000, 3000), "sg": (400, 200, 400, 2000), "il": (1000, 3000), "br": (1000, 4000),
    "hu": (1250, 3750), "lt": (1000, 4000), "pl": (1000, 4000), "za": (400, 200, 400, 2000),
    "pt": (1000, 5000), "ee": (1000, 4000), "mx": (2000, 4000), "in": (400, 200, 400, 2000),
    "de": (1000, 4000), "ch": (1000, 4000), "dk": (1000, 4000), "cz": (1000, 4000), "cn": (1000, 4000),
    "ar": (1000, 4500), "my": (400, 200, 400, 2000), "th": (1000, 4000), "bg": (1000, 4000),
    "ve": (1000, 4000), "ph": (1000, 4000), "ru": (1000, 4000), "tr": (2000, 4000), "pa": (2000, 4000),
    "mo": (1000, 4000), "cr": (1203, 4797), "ae": (1500, 4000),
    # our generic ETSI zone (see tones.py): 1 s on / 4 s off, ITU-T E.180 / ETSI ES 201 970
    "etsi": (1000, 4000),
}
# fmt: on

ZONE_CADENCES: Mapping[str, RingCadence] = MappingProxyType(
    {zone: _cadence(zone, pattern) for zone, pattern in _ZONE_PATTERNS.items()}
)

# dahdi-base rings 2 s on / 4 s off when no tone zone is loaded.
DEFAULT_CADENCE = RingCadence("default", (2000, 4000), cid_after=1)

# chan_dahdi built-in distinctive cadences (Dial(...,r1..r4) / dring) with its `cidrings` positions.
DISTINCTIVE: tuple[RingCadence, ...] = (
    RingCadence("distinctive1", (125, 125, 2000, 4000), cid_after=2),  # quick chirp, then normal ring
    RingCadence("distinctive2", (250, 250, 500, 1000, 250, 250, 500, 4000), cid_after=4),  # "British style"
    RingCadence("distinctive3", (125, 125, 125, 125, 125, 4000), cid_after=3),  # three short bursts
    RingCadence("distinctive4", (1000, 500, 2500, 5000), cid_after=2),  # long ring
)
DISTINCTIVE_BY_NAME: Mapping[str, RingCadence] = MappingProxyType({c.name: c for c in DISTINCTIVE})

# ETSI EN 300 659-1 ring-pulse alerting signal (200-300 ms) before an on-hook FSK spill (MWI or
# RP-AS caller ID). chan_dahdi's AS_RP_cadence is {250, 10000}: one 250 ms pulse; the driver stops
# ringing after the spill. The spill must wait >= 500 ms after the pulse (timing.rp_as_pause_ms).
RP_AS = RingCadence("rp_as", (250, 10000), cid_after=1)


def ring_cadence(zone: str) -> RingCadence:
    """The zone's ring cadence, or a distinctive/RP-AS cadence by name. Raises ConfigError."""
    if zone in ZONE_CADENCES:
        return ZONE_CADENCES[zone]
    if zone in DISTINCTIVE_BY_NAME:
        return DISTINCTIVE_BY_NAME[zone]
    if zone == RP_AS.name:
        return RP_AS
    known = ", ".join([*ZONE_CADENCES, *DISTINCTIVE_BY_NAME, RP_AS.name])
    raise ConfigError(f"unknown ring cadence {zone!r}; known: {known}", path="ring_cadence")


# All cadences are DAHDI/chan_dahdi data; only our generic zone and the CID-gap rule are ours.
UNVERIFIED: Mapping[str, str] = MappingProxyType({
    "etsi": "generic-zone cadence 1000/4000 is our choice for countries without a DAHDI zone",
    "cid_min_gap": "1500 ms minimum gap for a spill is our rule (matches chan_dahdi's cidrings)",
})
