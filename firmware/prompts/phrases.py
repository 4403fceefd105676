"""The shipped prompt set as data: for each language (en, de, ru, pl) every prompt name and the text
espeak-ng speaks for it (the espeak voice is the language code). Numbers are spoken by espeak from
digits ("25" -> fünfundzwanzig / двадцать пять); gendered and case forms, ordinals, weekdays, months
and plural nouns are written out here, and firmware.prompts.grammar picks the right ones."""

from __future__ import annotations

from firmware.prompts.wordforms import MONTHS, NOUNS, NUMBER_FORMS, PL_HOURS, PLURALS, WEEKDAYS, ordinals

VOICES = {"en": "en", "de": "de", "ru": "ru", "pl": "pl"}

SENTENCES: dict[str, dict[str, str]] = {
    "welcome": {"en": "Welcome.", "de": "Willkommen.", "ru": "Здравствуйте.", "pl": "Dzień dobry."},
    "enter_extension": {
        "en": "Please dial the extension number, or hold the line.",
        "de": "Bitte wählen Sie die Durchwahl, oder bleiben Sie am Apparat.",
        "ru": "Наберите внутренний номер или оставайтесь на линии.",
        "pl": "Proszę wybrać numer wewnętrzny lub pozostać na linii.",
    },
    "invalid": {
        "en": "That is not a valid choice.",
        "de": "Diese Eingabe ist ungültig.",
        "ru": "Неверный выбор.",
        "pl": "Nieprawidłowy wybór.",
    },
    "goodbye": {"en": "Goodbye.", "de": "Auf Wiederhören.", "ru": "До свидания.", "pl": "Do widzenia."},
    "please_hold": {
        "en": "Please hold, you are being connected.",
        "de": "Bitte warten, Sie werden verbunden.",
        "ru": "Пожалуйста, подождите, соединяем.",
        "pl": "Proszę czekać, łączymy.",
    },
    "closed": {
        "en": "Thank you for calling. Our office is closed now.",
        "de": "Vielen Dank für Ihren Anruf. Unser Büro ist zur Zeit geschlossen.",
        "ru": "Спасибо за звонок. Сейчас офис не работает.",
        "pl": "Dziękujemy za telefon. Biuro jest teraz zamknięte.",
    },
    "holiday": {
        "en": "Our office is closed today for a holiday.",
        "de": "Unser Büro ist heute feiertags geschlossen.",
        "ru": "Сегодня праздничный день, офис не работает.",
        "pl": "Dziś jest święto, biuro jest zamknięte.",
    },
    "leave_message": {
        "en": "Please leave your message after the tone. When you are done, hang up or press the hash key.",
        "de": "Bitte sprechen Sie nach dem Signalton. Legen Sie danach auf oder drücken Sie die Raute.",
        "ru": "Оставьте сообщение после сигнала. Затем положите трубку или нажмите решётку.",
        "pl": "Proszę zostawić wiadomość po sygnale. Następnie proszę się rozłączyć lub nacisnąć krzyżyk.",
    },
    "vm_person": {
        "en": "The person at extension",
        "de": "Der Teilnehmer mit der Durchwahl",
        "ru": "Абонент номер",
        "pl": "Abonent numer",
    },
    "vm_unavailable": {
        "en": "is not available.",
        "de": "ist nicht erreichbar.",
        "ru": "недоступен.",
        "pl": "jest niedostępny.",
    },
    "vm_busy": {"en": "is on the phone.", "de": "spricht gerade.", "ru": "занят.", "pl": "jest zajęty."},
    "mailbox_full": {
        "en": "The mailbox is full.",
        "de": "Das Postfach ist voll.",
        "ru": "Почтовый ящик переполнен.",
        "pl": "Skrzynka jest pełna.",
    },
    "enter_pin": {
        "en": "Please enter your PIN, then the hash key.",
        "de": "Bitte geben Sie Ihre PIN ein, dann die Raute.",
        "ru": "Введите PIN-код и нажмите решётку.",
        "pl": "Proszę wprowadzić PIN i nacisnąć krzyżyk.",
    },
    "wrong_pin": {
        "en": "That PIN is not correct.",
        "de": "Die PIN ist falsch.",
        "ru": "Неверный PIN-код.",
        "pl": "Nieprawidłowy PIN.",
    },
    "too_many_attempts": {
        "en": "Too many wrong attempts.",
        "de": "Zu viele Fehlversuche.",
        "ru": "Слишком много неудачных попыток.",
        "pl": "Zbyt wiele błędnych prób.",
    },
    "enter_mailbox": {
        "en": "Please enter the mailbox number, then the hash key.",
        "de": "Bitte geben Sie die Nummer des Postfachs ein, dann die Raute.",
        "ru": "Введите номер почтового ящика и нажмите решётку.",
        "pl": "Proszę wprowadzić numer skrzynki i nacisnąć krzyżyk.",
    },
    "you_have": {"en": "You have", "de": "Sie haben", "ru": "У вас", "pl": "Masz"},
    "and": {"en": "and", "de": "und", "ru": "и", "pl": "i"},
    "hundred": {"en": "hundred", "de": "hundert", "ru": "сто", "pl": "sto"},
    "no_messages": {
        "en": "You have no messages.",
        "de": "Sie haben keine Nachrichten.",
        "ru": "У вас нет сообщений.",
        "pl": "Nie masz żadnych wiadomości.",
    },
    "main_menu": {
        "en": "For new messages press 1. For saved messages press 2. To finish press star.",
        "de": "Für neue Nachrichten drücken Sie die 1. Für gespeicherte Nachrichten die 2. "
        "Zum Beenden die Stern-Taste.",
        "ru": "Новые сообщения: нажмите 1. Сохранённые сообщения: нажмите 2. Для выхода нажмите звёздочку.",
        "pl": "Nowe wiadomości: naciśnij 1. Zapisane wiadomości: naciśnij 2. Aby zakończyć, naciśnij gwiazdkę.",
    },
    "message_menu": {
        "en": "To hear it again press 1. To save it press 2. To delete it press 7. To forward it press 8. "
        "For the next message press the hash key.",
        "de": "Nochmals hören: 1. Speichern: 2. Löschen: 7. Weiterleiten: 8. Nächste Nachricht: Raute.",
        "ru": "Прослушать ещё раз: 1. Сохранить: 2. Удалить: 7. Переслать: 8. Следующее сообщение: решётка.",
        "pl": "Odsłuchaj ponownie: 1. Zapisz: 2. Usuń: 7. Przekaż: 8. Następna wiadomość: krzyżyk.",
    },
    "message_number": {"en": "Message", "de": "Nachricht", "ru": "Сообщение номер", "pl": "Wiadomość numer"},
    "received": {"en": "received", "de": "empfangen", "ru": "получено", "pl": "otrzymana"},
    "from": {"en": "from", "de": "von", "ru": "от абонента", "pl": "od numeru"},
    "unknown_caller": {
        "en": "from an unknown caller",
        "de": "von einem unbekannten Anrufer",
        "ru": "от неизвестного абонента",
        "pl": "od nieznanego numeru",
    },
    "length": {"en": "length", "de": "Länge", "ru": "длительность", "pl": "długość"},
    "today": {"en": "today", "de": "heute", "ru": "сегодня", "pl": "dzisiaj"},
    "yesterday": {"en": "yesterday", "de": "gestern", "ru": "вчера", "pl": "wczoraj"},
    "at": {"en": "at", "de": "um", "ru": "в", "pl": "o godzinie"},
    "oclock": {"en": "o'clock", "de": "Uhr", "ru": "ровно", "pl": "zero zero"},
    "oh": {"en": "oh", "de": "null", "ru": "ноль", "pl": "zero"},
    "deleted": {
        "en": "Message deleted.",
        "de": "Nachricht gelöscht.",
        "ru": "Сообщение удалено.",
        "pl": "Wiadomość usunięta.",
    },
    "saved": {
        "en": "Message saved.",
        "de": "Nachricht gespeichert.",
        "ru": "Сообщение сохранено.",
        "pl": "Wiadomość zapisana.",
    },
    "forwarded": {
        "en": "Message forwarded.",
        "de": "Nachricht weitergeleitet.",
        "ru": "Сообщение переслано.",
        "pl": "Wiadomość przekazana.",
    },
    "enter_forward": {
        "en": "Please enter the mailbox to forward to, then the hash key.",
        "de": "Bitte geben Sie das Ziel-Postfach ein, dann die Raute.",
        "ru": "Введите номер ящика для пересылки и нажмите решётку.",
        "pl": "Proszę wprowadzić numer skrzynki docelowej i nacisnąć krzyżyk.",
    },
    "no_more_messages": {
        "en": "No more messages.",
        "de": "Keine weiteren Nachrichten.",
        "ru": "Больше сообщений нет.",
        "pl": "Nie ma więcej wiadomości.",
    },
    "night_mode": {
        "en": "Night mode is on.",
        "de": "Nachtschaltung ist eingeschaltet.",
        "ru": "Включён ночной режим.",
        "pl": "Tryb nocny włączony.",
    },
    "day_mode": {
        "en": "Day mode is on.",
        "de": "Tagschaltung ist eingeschaltet.",
        "ru": "Включён дневной режим.",
        "pl": "Tryb dzienny włączony.",
    },
    "auto_mode": {
        "en": "Office hours apply again.",
        "de": "Die Bürozeiten gelten wieder.",
        "ru": "Снова действует рабочий график.",
        "pl": "Znów obowiązują godziny pracy.",
    },
    "call_rejected": {
        "en": "Your call cannot be accepted.",
        "de": "Ihr Anruf kann nicht angenommen werden.",
        "ru": "Ваш звонок не может быть принят.",
        "pl": "Twoje połączenie nie może zostać przyjęte.",
    },
}


def texts(lang: str) -> dict[str, str]:
    """Every prompt name of a language and the text spoken for it."""
    out = {name: by_lang[lang] for name, by_lang in SENTENCES.items()}
    out.update({f"num.{n}": str(n) for n in (*range(20), *range(20, 100, 10), *range(100, 1000, 100))})
    if lang == "de":
        out.update({f"num.{n}": str(n) for n in range(21, 100)})
    out.update(NUMBER_FORMS[lang])
    for noun, by_lang in NOUNS.items():
        _gender, forms = by_lang[lang]
        out.update({f"{noun}.{cat}": text for cat, text in zip(PLURALS[lang], forms)})
    out.update({f"weekday.{i}": day for i, day in enumerate(WEEKDAYS[lang])})
    out.update({f"month.{i + 1}": m for i, m in enumerate(MONTHS[lang])})
    out.update({f"ord.{i + 1}": o for i, o in enumerate(ordinals(lang))})
    if lang == "pl":
        out.update({f"hour.{h}": text for h, text in enumerate(PL_HOURS)})
    return out
