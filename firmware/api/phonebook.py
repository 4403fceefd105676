"""The phone book as a CSV file: import (number and name per row, header optional, UTF-8 with or without
BOM, `;`, `,` or tab separated; all rows or none) and export (RFC 4180, a header, UTF-8).

Numbers are normalised to digits with an optional leading + ("+49 (30) 123-456" -> "+4930123456"); a
row whose number or name is unusable is reported with its line number, and nothing is imported while
any row is bad. The imported book is kept as `phonebook.csv` in the state directory (written atomically,
in the export format) and handed to the call engine, which uses it besides the config's own
`phonebook.entries` for new calls at once (`Api.phonebook_import`; the daemon hands it over at start).
It is not put into the config: a config of thousands of entries would make every config save slow."""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from firmware.config.store import atomic_write

log = logging.getLogger("pbxd.phonebook")
FILE = "phonebook.csv"

MAX_ENTRIES = 5000
MAX_BYTES = 2 * 1024 * 1024
NUMBER = re.compile(r"\+?[0-9]{2,24}")
SEPARATORS = ";,\t"
NUMBER_WORDS = {"number", "phone", "telephone", "tel", "nummer", "telefon", "rufnummer", "номер", "телефон",
                "numer", "telefon komórkowy"}
NAME_WORDS = {"name", "full name", "nachname", "имя", "название", "nazwa", "imię", "nazwisko"}


@dataclass
class ParsedBook:
    entries: list[tuple[str, str]] = field(default_factory=list)     # (number, name) in file order
    problems: list[tuple[int, str]] = field(default_factory=list)    # (line, what is wrong)
    skipped: int = 0                                                 # rows that repeat an earlier one


def normalise(number: str) -> str:
    """Digits with a leading + if there was one; spaces, dashes, dots, slashes and brackets dropped
    ("" when anything else is in it)."""
    text = number.strip()
    plus = text.startswith("+")
    digits = re.sub(r"[\s\-./()\u00a0]", "", text[1:] if plus else text)
    return ("+" if plus else "") + digits if digits.isdigit() and digits.isascii() else ""


def decode(data: bytes) -> str:
    """UTF-8 text, a byte order mark dropped; ValueError naming the byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the file is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8") from exc


def separator(text: str) -> str:
    """The separator of the first non-empty line: `;` (spreadsheets in DE/PL/RU), tab, else `,`."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _columns(header: list[str]) -> tuple[int, int] | None:
    """(number column, name column) if `header` is a header row, else None."""
    cells = [c.strip().lower() for c in header]
    number = next((i for i, c in enumerate(cells) if c in NUMBER_WORDS), None)
    name = next((i for i, c in enumerate(cells) if c in NAME_WORDS), None)
    if number is not None and name is not None:
        return number, name
    if cells and not any(normalise(c) for c in cells) and any(re.search(r"[^\W\d_]", c) for c in cells[:1]):
        return 0, 1                                   # some other header: the columns in their usual order
    return None


def parse(data: bytes) -> ParsedBook:
    """Rows of a CSV file as (number, name); problems with their line numbers (1 = the first line)."""
    book = ParsedBook()
    if len(data) > MAX_BYTES:
        book.problems.append((0, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB"))
        return book
    try:
        text = decode(data)
    except ValueError as exc:
        book.problems.append((0, str(exc)))
        return book
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator(text))
    cols = (0, 1)
    seen: dict[str, tuple[int, str]] = {}
    first = True
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if first:
                first = False
                header = _columns(row)
                if header is not None:
                    cols = header
                    continue
            problem = _row(book, row, cols, line, seen)
            if problem:
                book.problems.append((line, problem))
    except csv.Error as exc:
        book.problems.append((reader.line_num, f"not CSV: {exc}"))
    if not book.entries and not book.problems:
        book.problems.append((0, "the file has no entries"))
    if len(book.entries) > MAX_ENTRIES:
        book.problems.append((0, f"{len(book.entries)} entries: the phone book holds at most {MAX_ENTRIES}"))
    return book


def _row(book: ParsedBook, row: list[str], cols: tuple[int, int], line: int,
         seen: dict[str, tuple[int, str]]) -> str:
    num_col, name_col = cols
    if len(row) <= max(num_col, name_col):
        return "a row needs a number and a name"
    raw, name = row[num_col].strip(), " ".join(row[name_col].split())
    number = normalise(raw)
    if not number or not NUMBER.fullmatch(number):
        return f"{raw!r} is not a phone number (digits, optionally a leading +; 2-24 digits)"
    if not name:
        return f"{number}: the name is empty"
    if len(name) > 40:
        return f"{number}: the name is longer than 40 characters"
    if number in seen:
        earlier, earlier_name = seen[number]
        if earlier_name == name:
            book.skipped += 1
            return ""
        return f"{number} is already on line {earlier} with another name ({earlier_name})"
    seen[number] = (line, name)
    book.entries.append((number, name))
    return ""


def merge(current: list[tuple[str, str]], imported: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The current entries with the imported ones added; an imported name replaces the old one."""
    names = dict(current)
    names.update(imported)
    return list(names.items())


def export(entries: list[tuple[str, str]]) -> str:
    """CSV text with a header row, `,` separated, quoted where needed; what `parse` reads back."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["number", "name"])
    writer.writerows(entries)
    return out.getvalue()


def save(state_dir: Path, entries: list[tuple[str, str]]) -> None:
    """Keep the imported book (a power cut leaves the old or the new file)."""
    atomic_write(state_dir / FILE, export(entries))


def load(state_dir: Path) -> list[tuple[str, str]]:
    """The imported book kept in the state directory ([] when there is none or it cannot be read)."""
    path = state_dir / FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        log.warning("%s: %s; the imported phone book is not used", path, exc)
        return []
    book = parse(data)
    if book.problems and data.strip():
        log.warning("%s: %s; the imported phone book is not used", path, report(book.problems, 3))
        return []
    return book.entries


def report(problems: list[tuple[int, str]], limit: int = 20) -> str:
    """The problems for the user: "line 3: ...; line 7: ..." (the first `limit`, then how many more)."""
    parts = [f"line {line}: {what}" if line else what for line, what in problems[:limit]]
    more = len(problems) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
