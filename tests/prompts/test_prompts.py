"""The shipped prompt set: the grammar of counts, dates and durations in each language (tables +
functions), every word the grammar can ask for exists, the generated WAVs exist for every language,
are 8 kHz mono, non-silent, differ between languages, and were spoken by the right espeak voice
(re-synthesised here and compared sample by sample: only sox's dither may differ)."""

from __future__ import annotations

import json
import shutil
import subprocess
import wave
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from firmware.config.model import Config
from firmware.pbx.settings import PbxSettings
from firmware.prompts import LANGUAGES, VOICE_DIR, render, word_file
from firmware.prompts.generate import speak
from firmware.prompts.grammar import count, duration_words, plural, when_words
from firmware.prompts.phrases import texts

MANIFEST = VOICE_DIR / "manifest.json"


def said(words: tuple[str, ...], lang: str) -> str:
    table = texts(lang)
    return " ".join(table[w] for w in words)


def samples(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2), path
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)


# --- grammar -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "n", "category"), [
    ("ru", 1, "one"), ("ru", 2, "few"), ("ru", 5, "many"), ("ru", 11, "many"), ("ru", 21, "one"), ("ru", 22, "few"),
    ("ru", 112, "many"), ("pl", 1, "one"), ("pl", 2, "few"), ("pl", 5, "many"), ("pl", 21, "many"),
    ("pl", 22, "few"), ("pl", 14, "many"), ("de", 1, "one"), ("de", 0, "other"), ("en", 2, "other")])
def test_plural_categories(lang: str, n: int, category: str) -> None:
    assert plural(n, lang) == category


def test_message_counts_agree_in_number_and_gender() -> None:
    ru = [said(count(n, "new_messages", "ru"), "ru") for n in (1, 2, 5, 21)]
    assert ru == ["одно новое сообщение", "2 новых сообщения", "5 новых сообщений", "20 одно новое сообщение"]
    pl = [said(count(n, "new_messages", "pl"), "pl") for n in (1, 2, 5, 22)]
    assert pl == ["jedną nową wiadomość", "dwie nowe wiadomości", "5 nowych wiadomości", "20 dwie nowe wiadomości"]
    assert said(count(1, "new_messages", "de"), "de") == "eine neue Nachricht"
    assert said(count(3, "new_messages", "de"), "de") == "3 neue Nachrichten"
    assert said(count(1, "new_messages", "en"), "en") == "1 new message"
    assert said(count(2, "saved_messages", "en"), "en") == "2 saved messages"
    assert said(count(2002, "new_messages", "ru"), "ru") == "две тысячи 2 новых сообщения"


def test_durations_dates_and_times() -> None:
    assert said(duration_words(125, "ru"), "ru") == "две минуты 5 секунд"
    assert said(duration_words(61, "pl"), "pl") == "jedna minuta jedna sekunda"
    assert said(duration_words(1, "de"), "de") == "eine Sekunde"
    now = datetime(2024, 5, 20, 12, 0)
    assert said(when_words(datetime(2024, 5, 6, 9, 5), now, "de"), "de") == "am sechsten Mai um 9 Uhr 5"
    assert said(when_words(datetime(2024, 5, 6, 21, 0), now, "ru"), "ru") == "шестого мая в 20 1 час"
    assert said(when_words(datetime(2024, 5, 20, 9, 5), now, "en"), "en") == "today at 9 oh 5"
    assert said(when_words(datetime(2024, 5, 17, 14, 30), now, "pl"), "pl") == "w piątek o godzinie czternastej 30"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_word_the_grammar_asks_for_is_in_the_set(lang: str) -> None:
    table = texts(lang)
    wanted: set[str] = set()
    for n in range(0, 2100):
        for noun in ("new_messages", "saved_messages", "seconds", "minutes"):
            wanted.update(count(n, noun, lang))
    now = datetime(2024, 12, 31, 23, 59)
    for day in range(1, 32):
        for hour in range(24):
            wanted.update(when_words(datetime(2024, 12, day, hour, (hour * 7) % 60), now, lang))
    for month in range(1, 13):
        wanted.update(when_words(datetime(2024, month, 1, 0, 0), now, lang))
    assert sorted(wanted - set(table)) == []


