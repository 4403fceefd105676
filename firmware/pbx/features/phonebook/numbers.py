"""Caller numbers in comparable form: the national significant number (E.164 without the country code)
of "+7 812 ...", "8812..." (RU trunk prefix), "07...", "0049..." (international prefix), so that a phone
book entry or a mask matches however the line or trunk presented the number; and the local phone book's
name lookup (CSV-imported entries in the config)."""

from __future__ import annotations

from firmware.config.callers import PhonebookConfig
from firmware.pbx.numbering_plans import dialling_prefixes
from firmware.pbx.patterns import Fit, Pattern

CALLING_CODES = {"DE": "49", "AT": "43", "CH": "41", "PL": "48", "RU": "7", "KZ": "7", "BY": "375", "UA": "380",
                 "GB": "44", "US": "1", "CA": "1", "FR": "33", "IT": "39", "NL": "31", "CZ": "420", "ES": "34"}


def national(number: str, iso: str) -> str:
    """The national significant number of `number` as presented in country `iso` ("" stays "")."""
    digits = number.strip().replace(" ", "").replace("-", "")
    code = CALLING_CODES.get(iso, "")
    try:
        prefixes = dialling_prefixes(iso)
        trunk, intl = prefixes.national, prefixes.international
    except (KeyError, ValueError):
        trunk, intl = "", "00"
    if digits.startswith("+"):
        digits = digits[1:]
        return digits[len(code):] if code and digits.startswith(code) else digits
    for prefix in (intl, "00"):
        if prefix and digits.startswith(prefix + code) and code:
            return digits[len(prefix + code):]
    if trunk and digits.startswith(trunk) and len(digits) > 7:
        return digits[len(trunk):]
    return digits


def forms(number: str, iso: str) -> set[str]:
    return {number, number.lstrip("+"), national(number, iso)} - {""}


def matches(mask: str, number: str, iso: str) -> bool:
    """An exact number (any presentation), a dial-pattern mask (`_812X.`), or "anonymous"."""
    if mask == "anonymous":
        return not number
    if not number:
        return False
    if not mask.startswith("_"):
        return national(mask, iso) == national(number, iso)
    pattern = Pattern.parse(mask)
    return any(pattern.fit(form) in (Fit.FULL, Fit.FULL_OR_MORE) for form in forms(number, iso))


def lookup(book: PhonebookConfig, number: str, iso: str) -> str:
    """The phone book's name for `number` ("" if none)."""
    if not number:
        return ""
    wanted = national(number, iso)
    return next((e.name for e in book.entries if national(e.number, iso) == wanted), "")
