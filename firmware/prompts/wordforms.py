"""Word forms for numbers and dates in en/de/ru/pl: gendered and case forms of 1 and 2, nouns counted by
numbers with their plural forms (CLDR categories) and gender, weekdays, months and day ordinals."""

from __future__ import annotations

PLURALS = {"en": ("one", "other"), "de": ("one", "other"), "ru": ("one", "few", "many"), "pl": ("one", "few", "many")}

# Gendered / case forms of 1 and 2 (the base forms come from espeak reading the digits).
NUMBER_FORMS: dict[str, dict[str, str]] = {
    "en": {},
    "de": {"num.1.m": "ein", "num.1.f": "eine", "num.1.n": "ein"},
    "ru": {"num.1.f": "одна", "num.1.n": "одно", "num.2.f": "две"},
    "pl": {"num.1.f": "jedna", "num.1.f.acc": "jedną", "num.2.f": "dwie"},
}

# Nouns counted by numbers: plural forms in CLDR categories, and the grammatical gender (ru, pl, de).
NOUNS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "new_messages": {
        "en": ("m", ("new message", "new messages")),
        "de": ("f", ("neue Nachricht", "neue Nachrichten")),
        "ru": ("n", ("новое сообщение", "новых сообщения", "новых сообщений")),
        "pl": ("f.acc", ("nową wiadomość", "nowe wiadomości", "nowych wiadomości")),
    },
    "saved_messages": {
        "en": ("m", ("saved message", "saved messages")),
        "de": ("f", ("gespeicherte Nachricht", "gespeicherte Nachrichten")),
        "ru": ("n", ("сохранённое сообщение", "сохранённых сообщения", "сохранённых сообщений")),
        "pl": ("f.acc", ("zapisaną wiadomość", "zapisane wiadomości", "zapisanych wiadomości")),
    },
    "seconds": {
        "en": ("m", ("second", "seconds")),
        "de": ("f", ("Sekunde", "Sekunden")),
        "ru": ("f", ("секунда", "секунды", "секунд")),
        "pl": ("f", ("sekunda", "sekundy", "sekund")),
    },
    "minutes": {
        "en": ("m", ("minute", "minutes")),
        "de": ("f", ("Minute", "Minuten")),
        "ru": ("f", ("минута", "минуты", "минут")),
        "pl": ("f", ("minuta", "minuty", "minut")),
    },
    "hours": {
        "en": ("m", ("hour", "hours")),
        "de": ("f", ("Stunde", "Stunden")),
        "ru": ("m", ("час", "часа", "часов")),
        "pl": ("f", ("godzina", "godziny", "godzin")),
    },
    "thousand": {
        "en": ("m", ("thousand", "thousand")),
        "de": ("n", ("tausend", "tausend")),
        "ru": ("f", ("тысяча", "тысячи", "тысяч")),
        "pl": ("m", ("tysiąc", "tysiące", "tysięcy")),
    },
}

WEEKDAYS: dict[str, tuple[str, ...]] = {  # "on Monday" with its preposition, Monday first
    "en": ("on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "on Saturday", "on Sunday"),
    "de": ("am Montag", "am Dienstag", "am Mittwoch", "am Donnerstag", "am Freitag", "am Samstag", "am Sonntag"),
    "ru": ("в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу", "в воскресенье"),
    "pl": ("w poniedziałek", "we wtorek", "w środę", "w czwartek", "w piątek", "w sobotę", "w niedzielę"),
}
MONTHS: dict[str, tuple[str, ...]] = {  # as said after the day (genitive in ru/pl)
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "de": (
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
    "ru": (
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ),
    "pl": (
        "stycznia",
        "lutego",
        "marca",
        "kwietnia",
        "maja",
        "czerwca",
        "lipca",
        "sierpnia",
        "września",
        "października",
        "listopada",
        "grudnia",
    ),
}
_ORD_EN = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
_ORD_DE = [
    "ersten",
    "zweiten",
    "dritten",
    "vierten",
    "fünften",
    "sechsten",
    "siebten",
    "achten",
    "neunten",
    "zehnten",
    "elften",
    "zwölften",
    "dreizehnten",
    "vierzehnten",
    "fünfzehnten",
    "sechzehnten",
    "siebzehnten",
    "achtzehnten",
    "neunzehnten",
    "zwanzigsten",
]
_ORD_RU = [
    "первого",
    "второго",
    "третьего",
    "четвёртого",
    "пятого",
    "шестого",
    "седьмого",
    "восьмого",
    "девятого",
    "десятого",
    "одиннадцатого",
    "двенадцатого",
    "тринадцатого",
    "четырнадцатого",
    "пятнадцатого",
    "шестнадцатого",
    "семнадцатого",
    "восемнадцатого",
    "девятнадцатого",
    "двадцатого",
]
_ORD_PL = [
    "pierwszego",
    "drugiego",
    "trzeciego",
    "czwartego",
    "piątego",
    "szóstego",
    "siódmego",
    "ósmego",
    "dziewiątego",
    "dziesiątego",
    "jedenastego",
    "dwunastego",
    "trzynastego",
    "czternastego",
    "piętnastego",
    "szesnastego",
    "siedemnastego",
    "osiemnastego",
    "dziewiętnastego",
    "dwudziestego",
]
PL_HOURS = (
    "zero",
    *[
        "pierwszej",
        "drugiej",
        "trzeciej",
        "czwartej",
        "piątej",
        "szóstej",
        "siódmej",
        "ósmej",
        "dziewiątej",
        "dziesiątej",
        "jedenastej",
        "dwunastej",
        "trzynastej",
        "czternastej",
        "piętnastej",
        "szesnastej",
        "siedemnastej",
        "osiemnastej",
        "dziewiętnastej",
        "dwudziestej",
    ],
    "dwudziestej pierwszej",
    "dwudziestej drugiej",
    "dwudziestej trzeciej",
)


def ordinals(lang: str) -> tuple[str, ...]:
    """Day-of-month ordinals 1-31 as said in a date ("am sechsten Mai", "шестого мая")."""
    if lang == "en":
        return (*_ORD_EN, *(f"twenty-{o}" for o in _ORD_EN[:9]), "thirtieth", "thirty-first")
    if lang == "de":
        units = ("ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun")
        return tuple(
            f"am {o}" for o in (*_ORD_DE, *(f"{u}undzwanzigsten" for u in units), "dreißigsten", "einunddreißigsten")
        )
    base, twenty, thirty = (
        (_ORD_RU, "двадцать", "тридцатого") if lang == "ru" else (_ORD_PL, "dwudziestego", "trzydziestego")
    )
    return (
        *base,
        *(f"{twenty} {o}" for o in base[:9]),
        thirty,
        f"{thirty.split()[0]} {base[0]}" if lang == "pl" else f"тридцать {base[0]}",
    )
