"""Caller-ID names in 7-bit ASCII (Bellcore GR-30 / ETSI EN 300 659-3 name fields): transliteration of
German, Polish and Russian letters as people write them without the special characters."""

from __future__ import annotations

import unicodedata

# Letters whose plain-ASCII spelling is not "the letter without its accent".
_SPECIAL = {
    "ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS",
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe",
}
# Russian (GOST 7.79-2000 system B, simplified to letters only).
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "j", "k", "l", "m", "n", "o", "p", "r", "s", "t",
     "u", "f", "kh", "c", "ch", "sh", "shh", "", "y", "", "e", "yu", "ya"]))


def _letter(ch: str) -> str:
    if ch.isascii():
        return ch
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    low = ch.lower()
    if low in _CYRILLIC:
        latin = _CYRILLIC[low]
        return latin.capitalize() if ch != low else latin
    plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return plain if plain.isascii() and plain else "?"


def to_ascii(text: str) -> str:
    """'Müller' -> 'Mueller', 'Łódź' -> 'Lodz', 'Иванов' -> 'Ivanov'; anything else unknown -> '?'."""
    return "".join(_letter(ch) for ch in text)
