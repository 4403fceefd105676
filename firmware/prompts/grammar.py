"""Numbers, counts, dates, times and durations as prompt words, per language (small tables + functions):
CLDR plural categories (en/de one/other; ru/pl one/few/many), numeral agreement with the counted noun
(ru "одно сообщение / две минуты / двадцать одна секунда", pl "jedną nową wiadomość / dwie minuty",
de "eine neue Nachricht"), cardinals from the digit words espeak made ("num.25"), day ordinals, month
and weekday words. The words are prompt names of firmware.prompts.phrases."""

from __future__ import annotations

from datetime import datetime

from firmware.prompts.wordforms import NOUNS

Words = tuple[str, ...]


def plural(n: int, lang: str) -> str:
    """CLDR cardinal plural category of `n` (integers) in `lang`."""
    if lang in ("en", "de"):
        return "one" if n == 1 else "other"
    last, last2 = n % 10, n % 100
    if lang == "ru":
        if last == 1 and last2 != 11:
            return "one"
        return "few" if 2 <= last <= 4 and not 12 <= last2 <= 14 else "many"
    if lang == "pl":
        if n == 1:
            return "one"
        return "few" if 2 <= last <= 4 and not 12 <= last2 <= 14 else "many"
    raise ValueError(f"no plural rules for {lang!r}")


def cardinal(n: int, lang: str, gender: str = "m") -> Words:
    """`n` (0-999999) as number words; `gender` of what is counted: m, f, n, or pl "f.acc"."""
    if not 0 <= n < 1_000_000:
        raise ValueError(f"{n} is out of range")
    if n >= 1000:
        thousands, rest = divmod(n, 1000)
        return _thousands(thousands, lang) + (cardinal(rest, lang, gender) if rest else ())
    if n >= 100:
        hundreds, rest = divmod(n, 100)
        if lang in ("en", "de"):
            lead = ("num.1.m",) if lang == "de" and hundreds == 1 else (f"num.{hundreds}",)
            head: Words = (*lead, "hundred")
        else:
            head = (f"num.{hundreds * 100}",)
        return head + (_below_100(rest, lang, gender, compound=True) if rest else ())
    return _below_100(n, lang, gender, compound=False)


def _below_100(n: int, lang: str, gender: str, *, compound: bool) -> Words:
    if lang == "de" or n < 20 or n % 10 == 0:
        if n in (1, 2) and not (lang == "pl" and compound and n == 1):
            return (_gendered(n, lang, gender),)
        return (f"num.{n}",)
    tens, unit = divmod(n, 10)
    if lang == "pl" and unit == 1:
        return (f"num.{tens * 10}", "num.1")         # dwadzieścia jeden (invariable in compounds)
    return (f"num.{tens * 10}", _gendered(unit, lang, gender) if unit in (1, 2) else f"num.{unit}")


def _gendered(n: int, lang: str, gender: str) -> str:
    """1 and 2 agree with the noun: ru одна/одно/две, pl jedna/jedną/dwie, de ein/eine (before a noun);
    gender "" = counting on its own (eins, один)."""
    if not gender:
        return f"num.{n}"
    if lang == "de" and n == 1:
        return "num.1.f" if gender.startswith("f") else "num.1.m"
    if lang == "ru" and ((n == 1 and gender in ("f", "n")) or (n == 2 and gender == "f")):
        return f"num.{n}.{gender}"
    if lang == "pl" and gender.startswith("f"):
        return f"num.1.{gender}" if n == 1 else "num.2.f"
    return f"num.{n}"


def _thousands(k: int, lang: str) -> Words:
    gender = NOUNS["thousand"][lang][0]
    if lang in ("en", "de"):
        return (*cardinal(k, lang, gender if lang == "de" and k == 1 else ""), "thousand.one")
    if lang == "pl" and k == 1:
        return ("thousand.one",)
    return (*cardinal(k, lang, gender), f"thousand.{plural(k, lang)}")


def count(n: int, noun: str, lang: str) -> Words:
    """`n` things: the number agreeing with the noun, then the noun's plural form
    (ru 5 -> "num.5", "new_messages.many"; pl 1 -> "num.1.f.acc", "new_messages.one")."""
    gender, _forms = NOUNS[noun][lang]
    return (*cardinal(n, lang, gender), f"{noun}.{plural(n, lang)}")


def number_digits(number: str) -> Words:
    """A phone or extension number read digit by digit (the shipped digit words "0".."9")."""
    return tuple(d for d in number if d.isdigit())


def day_words(when: datetime, now: datetime, lang: str) -> Words:
    """today / yesterday / on <weekday> (within a week) / the <day> of <month>."""
    days = (now.date() - when.date()).days
    if days == 0:
        return ("today",)
    if days == 1:
        return ("yesterday",)
    if 1 < days < 7:
        return (f"weekday.{when.weekday()}",)
    if lang == "en":
        return (f"month.{when.month}", f"ord.{when.day}")
    return (f"ord.{when.day}", f"month.{when.month}")           # de "am sechsten Mai", ru "шестого мая"


def time_words(when: datetime, lang: str) -> Words:
    """The time of day: en "at nine oh five", de "um neun Uhr fünf", ru "в девять часов пять минут",
    pl "o godzinie dziewiątej pięć" (hours as ordinals)."""
    h, m = when.hour, when.minute
    if lang == "en":
        tail: Words = ("oclock",) if m == 0 else (("oh", f"num.{m}") if m < 10 else cardinal(m, lang))
        return ("at", *cardinal(h, lang, ""), *tail)
    if lang == "de":
        return ("at", *(("num.1.m",) if h == 1 else cardinal(h, lang, "")), "oclock",
                *(cardinal(m, lang, "") if m else ()))
    if lang == "ru":
        return ("at", *count(h, "hours", lang), *(count(m, "minutes", lang) if m else ()))
    return ("at", f"hour.{h}", *(("oclock",) if m == 0 else ("oh", f"num.{m}") if m < 10 else cardinal(m, lang)))


def duration_words(seconds: float, lang: str) -> Words:
    """A duration in minutes and seconds with plural nouns ("2 minutes 5 seconds")."""
    total = max(0, round(seconds))
    mins, secs = divmod(total, 60)
    out: Words = count(mins, "minutes", lang) if mins else ()
    if secs or not mins:
        out += count(secs, "seconds", lang)
    return out


def when_words(when: datetime, now: datetime, lang: str) -> Words:
    """When a message came: the day, then the time."""
    return (*day_words(when, now, lang), *time_words(when, lang))
