"""The XLSX import streams with limits: zip bombs and oversized sheets are refused before any
XML is parsed (422 within 2 s), rows are read in streaming mode up to 5,000, and a DOCTYPE or
entity (XXE, billion laughs) is refused by defusedxml — all answered 422 on the import page."""
from __future__ import annotations

import io
import time
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.models import ServiceRecord, Unit
from app.services import mapped_import, records_import
from tests import factories as f

SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = "</sheetData></worksheet>"
HEADER_ROW = ('<row r="1">' + "".join(
    f'<c r="{col}1" t="inlineStr"><is><t>{text}</t></is></c>'
    for col, text in zip("ABCDE", records_import.HEADERS, strict=True)) + "</row>")


def _base_workbook() -> bytes:
    workbook = Workbook()
    workbook.active.append(["x"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_sheet(chunks, *, level: int = 6) -> bytes:
    """A real workbook whose first sheet's XML is written from chunks (streamed, never held
    whole in memory)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_base_workbook())) as base, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target:
        for info in base.infolist():
            if info.filename == SHEET:
                with target.open(SHEET, "w", force_zip64=True) as sheet:
                    for chunk in chunks:
                        sheet.write(chunk.encode())
            else:
                target.writestr(info, base.read(info.filename))
    return out.getvalue()


def cell_row(n: int, *values: str) -> str:
    cells = "".join(f'<c r="{col}{n}" t="inlineStr"><is><t>{v}</t></is></c>' for col, v in zip("ABCDE", values, strict=False))
    return f'<row r="{n}">{cells}</row>'


@pytest.fixture
def unit_admin(client, db):
    admin = f.unit_admin()
    f.login(client, admin)
    return admin


def upload(client, data: bytes):
    started = time.monotonic()
    response = f.post_form(client, "/admin/records/import", {"file": (io.BytesIO(data), "records.xlsx")},
                           content_type="multipart/form-data", token_from="/admin/records/import")
    return response, time.monotonic() - started


def test_openpyxl_parses_with_defusedxml():
    import openpyxl
    assert openpyxl.DEFUSEDXML is True


def test_a_sheet_of_a_million_and_a_half_rows_is_refused_quickly(client, db, unit_admin):
    def rows():
        yield SHEET_HEAD + HEADER_ROW
        batch = '<row><c t="inlineStr"><is><t>ZY1</t></is></c></row>' * 10_000
        for _ in range(150):
            yield batch
        yield SHEET_TAIL
    data = with_sheet(rows(), level=9)
    assert len(data) < 2 * 1024 * 1024
    response, seconds = upload(client, data)
    assert response.status_code == 422
    assert "文件解压后过大" in response.get_data(as_text=True)
    assert seconds < 2
    assert db.session.scalar(select(func.count(ServiceRecord.id))) == 0


def test_a_zip_bomb_is_refused_before_parsing(client, db, unit_admin):
    def filler():
        yield SHEET_HEAD + HEADER_ROW
        block = " " * (1024 * 1024)
        for _ in range(300):  # 300 MB of spaces inside the sheet
            yield block
        yield SHEET_TAIL
    data = with_sheet(filler(), level=1)
    assert len(data) < 2 * 1024 * 1024
    response, seconds = upload(client, data)
    assert response.status_code == 422 and "文件解压后过大" in response.get_data(as_text=True)
    assert seconds < 2


def test_a_member_that_packs_too_well_is_refused_even_when_small_overall(client, db, unit_admin):
    def filler():
        yield SHEET_HEAD + HEADER_ROW + " " * (5 * 1024 * 1024) + SHEET_TAIL  # 5 MB at ~1000:1
    response, _seconds = upload(client, with_sheet(filler(), level=9))
    assert response.status_code == 422 and "文件解压后过大" in response.get_data(as_text=True)


def test_reading_stops_at_row_5001(client, db, unit_admin):
    def rows():
        yield SHEET_HEAD + HEADER_ROW
        yield "".join(cell_row(n, "ZY1", "2026-10-01 09:00", "2026-10-01 10:00") for n in range(2, 5003))
        yield SHEET_TAIL
    response, _seconds = upload(client, with_sheet(rows()))
    assert response.status_code == 422 and "一次最多导入5000行" in response.get_data(as_text=True)


def test_endless_blank_rows_stop_the_reading_too(client, db, unit_admin):
    def rows():
        yield SHEET_HEAD + HEADER_ROW
        yield "".join(f'<row r="{n}"/>' for n in range(2, 100_000))
        yield SHEET_TAIL
    response, _seconds = upload(client, with_sheet(rows()))
    assert response.status_code == 422 and "一次最多导入5000行" in response.get_data(as_text=True)


def test_exactly_5000_rows_are_read(app, db):
    """The limit is 5,000 data rows: reading stops only past it (the rows here are all bad, so
    the answer lists row errors, not the size)."""
    def rows():
        yield SHEET_HEAD + HEADER_ROW
        yield "".join(cell_row(n, "ZY404", "2026-10-01 09:00", "2026-10-01 10:00") for n in range(2, 5002))
        yield SHEET_TAIL
    sheet = mapped_import.read(with_sheet(rows()), "records.xlsx")
    assert sheet.header[:3] == records_import.HEADERS[:3] and len(sheet.rows) == 5000


@pytest.mark.parametrize("doctype, text", [
    ('<!DOCTYPE worksheet [<!ENTITY e "ZY1">]>', "&e;"),
    ('<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
     '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>', "&c;"),
    ('<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),
    ('<!DOCTYPE worksheet SYSTEM "http://example.invalid/x.dtd">', "&nbsp;"),  # ParseError: undefined entity
    ("", "&nbsp;"),
])
def test_a_doctype_or_entity_is_refused(client, db, unit_admin, doctype, text):
    head = SHEET_HEAD.replace("?>\n", "?>\n" + doctype, 1)
    data = with_sheet([head + HEADER_ROW + cell_row(2, text, "2026-10-01 09:00", "2026-10-01 10:00")
                       + SHEET_TAIL])
    response, _seconds = upload(client, data)
    assert response.status_code == 422 and "无法读取文件" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ServiceRecord.id))) == 0


def test_a_nul_character_reference_is_unreadable(client, db, unit_admin):
    """XML cannot carry NUL at all (not even as &#0;), so such a sheet is refused whole."""
    data = with_sheet([SHEET_HEAD + HEADER_ROW + cell_row(2, "ZY1", "2026-10-01 09:00", "2026-10-01 10:00",
                                                          "", "a&#0;b") + SHEET_TAIL])
    response, _seconds = upload(client, data)
    assert response.status_code == 422 and "无法读取文件" in response.get_data(as_text=True)


def test_rows_with_years_out_of_range_are_row_errors(client, db, unit_admin):
    volunteer = f.volunteer(db.session.get(Unit, unit_admin.unit_id))
    number = volunteer.volunteer_no
    data = with_sheet([SHEET_HEAD + HEADER_ROW
                       + cell_row(2, number, "0001-01-01 09:00", "0001-01-01 10:00")
                       + cell_row(3, number, "9999-12-31 09:00", "9999-12-31 10:00")
                       + cell_row(4, number, "1990-10-01 09:00", "1990-10-01 10:00")
                       + SHEET_TAIL])
    response, _seconds = upload(client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page
    assert all(f"第{n}行" in page for n in (2, 3, 4)), page[page.find("第"):][:3000]
    assert "日期超出合理范围" in page and "服务时间应在2000年至明年之间" in page
    assert db.session.scalar(select(func.count(ServiceRecord.id))) == 0
