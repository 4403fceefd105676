"""The country table: one choice sets tones, ring cadence, caller ID, DAA, DTMF levels, dialling defaults.

Sources: DAHDI fxo_modes.h (DAA), dahdi-tools zonedata.c (tones, cadence, DTMF levels), ETSI EN 300 659-1
and Bellcore GR-30 (caller ID), ITU-T E.180 / ETSI ES 201 970 (generic 425 Hz tones). Everything we could
not confirm is listed in UNVERIFIED (generated from the notes in the tables below).
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from firmware.contracts.callerid import CidFormat, CidStandard, CidTiming
from firmware.contracts.errors import ConfigError
from firmware.contracts.ports import RingCadence
from firmware.telephony.cadences import ZONE_CADENCES
from firmware.telephony.daa import DAA_MODES, DaaCountry
from firmware.telephony.tones import GENERIC_ZONE, ZONE_DTMF_LEVELS, ToneSet, tone_set


class DtmfCidStyle(enum.Enum):
    """Framing of a DTMF caller-ID spill (what Asterisk's DTMF CID parser accepts, fact sheet 3.5)."""

    ETSI = "etsi"  # "A" + number + "C" (or "#"); "B00" unavailable, "B10" private
    DENMARK = "denmark"  # "D" + number + "C"; "D1#" private, "D2#"/"D3#" unavailable


@dataclass(frozen=True)
class CidSettings:
    """How an FXS port sends caller ID (and how an FXO port expects it). `fmt` is ignored for DTMF."""

    standard: CidStandard
    fmt: CidFormat
    timing: CidTiming
    dtmf_cid_style: DtmfCidStyle | None = None

    def __post_init__(self) -> None:
        if (self.standard is CidStandard.DTMF) != (self.dtmf_cid_style is not None):
            raise ValueError("dtmf_cid_style is required for DTMF caller ID and only for it")


@dataclass(frozen=True)
class Country:
    iso: str  # ISO 3166-1 alpha-2, upper case
    name: str
    language: str  # ISO 639-1, prompts/UI default
    tone_zone: str  # key into firmware.telephony.tones / cadences
    tones: ToneSet
    ring_cadence: RingCadence
    cid: CidSettings
    daa: DaaCountry
    dtmf_level_dbm0: tuple[float, float]  # (low group, high group) for DTMF we generate
    timezone: str  # IANA
    emergency_numbers: tuple[str, ...]
    outside_prefix: str  # default digit(s) for an outside line on this PBX
    hook_flash_ms: int  # flash we generate on an FXO line

    @property
    def dahdi_mode(self) -> str:
        return self.daa.name


# --- the country table ---------------------------------------------------------------------------
# zone None = the country's own DAHDI zone (iso lower case, "uk" for GB); otherwise the nearest zone.
# "9" outside-line prefix in NANP and British-influenced countries, "0" elsewhere; hook flash 600 ms in
# the Americas / NANP-influenced networks and Russia, 100 ms (timed break recall) in ETSI-style networks.
# Verified against the brief/fact sheet: see _CONFIRMED below; the rest lands in UNVERIFIED.
# fmt: off
# (iso, DAHDI mode, name, language, zone, timezone, emergency numbers (space-separated), prefix, flash ms)
_ROWS: tuple[tuple[str, str, str, str, str | None, str, str, str, int], ...] = (
    ("AR", "ARGENTINA", "Argentina", "es", None, "America/Argentina/Buenos_Aires",
     "911 107 100 101", "0", 600),
    ("AU", "AUSTRALIA", "Australia", "en", None, "Australia/Sydney", "000 112 106", "0", 100),
    ("AT", "AUSTRIA", "Austria", "de", None, "Europe/Vienna", "112 133 144 122", "0", 100),
    ("BH", "BAHRAIN", "Bahrain", "ar", "etsi", "Asia/Bahrain", "999", "0", 100),
    ("BE", "BELGIUM", "Belgium", "nl", None, "Europe/Brussels", "112 101 100", "0", 100),
    ("BR", "BRAZIL", "Brazil", "pt", None, "America/Sao_Paulo", "190 192 193", "0", 600),
    ("BG", "BULGARIA", "Bulgaria", "bg", None, "Europe/Sofia", "112 166 150 160", "0", 100),
    ("CA", "CANADA", "Canada", "en", "us", "America/Toronto", "911", "9", 600),
    ("CL", "CHILE", "Chile", "es", None, "America/Santiago", "133 131 132", "0", 600),
    ("CN", "CHINA", "China", "zh", None, "Asia/Shanghai", "110 120 119 122", "0", 600),
    ("CO", "COLOMBIA", "Colombia", "es", "etsi", "America/Bogota", "123", "0", 600),
    ("HR", "CROATIA", "Croatia", "hr", "etsi", "Europe/Zagreb", "112 192 193 194", "0", 100),
    ("CY", "CYPRUS", "Cyprus", "el", "etsi", "Asia/Nicosia", "112 199", "0", 100),
    ("CZ", "CZECH", "Czechia", "cs", None, "Europe/Prague", "112 158 155 150", "0", 100),
    ("DK", "DENMARK", "Denmark", "da", None, "Europe/Copenhagen", "112", "0", 100),
    ("EC", "ECUADOR", "Ecuador", "es", "etsi", "America/Guayaquil", "911", "0", 600),
    ("EG", "EGYPT", "Egypt", "ar", "etsi", "Africa/Cairo", "122 123 180", "0", 100),
    ("SV", "ELSALVADOR", "El Salvador", "es", "etsi", "America/El_Salvador", "911", "0", 600),
    ("FI", "FINLAND", "Finland", "fi", None, "Europe/Helsinki", "112", "0", 100),
    ("FR", "FRANCE", "France", "fr", None, "Europe/Paris", "112 15 17 18", "0", 100),
    ("DE", "GERMANY", "Germany", "de", None, "Europe/Berlin", "112 110", "0", 100),
    ("GR", "GREECE", "Greece", "el", None, "Europe/Athens", "112 100 166 199", "0", 100),
    ("GU", "GUAM", "Guam", "en", "us", "Pacific/Guam", "911", "9", 600),
    ("HK", "HONGKONG", "Hong Kong", "zh", "us", "Asia/Hong_Kong", "999 112", "9", 100),
    ("HU", "HUNGARY", "Hungary", "hu", None, "Europe/Budapest", "112 104 105 107", "0", 100),
    ("IS", "ICELAND", "Iceland", "is", "etsi", "Atlantic/Reykjavik", "112", "0", 100),
    ("IN", "INDIA", "India", "en", None, "Asia/Kolkata", "112 100 101 102 108", "0", 600),
    ("ID", "INDONESIA", "Indonesia", "id", "etsi", "Asia/Jakarta", "112 110 118 113", "0", 600),
    ("IE", "IRELAND", "Ireland", "en", "uk", "Europe/Dublin", "112 999", "9", 100),
    ("IL", "ISRAEL", "Israel", "he", None, "Asia/Jerusalem", "100 101 102", "0", 100),
    ("IT", "ITALY", "Italy", "it", None, "Europe/Rome", "112 113 115 118", "0", 100),
    ("JP", "JAPAN", "Japan", "ja", None, "Asia/Tokyo", "110 119 118", "0", 500),
    ("JO", "JORDAN", "Jordan", "ar", "etsi", "Asia/Amman", "911", "0", 100),
    ("KZ", "KAZAKHSTAN", "Kazakhstan", "ru", "ru", "Asia/Almaty", "112 101 102 103 104", "0", 600),
    ("KW", "KUWAIT", "Kuwait", "ar", "etsi", "Asia/Kuwait", "112", "0", 100),
    ("LV", "LATVIA", "Latvia", "lv", "etsi", "Europe/Riga", "112 110 113", "0", 100),
    ("LB", "LEBANON", "Lebanon", "ar", "etsi", "Asia/Beirut", "112 140 175", "0", 100),
    ("LU", "LUXEMBOURG", "Luxembourg", "fr", "etsi", "Europe/Luxembourg", "112 113", "0", 100),
    ("MO", "MACAO", "Macao", "zh", None, "Asia/Macau", "999 110 112", "0", 100),
    ("MY", "MALAYSIA", "Malaysia", "ms", None, "Asia/Kuala_Lumpur", "999 112", "9", 100),
    ("MT", "MALTA", "Malta", "mt", "etsi", "Europe/Malta", "112", "0", 100),
    ("MX", "MEXICO", "Mexico", "es", None, "America/Mexico_City", "911", "0", 600),
    ("MA", "MOROCCO", "Morocco", "ar", "etsi", "Africa/Casablanca", "19 15 177", "0", 100),
    ("NL", "NETHERLANDS", "Netherlands", "nl", None, "Europe/Amsterdam", "112", "0", 100),
    ("NZ", "NEWZEALAND", "New Zealand", "en", None, "Pacific/Auckland", "111", "1", 100),
    ("NG", "NIGERIA", "Nigeria", "en", "etsi", "Africa/Lagos", "112 199", "0", 100),
    ("NO", "NORWAY", "Norway", "nb", None, "Europe/Oslo", "112 110 113", "0", 100),
    ("OM", "OMAN", "Oman", "ar", "etsi", "Asia/Muscat", "9999", "0", 100),
    ("PK", "PAKISTAN", "Pakistan", "ur", "etsi", "Asia/Karachi", "15 1122 115 16", "0", 600),
    ("PE", "PERU", "Peru", "es", "etsi", "America/Lima", "105 106 116", "0", 600),
    ("PH", "PHILIPPINES", "Philippines", "en", None, "Asia/Manila", "911", "9", 600),
    ("PL", "POLAND", "Poland", "pl", None, "Europe/Warsaw", "112 997 998 999", "0", 100),
    ("PT", "PORTUGAL", "Portugal", "pt", None, "Europe/Lisbon", "112", "0", 100),
    ("RO", "ROMANIA", "Romania", "ro", "etsi", "Europe/Bucharest", "112", "0", 100),
    ("RU", "RUSSIA", "Russia", "ru", None, "Europe/Moscow", "112 101 102 103 104", "0", 600),
    ("SA", "SAUDIARABIA", "Saudi Arabia", "ar", "etsi", "Asia/Riyadh", "911 999 997 998", "0", 100),
    ("SG", "SINGAPORE", "Singapore", "en", None, "Asia/Singapore", "999 995", "9", 100),
    ("SK", "SLOVAKIA", "Slovakia", "sk", "cz", "Europe/Bratislava", "112 150 155 158", "0", 100),
    ("SI", "SLOVENIA", "Slovenia", "sl", "etsi", "Europe/Ljubljana", "112 113", "0", 100),
    ("ZA", "SOUTHAFRICA", "South Africa", "en", None, "Africa/Johannesburg", "10111 10177 112", "9", 100),
    ("KR", "SOUTHKOREA", "South Korea", "ko", "tw", "Asia/Seoul", "112 119", "0", 600),
    ("ES", "SPAIN", "Spain", "es", None, "Europe/Madrid", "112 091 062 061 080", "0", 100),
    ("SE", "SWEDEN", "Sweden", "sv", None, "Europe/Stockholm", "112", "0", 100),
    ("CH", "SWITZERLAND", "Switzerland", "de", None, "Europe/Zurich", "112 117 118 144", "0", 100),
    ("SY", "SYRIA", "Syria", "ar", "etsi", "Asia/Damascus", "112 110 113", "0", 100),
    ("TW", "TAIWAN", "Taiwan", "zh", None, "Asia/Taipei", "110 119 112", "0", 600),
    ("TH", "THAILAND", "Thailand", "th", None, "Asia/Bangkok", "191 1669 199", "0", 600),
    ("AE", "UAE", "United Arab Emirates", "ar", None, "Asia/Dubai", "999 998 997 112", "0", 100),
    ("GB", "UK", "United Kingdom", "en", "uk", "Europe/London", "999 112", "9", 100),
    ("US", "USA", "United States", "en", None, "America/New_York", "911", "9", 600),
    ("YE", "YEMEN", "Yemen", "ar", "etsi", "Asia/Aden", "194 191 199", "0", 100),
)

# Caller ID per country: (standard, timing, DTMF style, note). Empty note = confirmed by the product
# brief / fact sheet; a non-empty note is why the entry is uncertain (copied into UNVERIFIED).
_V, _B, _J, _T = CidStandard.ETSI_V23, CidStandard.BELL202, CidStandard.JAPAN, CidStandard.DTMF
_AFTER = CidTiming.AFTER_FIRST_RING
_LR = CidTiming.BEFORE_RING_LINE_REVERSAL
_RPAS = CidTiming.BEFORE_RING_RP_AS
_ETSI_D, _DK_D = DtmfCidStyle.ETSI, DtmfCidStyle.DENMARK
_GUESS_EU = "ETSI V.23 FSK after the first ring assumed (common EU practice), not checked for this country"
_GUESS = "assumed, no source found"
_CID: dict[str, tuple[CidStandard, CidTiming, DtmfCidStyle | None, str]] = {
    "US": (_B, _AFTER, None, ""),
    "CA": (_B, _AFTER, None, ""),
    "GU": (_B, _AFTER, None, "NANP practice assumed"),
    "MX": (_B, _AFTER, None, "Bell 202 assumed (NANP neighbour)"),
    "SV": (_B, _AFTER, None, "Bell 202 assumed"),
    "AR": (_V, _AFTER, None, _GUESS),
    "CL": (_V, _AFTER, None, _GUESS),
    "CO": (_V, _AFTER, None, _GUESS),
    "EC": (_V, _AFTER, None, _GUESS),
    "PE": (_V, _AFTER, None, _GUESS),
    "BR": (_T, _AFTER, _ETSI_D, "DTMF per fact sheet/brief; timing and framing assumed"),
    "DE": (_V, _AFTER, None, ""),
    "GB": (_V, _LR, None, ""),  # BT SIN 227: line reversal + DT-AS, V.23 FSK, then ring
    "FR": (_V, _RPAS, None, "before-ring with RP-AS per brief; some sources say after the first ring"),
    "PL": (_V, _AFTER, None, "FSK is mandatory on the TP S.A. network (phone manual); timing assumed"),
    "RU": (_T, _AFTER, _ETSI_D, "DTMF per fact sheet 3.5; Russian lines also use FSK or Russian AON; "
                               "DTMF sent once before the first ring or repeated after each ring"),
    "KZ": (_T, _AFTER, _ETSI_D, "as Russia"),
    "DK": (_T, _LR, _DK_D, "DTMF per brief; line reversal before ring assumed"),
    "SE": (_T, _LR, _ETSI_D, "DTMF per brief; timing/framing assumed"),
    "FI": (_T, _LR, _ETSI_D, "DTMF per brief; timing/framing assumed"),
    "IS": (_T, _LR, _ETSI_D, "DTMF per brief; timing/framing assumed"),
    "NL": (_T, _LR, _ETSI_D, "DTMF per brief (KPN); line reversal before ring assumed"),
    "IN": (_T, _LR, _ETSI_D, "DTMF with line reversal before ring (fact sheet cidstart=polarity_IN); framing "
                             "assumed"),
    "JP": (_J, _RPAS, None, "NTT JCLIP sends a CAR ring signal and waits for the set; RP-AS is our closest "
                            "CidTiming"),
    "AU": (_V, _AFTER, None, "V.23 assumed; one hobby source says Bell 202"),
    "NZ": (_B, _AFTER, None, "Bell 202 per one hobby source"),
    "AT": (_V, _AFTER, None, _GUESS_EU),
    "BE": (_V, _AFTER, None, "sources disagree (FSK vs DTMF); FSK chosen"),
    "BG": (_V, _AFTER, None, _GUESS_EU),
    "HR": (_V, _AFTER, None, _GUESS_EU),
    "CY": (_V, _AFTER, None, _GUESS_EU),
    "CZ": (_V, _AFTER, None, _GUESS_EU),
    "GR": (_V, _AFTER, None, _GUESS_EU),
    "HU": (_V, _AFTER, None, _GUESS_EU),
    "IE": (_V, _LR, None, "British-style before-ring FSK assumed"),
    "IT": (_V, _AFTER, None, _GUESS_EU),
    "LV": (_V, _AFTER, None, _GUESS_EU),
    "LU": (_V, _AFTER, None, _GUESS_EU),
    "MT": (_V, _AFTER, None, _GUESS_EU),
    "NO": (_V, _AFTER, None, _GUESS_EU),
    "PT": (_V, _AFTER, None, _GUESS_EU),
    "RO": (_V, _AFTER, None, _GUESS_EU),
    "SK": (_V, _AFTER, None, _GUESS_EU),
    "SI": (_V, _AFTER, None, _GUESS_EU),
    "ES": (_V, _AFTER, None, _GUESS_EU),
    "CH": (_V, _AFTER, None, _GUESS_EU),
    "IL": (_V, _AFTER, None, _GUESS),
    "ZA": (_V, _AFTER, None, _GUESS),
    "NG": (_V, _AFTER, None, _GUESS),
    "MA": (_V, _AFTER, None, _GUESS),
    "EG": (_V, _AFTER, None, _GUESS),
    "AE": (_V, _AFTER, None, _GUESS),
    "BH": (_V, _AFTER, None, _GUESS),
    "KW": (_V, _AFTER, None, _GUESS),
    "OM": (_V, _AFTER, None, _GUESS),
    "JO": (_V, _AFTER, None, _GUESS),
    "LB": (_V, _AFTER, None, _GUESS),
    "SY": (_V, _AFTER, None, _GUESS),
    "YE": (_V, _AFTER, None, _GUESS),
    "PK": (_V, _AFTER, None, _GUESS),
    "SA": (_T, _AFTER, _ETSI_D, "listed as a DTMF caller-ID country in one textbook; timing assumed"),
    "TW": (_T, _AFTER, _ETSI_D, "listed as a DTMF caller-ID country in one textbook; timing assumed"),
    "CN": (_B, _AFTER, None, "Bell 202 assumed (ATA vendors group China with Bellcore)"),
    "HK": (_B, _AFTER, None, _GUESS),
    "MO": (_B, _AFTER, None, _GUESS),
    "KR": (_B, _AFTER, None, _GUESS),
    "SG": (_B, _AFTER, None, _GUESS),
    "MY": (_B, _AFTER, None, _GUESS),
    "TH": (_B, _AFTER, None, _GUESS),
    "ID": (_B, _AFTER, None, _GUESS),
    "PH": (_B, _AFTER, None, _GUESS),
}
# fmt: on

# Column values confirmed by the product brief or the fact sheet (everything else is in UNVERIFIED).
_CONFIRMED: dict[str, frozenset[str]] = {
    "emergency": frozenset({"DE", "US", "GB", "RU", "PL"}),
    "prefix": frozenset({"DE", "PL", "RU", "US", "GB"}),
    "flash": frozenset({"DE", "GB", "US"}),
}
# Languages picked from several official ones (or a lingua franca instead of the state language).
_LANGUAGE_NOTES: dict[str, str] = {
    "BE": "nl chosen; fr and de are also official",
    "CH": "de chosen; fr, it, rm are also official",
    "LU": "fr chosen; lb and de are also official",
    "CA": "en chosen; fr is also official",
    "IN": "en chosen as the business language; hi is the main official language",
    "KZ": "ru chosen; kk is the state language",
    "MT": "mt chosen; en is also official",
    "PH": "en chosen; Filipino has no ISO 639-1 code other than tl",
    "ZA": "en chosen of eleven official languages",
    "SG": "en chosen; ms, zh, ta are also official",
    "CY": "el chosen; tr is also official",
}

COUNTRY_ALIASES: Mapping[str, str] = MappingProxyType({"UK": "GB"})


def _own_zone(iso: str) -> str:
    return "uk" if iso == "GB" else iso.lower()


def _build() -> tuple[dict[str, Country], dict[str, str]]:
    countries: dict[str, Country] = {}
    notes: dict[str, str] = {}
    for iso, mode, name, lang, zone, tz, emergency, prefix, flash in _ROWS:
        tz_zone = zone if zone is not None else _own_zone(iso)
        if zone is not None and zone != _own_zone(iso) and iso not in ("CA", "GU"):
            what = "generic ETSI 425 Hz zone" if zone == GENERIC_ZONE else f"the {zone!r} zone"
            notes[f"zone.{iso}"] = f"no DAHDI zone of its own; uses {what}"
        std, timing, style, cid_note = _CID[iso]
        if cid_note:
            notes[f"cid.{iso}"] = cid_note
        if iso not in _CONFIRMED["emergency"]:
            notes[f"emergency.{iso}"] = "from general knowledge, not checked against a regulator list"
        if iso not in _CONFIRMED["prefix"]:
            notes[f"prefix.{iso}"] = "office-PBX convention assumed"
        if iso not in _CONFIRMED["flash"]:
            notes[f"flash.{iso}"] = ("600 ms per brief, marked 'check'" if iso == "RU"
                                     else "country practice assumed")
        if iso in _LANGUAGE_NOTES:
            notes[f"language.{iso}"] = _LANGUAGE_NOTES[iso]
        countries[iso] = Country(
            iso=iso,
            name=name,
            language=lang,
            tone_zone=tz_zone,
            tones=tone_set(tz_zone),
            ring_cadence=ZONE_CADENCES[tz_zone],
            cid=CidSettings(std, CidFormat.MDMF, timing, style),
            daa=DAA_MODES[mode],
            dtmf_level_dbm0=ZONE_DTMF_LEVELS[tz_zone],
            timezone=tz,
            emergency_numbers=tuple(emergency.split()),
            outside_prefix=prefix,
            hook_flash_ms=flash,
        )
    return countries, notes


_COUNTRIES, _NOTES = _build()

COUNTRIES: Mapping[str, Country] = MappingProxyType(_COUNTRIES)
BY_DAA_MODE: Mapping[str, Country] = MappingProxyType({c.daa.name: c for c in _COUNTRIES.values()})

# Everything not confirmed, keyed "<column>.<ISO>" (columns: zone, cid, emergency, prefix, flash, language).
UNVERIFIED: Mapping[str, str] = MappingProxyType(dict(sorted(_NOTES.items())))


def country(code: str) -> Country:
    """Country by ISO 3166-1 alpha-2 code (case-insensitive; "UK" accepted for GB).

    Raises ConfigError naming the bad code and close matches (names and DAHDI mode names are only
    used for suggestions, e.g. "Germany" -> "did you mean DE (Germany)?").
    """
    key = code.strip().upper()
    key = COUNTRY_ALIASES.get(key, key)
    if key in COUNTRIES:
        return COUNTRIES[key]
    hints = _suggest(code.strip())
    hint = f"; did you mean {', '.join(f'{iso} ({COUNTRIES[iso].name})' for iso in hints)}?" if hints else ""
    raise ConfigError(f"unknown country code {code!r}{hint} (use an ISO 3166-1 alpha-2 code)", path="country")


def _suggest(code: str, limit: int = 5) -> list[str]:
    low = code.lower()
    candidates: dict[str, str] = {}
    for c in COUNTRIES.values():
        candidates[c.iso.lower()] = c.iso
        candidates[c.name.lower()] = c.iso
        candidates[c.daa.name.lower()] = c.iso
    out: list[str] = []
    for match in difflib.get_close_matches(low, list(candidates), n=limit * 3, cutoff=0.6):
        iso = candidates[match]
        if iso not in out:
            out.append(iso)
    if len(low) == 2:  # a mistyped code: codes sharing the first letter
        out += [iso for iso in sorted(COUNTRIES) if iso[0].lower() == low[0] and iso not in out]
    return out[:limit]
