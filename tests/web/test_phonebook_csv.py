"""Phone book CSV files as spreadsheets and address books write them: header or none, `;` `,` or tab,
UTF-8 with or without BOM, numbers written with spaces and brackets; wrong rows named by their line."""

from __future__ import annotations

import pytest

from firmware.api.phonebook import export, merge, normalise, parse, report


@pytest.mark.parametrize(("raw", "number"), [("+49 (30) 123-456", "+4930123456"), ("0172 / 555 66 77", "01725556677"),
                                             ("030.123.456", "030123456"), ("12a34", ""), ("++49", ""),
                                             ("０３０", "")])
def test_numbers_are_written_as_digits_with_an_optional_plus(raw: str, number: str) -> None:
    assert normalise(raw) == number


def test_a_german_spreadsheet_export_with_bom_header_and_semicolons() -> None:
    data = "\ufeffName;Telefon\r\nMüller GmbH;+49 30 1234567\r\n\r\n\"Schmidt; Dr.\";030 7654321\r\n".encode()
    book = parse(data)
    assert book.problems == []
    assert book.entries == [("+49301234567", "Müller GmbH"), ("0307654321", "Schmidt; Dr.")]


@pytest.mark.parametrize("sep", [",", "\t"])
def test_without_a_header_the_columns_are_number_then_name(sep: str) -> None:
    book = parse(f"0301111{sep}Alpha\n0302222{sep}\"Beta, Ltd\"{sep}ignored\n".encode())
    assert book.problems == [] and book.entries == [("0301111", "Alpha"), ("0302222", "Beta, Ltd")]


def test_every_bad_row_is_named_by_its_line_and_nothing_is_taken() -> None:
    long_name = "x" * 41
    data = f"number,name\n0301111,Alpha\nabc,Beta\n0302222\n0303333,  \n0304444,{long_name}\n0301111,Other\n"
    book = parse(data.encode())
    assert [line for line, _what in book.problems] == [3, 4, 5, 6, 7]
    text = report(book.problems)
    assert "line 3: 'abc' is not a phone number" in text and "already on line 2" in text


def test_repeated_identical_rows_are_skipped_not_refused() -> None:
    book = parse(b"0301111,Alpha\n030 1111,Alpha\n")
    assert book.problems == [] and book.entries == [("0301111", "Alpha")] and book.skipped == 1


def test_files_that_are_not_utf8_or_empty_are_refused() -> None:
    assert "not UTF-8" in parse("0301111;Müller\n".encode("latin-1")).problems[0][1]
    assert parse(b"\n \n").problems == [(0, "the file has no entries")]


def test_export_reads_back_and_merge_lets_imported_names_win() -> None:
    entries = [("0301111", "Alpha, \"the first\""), ("+4930222", "Ωmega")]
    assert parse(export(entries).encode()).entries == entries
    assert merge([("1", "a"), ("2", "b")], [("2", "B"), ("3", "c")]) == [("1", "a"), ("2", "B"), ("3", "c")]
