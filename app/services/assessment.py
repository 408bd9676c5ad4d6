"""The assessment export (测评资料): for a period, one ZIP with, per unit, its figures, its
monthly bulletins (PDF), its activities and posts' days with their photos, and its approved
service records (XLSX), and an index.html at the root that links everything.

The ZIP is written to a temporary file, entry by entry (a bulletin's PDF, one photo, a batch of
records at a time), so memory stays bounded however big the period; the door streams the file.
Records show masked ID numbers only. The platform admin exports every unit or one; a unit
admin its own unit."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from typing import IO

from flask_babel import gettext as _
from markupsafe import Markup, escape
from openpyxl import Workbook
from sqlalchemy import func, select

from app.extensions import db
from app.hours import hours
from app.models import Activity, Bulletin, Photo, Post, PostDay, ServiceRecord, Unit, User, Volunteer
from app.services import audit, evidence
from app.services.bulletins import evidence as bulletin_evidence
from app.services.bulletins import exports, figures, labels
from app.services.clock import local, local_today, now
from app.services.errors import Forbidden, NotFound, ValidationFailed
from app.services.inputs import service_year_ok
from app.services.periods import Period
from app.services.report_format import hours_text
from app.services.spreadsheets import safe_text

BATCH = 2000
STATUS = "approved"


@dataclass
class AssessmentZip:
    file: IO[bytes]  # positioned at the start; the caller closes it
    filename: str


def _units(unit_id: int | None, by: User) -> list[Unit]:
    if by.role == "unit_admin":
        if unit_id not in (None, by.unit_id):
            raise Forbidden(_("只能导出本单位的测评资料"))
        unit_id = by.unit_id
    elif by.role != "platform_admin":
        raise Forbidden()
    stmt = select(Unit).order_by(Unit.id)
    if unit_id is not None:
        stmt = stmt.where(Unit.id == unit_id)
    found = list(db.session.scalars(stmt))
    if unit_id is not None and not found:
        raise NotFound(_("成员单位不存在"), fields={"unit_id": [_("成员单位不存在")]})
    return found


def _page(title: str, body: Markup) -> str:
    return (
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px}img{max-height:120px;margin:4px}</style>"
        f"</head><body><h1>{escape(title)}</h1>\n{body}\n</body></html>\n"
    )


def _link(href: str, text: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


def _figure_rows(aggregates: dict, served: dict, unit_id: int) -> list[tuple[str, str]]:
    """The unit's figures of the period, on the bulletins' bases, labelled as in a bulletin."""
    rows = []
    for key, label in labels.FIGURE_LABELS:
        if key in aggregates:
            value = aggregates[key].get(unit_id, 0)
            rows.append((str(label), hours_text(value) if isinstance(value, float) else str(value)))
            if key == "active_volunteers":
                registered = aggregates["registered_volunteers"].get(unit_id, 0)
                rate = value / registered if registered else 0.0
                rows.append((_("参与率"), f"{rate * 100:.1f}%"))
    rows.append((str(bulletin_evidence.BENEFICIARIES_LABEL), str(served.get(unit_id, 0))))
    return rows


def _bulletins(period: Period, unit_ids: list[int]) -> dict[int, list[Bulletin]]:
    """Each unit's latest revision of every month's bulletin in the period."""
    months = [
        f"{period.year}-{m:02d}"
        for m in range(period.first_day().month, period.first_day().month + period.months)
    ]
    latest = (
        select(Bulletin.unit_id, Bulletin.month, func.max(Bulletin.revision).label("revision"))
        .where(Bulletin.unit_id.in_(unit_ids), Bulletin.month.in_(months))
        .group_by(Bulletin.unit_id, Bulletin.month)
        .subquery()
    )
    found: dict[int, list[Bulletin]] = {}
    for bulletin in db.session.scalars(
        select(Bulletin)
        .join(
            latest,
            (latest.c.unit_id == Bulletin.unit_id)
            & (latest.c.month == Bulletin.month)
            & (latest.c.revision == Bulletin.revision),
        )
        .order_by(Bulletin.unit_id, Bulletin.month)
    ):
        if bulletin.unit_id is not None:  # always, by the WHERE: units' bulletins, not the city's
            found.setdefault(bulletin.unit_id, []).append(bulletin)
    return found


def _record_header() -> list[str]:
    return [
        _("记录编号"),
        _("志愿者编号"),
        _("姓名"),
        _("身份证号"),
        _("服务内容"),
        _("服务岗"),
        _("开始时间"),
        _("结束时间"),
        _("时长（小时）"),
    ]


def _write_records(archive: zipfile.ZipFile, name: str, unit: Unit, period: Period) -> int:
    """The unit's approved records of the period as XLSX (masked ID numbers), read as plain
    rows in keyset-paged batches and written to a write-only workbook on a temporary file."""
    start, end = period.bounds()
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("服务记录"))
    sheet.append(_record_header())
    last_id, count = 0, 0
    while True:
        batch = db.session.execute(
            select(
                ServiceRecord.id,
                Volunteer.volunteer_no,
                Volunteer.name,
                Volunteer.id_number_masked,
                func.coalesce(ServiceRecord.note, Activity.title, ""),
                func.coalesce(Post.name, ""),
                ServiceRecord.started_at,
                ServiceRecord.ended_at,
                ServiceRecord.seconds,
            )
            .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
            .outerjoin(Activity, Activity.id == ServiceRecord.activity_id)
            .outerjoin(Post, Post.id == ServiceRecord.post_id)
            .where(
                ServiceRecord.unit_id == unit.id,
                ServiceRecord.status == STATUS,
                ServiceRecord.started_at >= start,
                ServiceRecord.started_at < end,
                ServiceRecord.id > last_id,
            )
            .order_by(ServiceRecord.id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        for record_id, number, person, id_masked, content, post, started, ended, seconds in batch:
            row = [record_id, number, person, id_masked, content, post, f"{local(started):%Y-%m-%d %H:%M}"]
            row += [f"{local(ended):%Y-%m-%d %H:%M}" if ended else "", hours(seconds)]
            sheet.append([safe_text(v) for v in row])
        last_id, count = batch[-1][0], count + len(batch)
    with tempfile.TemporaryFile() as spool:
        book.save(spool)
        spool.seek(0)
        with archive.open(name, "w", force_zip64=True) as entry:
            shutil.copyfileobj(spool, entry)
    return count


def _write_photo(archive: zipfile.ZipFile, folder: str, photo_id: int) -> str:
    name = f"{folder}/photos/{photo_id}.jpg"
    data = db.session.scalar(select(Photo.data).where(Photo.id == photo_id))
    archive.writestr(zipfile.ZipInfo(name, date_time=local(now()).timetuple()[:6]), data or b"")
    return f"photos/{photo_id}.jpg"


def _photo_ids(subject: str, ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    if ids:
        for photo_id, subject_id in db.session.execute(
            select(Photo.id, Photo.subject_id)
            .where(Photo.subject == subject, Photo.subject_id.in_(ids))
            .order_by(Photo.id)
        ):
            found.setdefault(subject_id, []).append(photo_id)
    return found


def _photos_html(archive, folder: str, photo_ids: list[int]) -> Markup:
    parts = Markup("")
    for photo_id in photo_ids:
        href = _write_photo(archive, folder, photo_id)
        parts += Markup('<a href="{0}"><img src="{0}" alt="{1}"></a>').format(href, _("照片"))
    return parts


def _write_activities(archive: zipfile.ZipFile, folder: str, unit: Unit, period: Period) -> int:
    """The unit's activities held in the period and its posts' days, with their photos."""
    start, end = period.bounds()
    activities = list(
        db.session.execute(
            select(Activity.id, Activity.title, Activity.starts_at, Activity.beneficiaries)
            .where(
                Activity.unit_id == unit.id,
                Activity.starts_at >= start,
                Activity.starts_at < end,
                Activity.is_cancelled.is_(False),
            )
            .order_by(Activity.starts_at, Activity.id)
        )
    )
    days = list(
        db.session.execute(
            select(PostDay.id, Post.name, PostDay.day, PostDay.beneficiaries, PostDay.note)
            .join(Post, Post.id == PostDay.post_id)
            .where(
                Post.unit_id == unit.id,
                PostDay.day >= period.first_day(),
                PostDay.day < period.next_first_day(),
            )
            .order_by(PostDay.day, Post.name)
        )
    )
    activity_photos = _photo_ids(evidence.ACTIVITY, [a.id for a in activities])
    day_photos = _photo_ids(evidence.POST_DAY, [d.id for d in days])
    none = "—"
    body = Markup("<h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>").format(
        _("活动"), _("时间"), _("活动名称"), _("服务人次"), _("照片")
    )
    for a in activities:
        body += Markup("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>").format(
            f"{local(a.starts_at):%Y-%m-%d %H:%M}",
            a.title,
            none if a.beneficiaries is None else a.beneficiaries,
            _photos_html(archive, folder, activity_photos.get(a.id, [])),
        )
    body += Markup(
        "</table><h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>"
    ).format(_("服务岗每日台账"), _("日期"), _("服务岗"), _("服务人次"), _("备注"), _("照片"))
    for d in days:
        body += Markup("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>").format(
            d.day.isoformat(),
            d.name,
            none if d.beneficiaries is None else d.beneficiaries,
            d.note or "",
            _photos_html(archive, folder, day_photos.get(d.id, [])),
        )
    body += Markup("</table>")
    title = _("%(u)s %(p)s 活动与台账照片", u=unit.name, p=period.label())
    archive.writestr(f"{folder}/activities.html", _page(title, body))
    return len(activities)


def build_assessment(period: Period, *, unit_id: int | None = None, by: User) -> AssessmentZip:
    """The period's assessment ZIP for every unit (platform admin) or one."""
    if not service_year_ok(period.year) or period.first_day() > local_today():
        raise ValidationFailed(fields={"period": [_("只能导出已经开始的期间")]})
    units = _units(unit_id, by)
    start, end = period.bounds()
    aggregates = figures.period_aggregates(start, end)
    served = bulletin_evidence.beneficiaries_by_unit(period.first_day(), period.next_first_day())
    bulletins = _bulletins(period, [u.id for u in units])
    title = _("测评资料 %(p)s", p=period.label())
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the door streams it, then closes it)
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            index = Markup("<p>{}</p>").format(_("生成于 %(t)s", t=labels.stamp(now())))
            for unit in units:
                folder = f"unit-{unit.id}"
                links = []
                for bulletin in bulletins.get(unit.id, []):
                    suffix = f"-r{bulletin.revision}" if bulletin.revision else ""
                    name = f"{folder}/bulletins/bulletin-{bulletin.month}{suffix}.pdf"
                    archive.writestr(name, exports.pdf_bytes(bulletin))
                    links.append(_link(name, labels.title_of(bulletin)))
                records = _write_records(archive, f"{folder}/records.xlsx", unit, period)
                links.append(_link(f"{folder}/records.xlsx", _("服务记录（%(n)d条，Excel）", n=records)))
                held = _write_activities(archive, folder, unit, period)
                links.append(_link(f"{folder}/activities.html", _("活动与台账照片（%(n)d场活动）", n=held)))
                table = Markup("").join(
                    Markup("<tr><th>{}</th><td>{}</td></tr>").format(label, value)
                    for label, value in _figure_rows(aggregates, served, unit.id)
                )
                index += Markup('<h2 id="{}">{}</h2><table>{}</table><ul>{}</ul>').format(
                    folder, unit.name, table, Markup("").join(Markup("<li>{}</li>").format(x) for x in links)
                )
            archive.writestr("index.html", _page(title, index))
    except BaseException:
        out.close()
        raise
    out.seek(0)
    audit.log("assessment.exported", None, by=by, period=str(period), unit_id=unit_id)
    scope = f"unit-{units[0].id}" if unit_id is not None or by.role == "unit_admin" else "city"
    return AssessmentZip(out, f"assessment-{period}-{scope}.zip")
