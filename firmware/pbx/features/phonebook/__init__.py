"""The local phone book (names for callers' numbers) and caller-number normalisation."""

from firmware.pbx.features.phonebook.book import PhoneBook
from firmware.pbx.features.phonebook.numbers import forms, lookup, matches, national

__all__ = ["PhoneBook", "forms", "lookup", "matches", "national"]
