"""Message catalogues of the web page (English, German, Russian, Polish) as JSON data files.

Each catalogue (webui/i18n/<lang>.json) maps a message key to its text; `{name}` placeholders
are filled from keyword arguments. A key missing in a language falls back to English, then to
the key itself (a test checks every key exists in every language). Config field labels and help
texts use the optional keys `field.<name>` and `doc.<key path>`; without them the English doc
from the config model is shown.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

CATALOGUES = Path(__file__).parent / "i18n"
LANGUAGES: dict[str, str] = {"en": "English", "de": "Deutsch", "ru": "Русский", "pl": "Polski"}
DEFAULT = "en"

Translate = Callable[..., str]


@cache
def catalogue(lang: str) -> dict[str, str]:
    path = CATALOGUES / f"{lang}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a catalogue is a JSON object of key -> text")
    return {str(k): str(v) for k, v in data.items()}


def pick(*candidates: str | None) -> str:
    """The first supported language among the candidates (e.g. user setting, cookie, country)."""
    for c in candidates:
        if c and c[:2].lower() in LANGUAGES:
            return c[:2].lower()
    return DEFAULT


def translator(lang: str) -> Translate:
    own = catalogue(pick(lang))
    fallback = catalogue(DEFAULT)

    def translate(key: str, default: str | None = None, **kw: Any) -> str:
        text = own.get(key) or fallback.get(key) or (default if default is not None else key)
        if kw:
            try:
                return text.format(**kw)
            except (KeyError, IndexError, ValueError):
                return text
        return text
    return translate


def js_messages(lang: str) -> dict[str, str]:
    """The messages the page's JavaScript needs (keys beginning with 'js.' or 'status.')."""
    merged = {**catalogue(DEFAULT), **catalogue(pick(lang))}
    return {k: v for k, v in merged.items() if k.startswith(("js.", "status.", "op.", "dir.", "disp.", "ban."))}


def label(translate: Translate, name: str) -> str:
    """A config field's label: its catalogue entry, else the field name made readable."""
    readable = name.replace("_", " ").strip().capitalize()
    for unit, shown in ((" s", " (s)"), (" ms", " (ms)"), (" min", " (min)"), (" db", " (dB)"), (" ma", " (mA)"),
                        (" hz", " (Hz)")):
        if readable.lower().endswith(unit):
            readable = readable[: -len(unit)] + shown
            break
    return translate(f"field.{name}", readable)
