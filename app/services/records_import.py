"""The records import template, and the limits every uploaded workbook meets before any of
its XML is parsed (the import itself is app.services.mapped_import)."""

from __future__ import annotations

import io
import zipfile

from flask_babel import gettext as _
from openpyxl import Workbook

from app.services.errors import ValidationFailed
from app.services.spreadsheets import append_row

HEADERS = ["志愿者编号", "开始时间", "结束时间", "服务岗", "备注"]
MAX_ROWS = 5000
# Zip bombs: a filled template of MAX_ROWS rows unpacks to about 2 MB.
MAX_UNPACKED = 20 * 1024 * 1024
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024  # small members (styles, a short sheet) may pack well
MAX_MEMBERS = 200


def template_xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "服务记录"
    append_row(sheet, HEADERS)
    append_row(sheet, ["ZY0000000001", "2026-11-01 09:00", "2026-11-01 12:00", "", "示例行，导入前请删除"])
    for column, width in zip("ABCDE", (18, 20, 20, 20, 30), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _refuse_bombs(data: bytes) -> None:
    """Look at the zip's directory before any XML is parsed: a workbook that would unpack
    to more than MAX_UNPACKED bytes, or a member that packs better than MAX_RATIO:1 (a
    zip bomb), is refused at once."""
    unreadable = file_problem(_("无法读取文件，请上传由模板填写的 .xlsx 文件"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise unreadable from None
    total = sum(m.file_size for m in members)
    packed_too_well = any(
        m.file_size > RATIO_FLOOR and m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members
    )
    if total > MAX_UNPACKED or packed_too_well or len(members) > MAX_MEMBERS:
        raise file_problem(_("文件解压后过大，请每次导入不超过%(n)d行", n=MAX_ROWS))


def file_problem(message: str) -> ValidationFailed:
    """A problem with the whole file: said as the message itself, and beside the file field."""
    return ValidationFailed(message, fields={"file": [message]})
