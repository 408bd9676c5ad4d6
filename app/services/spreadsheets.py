"""Rows for every spreadsheet we hand out (XLSX and CSV), safe to open in Excel or WPS.

A cell whose text starts with = + - @ (or a tab or carriage return) is run as a formula by
spreadsheet programs: an offer titled =HYPERLINK(...) would become a live link in an admin's
export (CSV/formula injection, OWASP). Every export writes its rows through this module, so
text is always stored as text and such a value is prefixed with an apostrophe."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value):
    """value unchanged unless it is text a spreadsheet would run; then prefixed with '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def append_row(sheet, values: Iterable) -> None:
    """Append one row to an openpyxl sheet; every text cell is a plain string cell."""
    row = [safe_text(v) for v in values]
    sheet.append(row)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


class RowWriter(Protocol):
    """What csv.writer() returns, as far as we use it."""

    def writerow(self, row: Iterable[Any], /) -> Any: ...


def write_csv_rows(writer: RowWriter, rows: Iterable[Iterable]) -> None:
    for row in rows:
        writer.writerow([safe_text(v) for v in row])
