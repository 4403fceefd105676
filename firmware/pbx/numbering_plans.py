"""National and international dialling prefixes per country (ITU-T E.164 and E.164 Suppl./ITU
Operational Bulletin "dialling procedures"), used to classify numbers for permission classes.

`national` is the trunk prefix dialled before an area code inside the country ("" where the
country has a closed numbering plan without one: then every domestic number counts as local);
`international` is the prefix dialled before a country code.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


class Permission(enum.IntEnum):
    """Permission classes, ordered: an extension may call a route of its class or lower."""

    INTERNAL = 0
    LOCAL = 1
    NATIONAL = 2
    INTERNATIONAL = 3

    @classmethod
    def named(cls, name: str) -> Permission:
        return cls[name.upper()]

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class DiallingPrefixes:
    national: str
    international: str
    note: str = ""  # why the entry is uncertain ("" = from the ITU bulletin / operator practice)


# fmt: off
_PREFIXES: dict[str, DiallingPrefixes] = {
    "DE": DiallingPrefixes("0", "00"),
    "AT": DiallingPrefixes("0", "00"),
    "CH": DiallingPrefixes("0", "00"),
    "NL": DiallingPrefixes("0", "00"),
    "GB": DiallingPrefixes("0", "00"),
    "FR": DiallingPrefixes("0", "00", "closed 10-digit plan; the leading 0 is the trunk prefix"),
    "IT": DiallingPrefixes("", "00", "closed plan: the leading 0 of Italian numbers is kept"),
    "PL": DiallingPrefixes("", "00", "closed 9-digit plan since 2005: no trunk prefix"),
    "RU": DiallingPrefixes("8", "810", "the 8~10 procedure; 00 for international is being introduced"),
    "KZ": DiallingPrefixes("8", "810", "as Russia"),
    "US": DiallingPrefixes("1", "011"),
    "CA": DiallingPrefixes("1", "011"),
    "BE": DiallingPrefixes("0", "00"),
    "CZ": DiallingPrefixes("", "00", "closed 9-digit plan"),
    "SK": DiallingPrefixes("0", "00"),
    "ES": DiallingPrefixes("", "00", "closed 9-digit plan"),
    "PT": DiallingPrefixes("", "00", "closed 9-digit plan"),
    "DK": DiallingPrefixes("", "00", "closed 8-digit plan"),
    "NO": DiallingPrefixes("", "00", "closed 8-digit plan"),
    "SE": DiallingPrefixes("0", "00"),
    "FI": DiallingPrefixes("0", "00"),
    "IE": DiallingPrefixes("0", "00"),
    "AU": DiallingPrefixes("0", "0011"),
    "JP": DiallingPrefixes("0", "010"),
}
# fmt: on

# Countries without an entry: the ITU-T E.164 recommended "0" trunk and "00" international prefix.
DEFAULT_PREFIXES = DiallingPrefixes("0", "00", "no entry for this country: ITU default 0 / 00 assumed")

PREFIXES: Mapping[str, DiallingPrefixes] = MappingProxyType(_PREFIXES)


def dialling_prefixes(iso: str) -> DiallingPrefixes:
    return PREFIXES.get(iso.upper(), DEFAULT_PREFIXES)


def classify(number: str, prefixes: DiallingPrefixes) -> Permission:
    """The permission class a number needs, as the exchange will see it (international prefix
    first: it often begins with the national one, "00" vs "0", "810" vs "8")."""
    if number.startswith(prefixes.international):
        return Permission.INTERNATIONAL
    if prefixes.national and number.startswith(prefixes.national):
        return Permission.NATIONAL
    return Permission.LOCAL  # closed plans (no trunk prefix): every domestic number is "local"


NOTES: Mapping[str, str] = MappingProxyType(
    {iso: p.note for iso, p in sorted(_PREFIXES.items()) if p.note})
