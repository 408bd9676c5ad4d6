"""Importing service records from a spreadsheet (XLSX): every row is checked first, and
nothing is imported unless every row is good, so a file is never half-imported."""
from __future__ import annotations

import io
from datetime import datetime
from zipfile import BadZipFile

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select

from app.extensions import db
from app.models import Post, User, Volunteer
from app.services import ledger
from app.services.clock import parse_local
from app.services.errors import DomainError, ValidationFailed

HEADERS = ["志愿者编号", "开始时间", "结束时间", "服务岗", "备注"]
MAX_ROWS = 5000


def template_xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "服务记录"
    sheet.append(HEADERS)
    sheet.append(["ZY0000000001", "2026-11-01 09:00", "2026-11-01 12:00", "", "示例行，导入前请删除"])
    for column, width in zip("ABCDE", (18, 20, 20, 20, 30), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _when(value) -> datetime:
    if isinstance(value, datetime):
        return parse_local(value)
    text = str(value or "").strip()
    if not text:
        raise ValueError(_("时间不能为空"))
    try:
        return parse_local(text.replace("/", "-"))
    except ValueError:
        raise ValueError(_("时间格式应为 YYYY-MM-DD HH:MM")) from None


def _file_problem(message: str) -> ValidationFailed:
    """A problem with the whole file: said as the message itself, and beside the file field."""
    return ValidationFailed(message, fields={"file": [message]})


def import_xlsx(data: bytes, unit_id: int, *, by: User) -> int:
    """Import the rows of a filled-in template for one unit; returns how many were imported.
    Raises ValidationFailed with one message per bad row (field 'row N') and imports nothing."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError):
        raise _file_problem(_("无法读取文件，请上传由模板填写的 .xlsx 文件")) from None
    rows = list(workbook.active.iter_rows(values_only=True))
    if not rows or [str(c or "").strip() for c in rows[0][:3]] != HEADERS[:3]:
        raise _file_problem(_("表头不符，请使用下载的模板"))
    body = [r for r in rows[1:] if any(c not in (None, "") for c in r)]
    if not body:
        raise _file_problem(_("文件中没有数据行"))
    if len(body) > MAX_ROWS:
        raise _file_problem(_("一次最多导入%(n)d行", n=MAX_ROWS))

    numbers = {str(r[0] or "").strip() for r in body}
    volunteers = {v.volunteer_no: v for v in db.session.scalars(
        select(Volunteer).where(Volunteer.volunteer_no.in_(numbers)))}
    posts = {p.name: p for p in db.session.scalars(select(Post).where(Post.unit_id == unit_id))}

    errors: dict[str, list[str]] = {}
    imported = 0
    with db.session.begin_nested():  # leaving it by the exception below undoes every row
        for index, row in enumerate(body, start=2):
            cells = list(row) + [None] * (5 - len(row))
            number, start, end, post_name, note = cells[:5]
            problems = []
            volunteer = volunteers.get(str(number or "").strip())
            if volunteer is None:
                problems.append(_("志愿者编号不存在"))
            try:
                started_at, ended_at = _when(start), _when(end)
            except ValueError as exc:
                problems.append(str(exc))
                started_at = ended_at = None
            post = None
            if post_name not in (None, ""):
                post = posts.get(str(post_name).strip())
                if post is None:
                    problems.append(_("本单位没有名为“%(n)s”的服务岗", n=post_name))
            if not problems:
                try:
                    ledger.create_record(volunteer, started_at=started_at, ended_at=ended_at, by=by,
                                         source="import", post=post, unit_id=unit_id,
                                         note=str(note).strip()[:500] if note else None, status="approved")
                    imported += 1
                except DomainError as exc:
                    problems.append("；".join(m for msgs in exc.fields.values() for m in msgs) or exc.message)
            if problems:
                errors[_("第%(n)d行", n=index)] = problems
        if errors:
            raise ValidationFailed(_("有%(n)d行数据有误，未导入任何记录", n=len(errors)), fields=errors)
    return imported
