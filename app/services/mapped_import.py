"""Importing service records from a unit's own spreadsheet through a column mapping.

Each row is matched to a volunteer by ID number (through the keyed hash), by volunteer
number, or by name plus phone; its time comes from a start and an end, or from a date and a
duration. Every row is checked first and nothing is imported unless every row is good; the
problems are kept as (row, column, reason) for an XLSX error report."""

from __future__ import annotations

import contextlib
import re
import time as monotonic_clock
from datetime import date, datetime, time, timedelta
from functools import partial

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Post, User, Volunteer
from app.services import column_mapping, identity, import_flow, ledger
from app.services.clock import parse_local
from app.services.errors import DomainError
from app.services.inputs import sane_year
from app.services.records_import import file_problem
from app.services.sheet_reader import Sheet, cell_text, read_sheet

MAX_ROWS = 5000
MAX_SECONDS = 120  # a file that takes longer is refused whole, not half-imported
EXAMPLE_NUMBER = "ZY0000000001"  # the example row of our template
DEFAULT_START = time(9, 0)  # a row with a date and a duration only: counted from 09:00
LOOKUP_CHUNK = 500


def read(data: bytes, filename: str) -> Sheet:
    return read_sheet(
        data, filename, max_rows=MAX_ROWS, known_headers=column_mapping.known_headers("records")
    )


def _parse_day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text
    )
    if not match:
        raise ValueError(_("日期格式应为 YYYY-MM-DD"))
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        raise ValueError(_("日期无效")) from None


