"""Reading a unit's own spreadsheet (XLSX, or CSV in UTF-8 or GB18030), streamed and bounded:
the header row is found below any merged title rows, and rows are read one at a time up to a
limit, so a huge or hostile file is refused early and never held whole in memory."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import gettext as _
from openpyxl import load_workbook

from app.services.errors import ValidationFailed
from app.services.records_import import _refuse_bombs, file_problem

HEADER_SEARCH_ROWS = 15  # title rows, a blank line and notes above the header
SNIFF_BYTES = 64 * 1024


@dataclass
class Sheet:
    """The header (texts, one per column), its 1-based row number, and the data rows after it
    (each with its 1-based row number in the file)."""

    header: list[str]
    header_row: int
    rows: list[tuple[int, list]] = field(default_factory=list)

    def column_name(self, index: int) -> str:
        return self.header[index] or _("第%(n)d列", n=index + 1)


def cell_text(value) -> str:
    """A cell as the text an admin sees (dates as YYYY-MM-DD HH:MM, whole numbers without .0)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M")
            if (value.hour, value.minute) != (0, 0)
            else value.strftime("%Y-%m-%d")
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) when the start of the file decodes as UTF-8, otherwise
    GB18030 (what Excel and WPS save as CSV on a Chinese Windows; a superset of GBK)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data[:SNIFF_BYTES], final=len(data) <= SNIFF_BYTES)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _csv_rows(data: bytes) -> Iterator[list]:
    encoding = detect_encoding(data)
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    sample = data[:4096].decode(encoding, errors="ignore")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        yield from csv.reader(text, dialect)
    except (csv.Error, UnicodeDecodeError):
        raise file_problem(_("无法读取文件：CSV格式或编码有误")) from None


def _xlsx_rows(data: bytes) -> Iterator[list]:
    _refuse_bombs(data)
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for row in workbook.active.iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


def _is_blank(row: list) -> bool:
    return all(cell_text(c) == "" for c in row)


def read_sheet(
    data: bytes, filename: str, *, max_rows: int, known_headers: frozenset[str] | set[str] = frozenset()
) -> Sheet:
    """The header and the non-blank data rows of the first sheet. The header is the first row,
    among the first few, that names at least two known columns; failing that, the first row
    with the most filled cells (a merged title fills one). More than max_rows data rows, or a
    file that cannot be read, is refused as a whole (ValidationFailed on 'file')."""
    is_csv = filename.lower().endswith((".csv", ".txt"))
    rows = _csv_rows(data) if is_csv else _xlsx_rows(data)
    too_many = file_problem(_("一次最多导入%(n)d行", n=max_rows))
    head: list[list] = []
    sheet: Sheet | None = None
    scanned = 0
    try:
        for row in rows:
            scanned += 1
            if sheet is None:
                head.append(row)
                if len(head) < HEADER_SEARCH_ROWS:
                    continue
                sheet = _pick_header(head, known_headers)
                _take_rows(sheet, head[sheet.header_row :], sheet.header_row, max_rows, too_many)
                continue
            if scanned > 4 * max_rows + HEADER_SEARCH_ROWS:  # blank rows too: reading stops early
                raise too_many
            if not _is_blank(row):
                if len(sheet.rows) >= max_rows:
                    raise too_many
                sheet.rows.append((scanned, row))
    except ValidationFailed:
        raise
    except Exception:
        raise file_problem(_("无法读取文件，请上传 .xlsx 或 .csv 文件")) from None
    if sheet is None:
        if not head:
            raise file_problem(_("文件中没有数据行"))
        sheet = _pick_header(head, known_headers)
        _take_rows(sheet, head[sheet.header_row :], sheet.header_row, max_rows, too_many)
    width = len(sheet.header)
    sheet.rows = [(n, (list(r) + [None] * width)[:width]) for n, r in sheet.rows]
    return sheet


def _take_rows(sheet: Sheet, rows: list[list], first_number: int, max_rows: int, too_many) -> None:
    for offset, row in enumerate(rows, start=1):
        if not _is_blank(row):
            if len(sheet.rows) >= max_rows:
                raise too_many
            sheet.rows.append((first_number + offset, row))


def _pick_header(head: list[list], known_headers: frozenset[str] | set[str]) -> Sheet:
    def known(row):
        return sum(1 for c in row if normalize_header(cell_text(c)) in known_headers)

    def filled(row):
        return sum(1 for c in row if cell_text(c))

    chosen = next((i for i, row in enumerate(head) if known(row) >= 2), None)
    if chosen is None:
        most = max((filled(r) for r in head), default=0)
        chosen = next((i for i, row in enumerate(head) if filled(row) == most), 0)
    header = [cell_text(c) for c in head[chosen]] if head else []
    while header and not header[-1]:
        header.pop()
    if len([h for h in header if h]) < 1:
        raise file_problem(_("没有找到表头行"))
    return Sheet(header=header, header_row=chosen + 1)


def normalize_header(text: str) -> str:
    """A header as compared with known names: no spaces, asterisks (required marks) or
    full-width brackets' differences, so 服务时长（小时）, 服务时长(小时) and *姓名 all match."""
    text = (text or "").replace("（", "(").replace("）", ")").replace("*", "").replace("＊", "")
    return "".join(text.split()).lower()