# --- the generated set ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def manifest() -> dict[str, object]:
    if not MANIFEST.exists():
        pytest.fail("the prompt set is not generated: run `make prompts` (python -m firmware.prompts.generate)")
    data: dict[str, object] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_prompt_exists_is_8khz_and_not_silent(manifest: dict[str, object], lang: str) -> None:
    files = manifest["files"]
    assert isinstance(files, dict)
    table = texts(lang)
    assert set(files[lang]) == set(table)
    for name, entry in files[lang].items():
        path = VOICE_DIR / lang / f"{name}.wav"
        audio = samples(path)
        assert len(audio) > 8000 * 0.03, (lang, name)   # "и" is 40 ms
        rms_db = 20 * np.log10(np.sqrt(np.mean(audio * audio)) / 32768)
        assert rms_db > -40, (lang, name, rms_db)
        assert entry["voice"] == lang and entry["text"] == table[name]


def test_the_languages_are_really_different(manifest: dict[str, object]) -> None:
    files = manifest["files"]
    assert isinstance(files, dict)
    for name in ("welcome", "leave_message", "enter_pin", "you_have", "new_messages.one"):
        shas = {files[lang][name]["sha256"] for lang in LANGUAGES}
        assert len(shas) == 4, name
    assert any("ś" in t or "ą" in t for t in texts("pl").values())
    assert all(not any("а" <= ch <= "я" for ch in texts("de")[k]) for k in texts("de"))
    assert sum(any("а" <= ch <= "я" for ch in t) for t in texts("ru").values()) > 100


@pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("sox") is None, reason="needs espeak-ng and sox")
@pytest.mark.parametrize("name", ["welcome", "enter_pin", "new_messages.many"])
def test_each_prompt_was_spoken_by_its_own_voice(manifest: dict[str, object], name: str, tmp_path: Path) -> None:
    """Re-synthesise the text with every voice: only the manifest's voice gives the shipped samples back
    (up to sox's dither, a few LSB); another voice gives another length or other samples."""
    version = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout
    if str(manifest["espeak"]) not in version:
        pytest.skip("espeak-ng differs from the one that made the set")
    for lang in ("ru", "pl", "de", "en") if name != "new_messages.many" else ("ru", "pl"):
        shipped = samples(VOICE_DIR / lang / f"{name}.wav")
        for voice in LANGUAGES:
            out = tmp_path / f"{lang}-{voice}.wav"
            speak(texts(lang)[name], voice, out)
            again = samples(out)
            same = len(again) == len(shipped) and float(np.max(np.abs(again - shipped))) <= 8
            assert same == (voice == lang), (name, lang, voice)


@pytest.mark.parametrize(("country", "lang"), [("DE", "de"), ("PL", "pl"), ("RU", "ru"), ("GB", "en"), ("AT", "de")])
def test_the_country_chooses_the_prompt_language(country: str, lang: str) -> None:
    settings = PbxSettings.from_config(Config(country=country))
    assert settings.prompt_language == lang
    assert word_file("welcome", settings.prompt_language).parent.name == lang


def test_a_customer_recording_replaces_the_shipped_prompt(tmp_path: Path) -> None:
    custom = tmp_path / "prompts"
    (custom / "de").mkdir(parents=True)
    own = custom / "de" / "welcome.wav"
    with wave.open(str(own), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(np.full(4000, 1000, "<i2").tobytes())
    assert word_file("welcome", "de", custom) == own
    assert word_file("goodbye", "de", custom).parent == VOICE_DIR / "de"
    first = render(("welcome", "goodbye"), "de", tmp_path / "cache", custom)
    assert samples(first)[:4000].tolist() == [1000.0] * 4000