def _parse_moment(value, day: date | None) -> datetime:
    """A full date and time, or a time of day on the row's service date; local time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, time):
        if day is None:
            raise ValueError(_("只有时刻没有日期，请同时指定服务日期列"))
        moment = datetime.combine(day, value)
    else:
        text = cell_text(value).replace("/", "-").replace("T", " ")
        if not text:
            raise ValueError(_("时间不能为空"))
        clock = re.fullmatch(r"(\d{1,2})[:：](\d{2})(?::\d{2})?", text)
        if clock:
            if day is None:
                raise ValueError(_("只有时刻没有日期，请同时指定服务日期列"))
            try:
                moment = datetime.combine(day, time(int(clock.group(1)), int(clock.group(2))))
            except ValueError:
                raise ValueError(_("时间无效")) from None
        else:
            text = re.sub(
                r"^(\d{4})-(\d{1,2})-(\d{1,2})", lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", text
            )
            text = re.sub(r" (\d):", r" 0\1:", text)
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise ValueError(_("时间格式应为 YYYY-MM-DD HH:MM")) from None
    if not sane_year(moment):
        raise ValueError(_("日期超出合理范围"))
    return parse_local(moment)


def _parse_hours(value) -> float:
    text = cell_text(value).removesuffix("小时").removesuffix("h").strip()
    try:
        hours = float(text)
    except ValueError:
        raise ValueError(_("服务时长应为小时数，例如 2.5")) from None
    if not 0 < hours <= 24:
        raise ValueError(_("服务时长应在0到24小时之间"))
    return hours


class _People:
    """Volunteers the file names, looked up in a few set-based queries (not one per row)."""

    def __init__(self, rows: list[dict]):
        hashes, numbers, phones = set(), set(), set()
        for cells in rows:
            number = _id_text(cells.get("id_number"))
            if number:
                hashes.add(identity.keyed_hash(number))
            if cells.get("volunteer_no"):
                numbers.add(cells["volunteer_no"])
            if cells.get("phone"):
                with contextlib.suppress(ValueError):
                    phones.add(identity.normalize_phone(cells["phone"]))
        self.by_hash = self._load(Volunteer.id_number_hash, hashes)
        self.by_number = self._load(Volunteer.volunteer_no, numbers)
        self.by_phone = self._load(Volunteer.phone, phones)

    @staticmethod
    def _load(column, values: set[str]) -> dict[str, Volunteer]:
        found: dict[str, Volunteer] = {}
        values_list = sorted(values)
        for start in range(0, len(values_list), LOOKUP_CHUNK):
            chunk = values_list[start : start + LOOKUP_CHUNK]
            for volunteer in db.session.scalars(select(Volunteer).where(column.in_(chunk))):
                found[getattr(volunteer, column.key)] = volunteer
        return found


def _id_text(value: str | None) -> str:
    """The ID number of a cell; a masked one (an export's 1****************X) names nobody."""
    text = (value or "").strip().upper()
    return "" if not text or "*" in text else text


def _who(
    cells: dict, people: _People, unit_id: int, labels: dict
) -> tuple[Volunteer | None, import_flow.Problem | None]:
    def problem(code, reason):
        return None, import_flow.Problem(0, labels.get(code, ""), reason)

    volunteer = None
    number = _id_text(cells.get("id_number"))
    if number:
        try:
            identity.parse_resident_id(number)
        except ValueError as exc:
            return problem("id_number", str(exc))
        volunteer = people.by_hash.get(identity.keyed_hash(number))
        if volunteer is None:
            return problem("id_number", _("没有该身份证号码的志愿者"))
    elif cells.get("volunteer_no"):
        volunteer = people.by_number.get(cells["volunteer_no"])
        if volunteer is None:
            return problem("volunteer_no", _("志愿者编号不存在"))
        if volunteer.unit_id != unit_id and not cells.get("name"):
            return problem("name", _("其他单位的志愿者须同时填写姓名"))
    elif cells.get("name") and cells.get("phone"):
        try:
            phone = identity.normalize_phone(cells["phone"])
        except ValueError as exc:
            return problem("phone", str(exc))
        volunteer = people.by_phone.get(phone)
        if volunteer is None or volunteer.name != cells["name"]:
            return problem("phone", _("没有姓名和手机号都相符的志愿者"))
    else:
        return problem("", _("无法识别志愿者：请填写身份证号、志愿者编号，或姓名加手机号"))
    if cells.get("name") and volunteer.name != cells["name"]:
        return problem("name", _("姓名与该志愿者的登记信息不符"))
    return volunteer, None


def _when(raw: dict, cells: dict, labels: dict, cursor: dict) -> tuple[datetime, datetime]:
    """The row's start and end; raises (column label, reason) as ValueError args."""
    day = None
    if cells.get("service_date"):
        try:
            day = _parse_day(raw["service_date"])
        except ValueError as exc:
            raise ValueError(labels["service_date"], str(exc)) from None
    started = ended = None
    for code in ("started_at", "ended_at"):
        if code in labels and cells.get(code):
            try:
                moment = _parse_moment(raw[code], day)
            except ValueError as exc:
                raise ValueError(labels[code], str(exc)) from None
            started, ended = (moment, ended) if code == "started_at" else (started, moment)
    if started is not None and ended is not None:
        return started, ended
    if "hours" not in labels or not cells.get("hours"):
        missing = "ended_at" if started is not None else "started_at"
        raise ValueError(labels.get(missing, labels.get("hours", "")), _("时间不能为空"))
    try:
        duration = timedelta(hours=_parse_hours(raw["hours"]))
    except ValueError as exc:
        raise ValueError(labels["hours"], str(exc)) from None
    if started is None:
        if day is None:
            raise ValueError(labels.get("service_date", ""), _("请填写服务日期"))
        # several rows of one person on one day follow each other from 09:00
        started = cursor.get(day) or parse_local(datetime.combine(day, DEFAULT_START))
        cursor[day] = started + duration
    return started, started + duration


def run(
    sheet: Sheet, mapping: list[str | None], unit_id: int, *, by: User, dry_run: bool = False
) -> import_flow.Outcome:
    """Import every row, or none: raises import_flow.ImportRefused listing each bad row (and, with
    dry_run, undoes even a good file's rows: a preview). Rows marked 示例 are skipped."""
    labels, positions = import_flow.mapped_columns(sheet, mapping, "records")
    rows = []
    outcome = import_flow.Outcome()
    for number, raw in sheet.rows:
        if import_flow.is_example(raw):
            outcome.skipped_examples += 1
            continue
        values = {code: raw[i] for code, i in positions.items()}
        rows.append((number, values, {code: cell_text(v) for code, v in values.items()}))
    if not rows:
        raise file_problem(_("文件中只有示例行，没有要导入的数据"))
    people = _People([cells for _n, _v, cells in rows])
    posts = {p.name: p for p in db.session.scalars(select(Post).where(Post.unit_id == unit_id))}
    deadline = monotonic_clock.monotonic() + MAX_SECONDS
    cursors: dict[int, dict] = {}
    with import_flow.all_or_nothing(dry_run=dry_run):
        for number, row_values, cells in rows:
            if monotonic_clock.monotonic() > deadline:
                raise file_problem(_("文件太大，处理超时，请分成几个文件导入"))
            problem = _import_row(number, row_values, cells, people, posts, unit_id, labels, cursors, by)
            if problem is None:
                outcome.imported += 1
            else:
                problem.row = number
                outcome.problems.append(problem)
        if outcome.problems:
            raise import_flow.ImportRefused(outcome)
    return outcome


def _import_row(
    number, raw, cells, people, posts, unit_id, labels, cursors, by
) -> import_flow.Problem | None:
    if cells.get("volunteer_no") == EXAMPLE_NUMBER:
        return import_flow.Problem(number, labels["volunteer_no"], _("请删除示例行"))
    volunteer, problem = _who(cells, people, unit_id, labels)
    if problem is not None:
        return problem
    assert volunteer is not None, "a volunteer or a problem"
    try:
        started, ended = _when(raw, cells, labels, cursors.setdefault(volunteer.id, {}))
    except ValueError as exc:
        column, reason = exc.args if len(exc.args) == 2 else ("", str(exc))
        return import_flow.Problem(number, column, reason)
    post = posts.get(cells.get("post") or cells.get("place") or "")
    if cells.get("post") and post is None:
        return import_flow.Problem(
            number, labels["post"], _("本单位没有名为“%(n)s”的服务岗", n=cells["post"])
        )
    parts = [cells.get("content") or ""]
    if cells.get("project"):
        parts.append(_("项目：%(p)s", p=cells["project"]))
    if cells.get("place") and (post is None or cells["place"] not in (post.name, post.address)):
        parts.append(_("地点：%(p)s", p=cells["place"]))
    note = "；".join(p for p in parts if p)[:500] or None
    try:
        ledger.create_record(
            volunteer,
            started_at=started,
            ended_at=ended,
            by=by,
            source="import",
            post=post,
            unit_id=unit_id,
            note=note,
            status="approved",
        )
    except DomainError as exc:
        code = next(iter(exc.fields), "")
        reason = "；".join(m for msgs in exc.fields.values() for m in msgs) or exc.message
        column = labels.get("ended_at" if code == "ended_at" else "started_at", labels.get("hours", ""))
        return import_flow.Problem(number, column, reason)
    return None


# Read the file, map its columns (given, or proposed) and import the records, or only try them:
# import_flow.review(data, filename, unit_id, by=, mapping=, commit=).
review = partial(import_flow.review, "records", read, run)
