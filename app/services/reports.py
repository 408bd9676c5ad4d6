"""Supervisors' reports (随手拍): a supervisor reports an uncivil act or a problem with a
category, a place (the phone's position or an address), a photo and a short text; the office
routes it to a responsible unit, the unit replies, the office closes it as confirmed or
unfounded, and the reporter sees the outcome on the phone.

A confirmed report counts as service only when the office credits it, under the office's rule
(REPORT_CREDIT: so many minutes per confirmed report, none by default), through the ledger."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Photo, ProblemReport, Setting, Unit, User, Volunteer
from app.services import audit, ledger, photos, settings, supervisors, units
from app.services.clock import now
from app.services.errors import Conflict, Forbidden, ValidationFailed, one_or_404
from app.services.inputs import Upload
from app.services.inputs import clean_text as _text
from app.services.pages import Page, in_status, paginate

SUBJECT = "report"
CATEGORIES = {
    "uncivil": _l("不文明行为"),
    "sanitation": _l("环境卫生"),
    "traffic": _l("交通秩序"),
    "facility": _l("公共设施损坏"),
    "safety": _l("安全隐患"),
    "other": _l("其他"),
}
STATUS_LABELS = {
    "submitted": _l("待分派"),
    "routed": _l("已转办"),
    "replied": _l("单位已答复"),
    "closed": _l("已办结"),
}
OUTCOME_LABELS = {"confirmed": _l("属实，已处理"), "unfounded": _l("不属实或无法核实")}
OFFICE_ONLY = _l("只有文明办可以分派和办结随手拍")
TEXT_MAX = 500
ADDRESS_MAX = 200
NOTE_MAX = 500
REPLY_MAX = 2000
PHOTOS_MAX = 3
CREDIT_KEY = "report_credit"
CREDIT_MAX_MINUTES = 240
PER_PAGE = 30


def category_label(key: str) -> str:
    return str(CATEGORIES.get(key, key))


def status_label(report: ProblemReport) -> str:
    if report.status == "closed" and report.outcome:
        return str(OUTCOME_LABELS[report.outcome])
    return str(STATUS_LABELS.get(report.status, report.status))


@dataclass(frozen=True)
class ReportInput:
    category: str
    text: str
    lat: float | None = None
    lng: float | None = None
    address: str | None = None


def _place(data: ReportInput) -> tuple[float | None, float | None, str | None]:
    """The phone's position (both coordinates, in range) or an address; at least one."""
    lat, lng = data.lat, data.lng
    if (lat is None) != (lng is None):
        raise ValidationFailed(fields={"lat": [_("位置不完整，请重新定位或填写地址")]})
    if (
        lat is not None
        and lng is not None
        and not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180)
    ):
        raise ValidationFailed(fields={"lat": [_("位置无效，请重新定位或填写地址")]})
    address = _text(data.address, ADDRESS_MAX, "address", required=False)
    if lat is None and address is None:
        raise ValidationFailed(fields={"address": [_("请定位或填写地点")]})
    return lat, lng, address


def file_report(volunteer: Volunteer, data: ReportInput, uploads: list[Upload]) -> ProblemReport:
    """A supervisor's report with at least one photo; anyone else is refused."""
    if not supervisors.is_supervisor(volunteer):
        raise Forbidden(_("只有义务监督员可以随手拍上报"))
    if data.category not in CATEGORIES:
        raise ValidationFailed(fields={"category": [_("请选择类别")]})
    text = _text(data.text, TEXT_MAX, "text")
    lat, lng, address = _place(data)
    uploads = [u for u in uploads if u.data or u.filename]
    if not uploads:
        raise ValidationFailed(fields={"photo": [_("请拍摄或选择一张照片")]})
    if len(uploads) > PHOTOS_MAX:
        raise ValidationFailed(fields={"photo": [_("最多%(n)d张照片", n=PHOTOS_MAX)]})
    report = ProblemReport(
        reporter_id=volunteer.id,
        category=data.category,
        text=text,
        lat=lat,
        lng=lng,
        address=address,
        status="submitted",
        created_at=now(),
    )
    db.session.add(report)
    db.session.flush()
    photos.attach(SUBJECT, report.id, uploads, by=volunteer.user, field="photo")
    audit.log("report.filed", report, by=volunteer.user, unit_id=volunteer.unit_id, category=data.category)
    return report


def route(report: ProblemReport, *, unit_id: int | None, note: str | None, by: User) -> ProblemReport:
    """The office sends the report to a responsible unit (again, before that unit replies)."""
    units.ensure_office(by, OFFICE_ONLY)
    if report.status not in ("submitted", "routed"):
        raise Conflict(_("该随手拍已答复或已办结，不能再转办"))
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or not unit.is_active:
        raise ValidationFailed(fields={"unit_id": [_("请选择启用中的成员单位")]})
    report.unit_id = unit.id
    report.route_note = _text(note, NOTE_MAX, "note", required=False)
    report.status = "routed"
    report.routed_by_id = by.id
    report.routed_at = now()
    db.session.flush()
    audit.log("report.routed", report, by=by, unit_id=unit.id)
    return report


