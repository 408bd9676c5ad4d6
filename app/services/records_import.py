"""Importing service records from a spreadsheet (XLSX): every row is checked first, and
nothing is imported unless every row is good, so a file is never half-imported."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import Post, User, Volunteer
from app.services import ledger
from app.services.clock import parse_local
from app.services.errors import DomainError, ValidationFailed
from app.services.inputs import SANE_MAX_YEAR, SANE_MIN_YEAR, sane_year
from app.services.spreadsheets import append_row

HEADERS = ["志愿者编号", "开始时间", "结束时间", "服务岗", "备注"]
MAX_ROWS = 5000
MAX_SHEET_ROWS = 4 * MAX_ROWS  # blank rows too: reading always stops early
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


def _when(value) -> datetime:
    if not isinstance(value, datetime):
        text = str(value or "").strip()
        if not text:
            raise ValueError(_("时间不能为空"))
        try:
            value = datetime.fromisoformat(text.replace("/", "-"))
        except ValueError:
            raise ValueError(_("时间格式应为 YYYY-MM-DD HH:MM")) from None
    if not sane_year(value):
        raise ValueError(_("日期超出合理范围（%(a)d–%(b)d年）", a=SANE_MIN_YEAR, b=SANE_MAX_YEAR))
    return parse_local(value)


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
    packed_too_well = any(m.file_size > RATIO_FLOOR and m.file_size > MAX_RATIO * max(m.compress_size, 1)
                          for m in members)
    if total > MAX_UNPACKED or packed_too_well or len(members) > MAX_MEMBERS:
        raise file_problem(_("文件解压后过大，请每次导入不超过%(n)d行", n=MAX_ROWS))


def _read_rows(data: bytes) -> tuple[list, list[tuple]]:
    """The header and the non-blank data rows, read in streaming (read-only) mode; reading
    stops at the first data row past MAX_ROWS. openpyxl parses with defusedxml (installed),
    which refuses entities; any parse failure is the file's fault, answered 422."""
    _refuse_bombs(data)
    too_many = file_problem(_("一次最多导入%(n)d行", n=MAX_ROWS))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            header: list | None = None
            body: list[tuple] = []
            for index, row in enumerate(workbook.active.iter_rows(values_only=True)):
                if index == 0:
                    header = list(row)
                    continue
                if index > MAX_SHEET_ROWS:
                    raise too_many
                if any(c not in (None, "") for c in row):
                    if len(body) == MAX_ROWS:
                        raise too_many
                    body.append(row)
        finally:
            workbook.close()
    except ValidationFailed:
        raise
    except Exception:
        raise file_problem(_("无法读取文件，请上传由模板填写的 .xlsx 文件")) from None
    return header or [], body


def file_problem(message: str) -> ValidationFailed:
    """A problem with the whole file: said as the message itself, and beside the file field."""
    return ValidationFailed(message, fields={"file": [message]})


def import_xlsx(data: bytes, unit_id: int, *, by: User) -> int:
    """Import the rows of a filled-in template for one unit; returns how many were imported.
    Raises ValidationFailed with one message per bad row (field 'row N') and imports nothing."""
    header, body = _read_rows(data)
    if [str(c or "").strip() for c in header[:3]] != HEADERS[:3]:
        raise file_problem(_("表头不符，请使用下载的模板"))
    if not body:
        raise file_problem(_("文件中没有数据行"))

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
            started_at: datetime | None
            ended_at: datetime | None
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
                assert volunteer is not None and started_at is not None and ended_at is not None, \
                    "each was checked above, or a problem was noted"
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