def reply(report: ProblemReport, *, text: str, by: User) -> ProblemReport:
    """The responsible unit's admin says what was done."""
    if by.role != "unit_admin" or report.unit_id is None or by.unit_id != report.unit_id:
        raise Forbidden(_("只有责任单位的管理员可以答复"))
    if report.status != "routed":
        raise Conflict(_("该随手拍已答复") if report.status == "replied" else _("该随手拍不在待答复状态"))
    report.reply = _text(text, REPLY_MAX, "reply")
    report.status = "replied"
    report.replied_by_id = by.id
    report.replied_at = now()
    db.session.flush()
    audit.log("report.replied", report, by=by, unit_id=report.unit_id)
    return report


def credit_minutes() -> int:
    """The office's rule: minutes of service per confirmed report it credits (0: none)."""
    setting = db.session.get(Setting, CREDIT_KEY)
    return int(setting.value.get("minutes", 0)) if setting else 0


def set_credit_minutes(minutes: int, *, by: User) -> int:
    units.ensure_office(by, OFFICE_ONLY)
    if not 0 <= minutes <= CREDIT_MAX_MINUTES:
        raise ValidationFailed(fields={"minutes": [_("应在0到%(n)d分钟之间", n=CREDIT_MAX_MINUTES)]})
    settings.put(CREDIT_KEY, {"minutes": minutes})
    audit.log("report.credit_rule_set", None, by=by, minutes=minutes)
    return minutes


def close(
    report: ProblemReport, *, outcome: str, note: str | None, by: User, credit: bool = False
) -> ProblemReport:
    """The office closes the report: confirmed (after the unit's reply) or unfounded (at any
    step). Crediting service is the office's choice per report, under its rule, never automatic."""
    units.ensure_office(by, OFFICE_ONLY)
    if report.status == "closed":
        raise Conflict(_("该随手拍已办结"))
    if outcome not in OUTCOME_LABELS:
        raise ValidationFailed(fields={"outcome": [_("请选择办理结果")]})
    if outcome == "confirmed" and report.status != "replied":
        raise Conflict(_("责任单位答复后才能确认属实"))
    if credit and outcome != "confirmed":
        raise ValidationFailed(fields={"credit": [_("只有属实的随手拍可以计入服务时长")]})
    minutes = credit_minutes()
    if credit and minutes <= 0:
        raise ValidationFailed(fields={"credit": [_("文明办尚未设定随手拍计入服务时长的规则")]})
    report.outcome = outcome
    report.outcome_note = _text(note, NOTE_MAX, "note", required=False)
    report.status = "closed"
    report.closed_by_id = by.id
    report.closed_at = now()
    if credit:
        record = ledger.create_record(
            report.reporter,
            started_at=report.created_at - timedelta(minutes=minutes),
            ended_at=report.created_at,
            by=by,
            source="manual",
            note=_("随手拍 #%(id)d 经核实属实", id=report.id),
            flags=["supervisor_report"],
            unit_id=report.reporter.unit_id,
        )
        report.credited_record_id = record.id
    db.session.flush()
    audit.log("report.closed", report, by=by, unit_id=report.unit_id, outcome=outcome, credited=credit)
    return report


def _visible(user: User | None):
    """The reports the user may see: an admin's (units.visible_to_admin), or a volunteer's own."""
    if user is not None and user.role == "volunteer" and user.volunteer is not None:
        return select(ProblemReport).where(ProblemReport.reporter_id == user.volunteer.id)
    return units.visible_to_admin(ProblemReport, user)


def get_report(user: User, report_id: int) -> ProblemReport:
    """A report the user may see (the reporter, the office, the responsible unit); any other
    reads as missing."""
    return one_or_404(_visible(user).where(ProblemReport.id == report_id), _("随手拍不存在"))


def list_reports(user: User, *, status: str | None = None, page: int = 1) -> Page:
    """The office's or a unit's list (waiting ones first), a page at a time."""
    return paginate(
        in_status(_visible(user), ProblemReport.status, status, STATUS_LABELS),
        page=page,
        per_page=PER_PAGE,
        order_by=(ProblemReport.status == "closed", ProblemReport.created_at.desc(), ProblemReport.id.desc()),
        load=(selectinload(ProblemReport.reporter), selectinload(ProblemReport.unit)),
    )


def my_reports(volunteer: Volunteer, limit: int = 100) -> list[ProblemReport]:
    return list(
        db.session.scalars(
            select(ProblemReport)
            .options(selectinload(ProblemReport.unit))
            .where(ProblemReport.reporter_id == volunteer.id)
            .order_by(ProblemReport.created_at.desc(), ProblemReport.id.desc())
            .limit(limit)
        )
    )


def _can_view_photo(user: User | None, photo: Photo) -> bool:
    found = db.session.scalar(_visible(user).where(ProblemReport.id == photo.subject_id)) if user else None
    return found is not None


photos.register_subject(SUBJECT, _can_view_photo)
