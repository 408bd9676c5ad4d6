"""Service certificates (志愿服务记录证明): a snapshot of a volunteer's approved records over
a date range, numbered, verifiable through a public check page by a random token, and
rendered as a PDF with the embedded Chinese font."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.hours import hours
from app.models import Certificate, ServiceRecord, User, Volunteer
from app.services import audit, units
from app.services.clock import local, local_today, now, start_of_day
from app.services.errors import Forbidden, NotFound, ValidationFailed
from app.services.inputs import SANE_MAX_YEAR, SANE_MIN_YEAR, sane_year

MAX_RECORDS = 5000


def parse_range(date_from: str | date | None, date_to: str | date | None) -> tuple[date | None, date | None]:
    """Dates 'YYYY-MM-DD' (either may be empty); the range must not be reversed or in the future."""
    fields: dict[str, list[str]] = {}

    def parse(value, name):
        if value in (None, ""):
            return None
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value).strip())
        except ValueError:
            fields[name] = [_("日期格式应为 YYYY-MM-DD")]
            return None
        if not sane_year(day):
            fields[name] = [_("日期超出合理范围（%(a)d–%(b)d年）", a=SANE_MIN_YEAR, b=SANE_MAX_YEAR)]
            return None
        return day

    start, end = parse(date_from, "date_from"), parse(date_to, "date_to")
    today = local_today()
    if start and end and start > end:
        fields["date_to"] = [_("结束日期不能早于开始日期")]
    if start and start > today:
        fields["date_from"] = [_("开始日期不能晚于今天")]
    if end and end > today:
        fields["date_to"] = [_("结束日期不能晚于今天")]
    if fields:
        raise ValidationFailed(fields=fields)
    return start, end


def snapshot(volunteer: Volunteer, date_from: date | None, date_to: date | None) -> list[dict]:
    """The approved records of the volunteer that started within the range (local days)."""
    stmt = (
        select(ServiceRecord)
        .where(ServiceRecord.volunteer_id == volunteer.id, ServiceRecord.status == "approved")
        .options(
            selectinload(ServiceRecord.post),
            selectinload(ServiceRecord.activity),
            selectinload(ServiceRecord.unit),
        )
        .order_by(ServiceRecord.started_at, ServiceRecord.id)
    )
    if date_from:
        stmt = stmt.where(ServiceRecord.started_at >= start_of_day(date_from))
    if date_to:
        stmt = stmt.where(ServiceRecord.started_at < start_of_day(date_to + timedelta(days=1)))
    records = list(db.session.scalars(stmt.limit(MAX_RECORDS + 1)))
    if len(records) > MAX_RECORDS:
        raise ValidationFailed(fields={"date_from": [_("记录过多，请缩小日期范围")]})
    return [
        {
            "id": r.id,
            "date": local(r.started_at).date().isoformat(),
            "place": (r.activity.title if r.activity else None)
            or (r.post.name if r.post else None)
            or _("%(unit)s（补录）", unit=r.unit.name),
            "seconds": r.seconds,
        }
        for r in records
    ]


def _may_issue(by: User, volunteer: Volunteer) -> None:
    if by.role == "volunteer":
        mine = by.volunteer is not None and volunteer.guardian_id == by.volunteer.id  # a guardian's child
        if by.volunteer is None or (by.volunteer.id != volunteer.id and not mine):
            raise Forbidden(_("只能开具本人的服务证明"))
        return
    if by.role not in ("unit_admin", "platform_admin"):
        raise Forbidden()
    units.ensure_can_manage_unit(by, volunteer.unit_id)


def issue(
    volunteer: Volunteer,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    by: User,
    reuse: bool = False,
) -> Certificate:
    """Issue a numbered certificate of the volunteer's approved records in the range.
    A volunteer may certify only themself, a unit admin only their unit's volunteers.
    With reuse, an earlier certificate of the same range and identical records is returned
    instead of a new number (so downloading twice does not mint two certificates)."""
    return issue_once(volunteer, date_from=date_from, date_to=date_to, by=by, reuse=reuse)[0]


def _same_range(date_from: date | None, date_to: date | None):
    return (
        Certificate.date_from.is_(None) if date_from is None else Certificate.date_from == date_from,
        Certificate.date_to.is_(None) if date_to is None else Certificate.date_to == date_to,
    )


def issue_once(
    volunteer: Volunteer,
    *,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    by: User,
    reuse: bool = True,
) -> tuple[Certificate, bool]:
    """issue(), telling whether a certificate was made (True) or an unchanged one returned."""
    _may_issue(by, volunteer)
    date_from, date_to = parse_range(date_from, date_to)
    records = snapshot(volunteer, date_from, date_to)
    total = sum(r["seconds"] for r in records)
    if reuse:
        earlier = db.session.scalars(
            select(Certificate)
            .where(
                Certificate.volunteer_id == volunteer.id,
                *_same_range(date_from, date_to),
                Certificate.total_seconds == total,
                Certificate.star_level == volunteer.star_level,
                Certificate.unit_id == volunteer.unit_id,
            )
            .order_by(Certificate.id.desc())
            .limit(5)
        ).all()
        for cert in earlier:
            if cert.records == records:
                return cert, False
    token = secrets.token_urlsafe(24)
    cert = Certificate(
        cert_no="tmp-" + token[:24],
        verify_token=token,
        volunteer_id=volunteer.id,
        unit_id=volunteer.unit_id,
        date_from=date_from,
        date_to=date_to,
        total_seconds=total,
        star_level=volunteer.star_level,
        records=records,
        issued_at=now(),
        issued_by_id=by.id,
    )
    db.session.add(cert)
    db.session.flush()
    # The number is the row id, so concurrent issues never collide.
    cert.cert_no = f"VS{local(cert.issued_at).year}-{cert.id:06d}"
    audit.changed(
        "certificate.issued",
        cert,
        by=by,
        volunteer_id=volunteer.id,
        cert_no=cert.cert_no,
        total_seconds=total,
        records=len(records),
    )
    return cert, True


def latest(
    volunteer: Volunteer, date_from: date | str | None = None, date_to: date | str | None = None
) -> Certificate | None:
    """The newest certificate already issued to the volunteer for exactly this period (reads only)."""
    date_from, date_to = parse_range(date_from, date_to)
    return db.session.scalars(
        select(Certificate)
        .where(Certificate.volunteer_id == volunteer.id, *_same_range(date_from, date_to))
        .order_by(Certificate.id.desc())
        .limit(1)
    ).first()


def ensure_can_view(user: User, cert: Certificate) -> None:
    """Its volunteer, an admin of the issuing unit, or the platform admin."""
    if user.role == "volunteer" and user.volunteer is not None and user.volunteer.id == cert.volunteer_id:
        return
    if (
        user.role == "volunteer"
        and user.volunteer is not None
        and cert.volunteer.guardian_id == user.volunteer.id
    ):
        return  # a guardian, for their child
    if user.role in ("unit_admin", "platform_admin") and units.can_manage_unit(user, cert.unit_id):
        return
    raise Forbidden(_("没有权限查看该证明"))


def for_unit(unit_id: int | None, limit: int = 50) -> list[Certificate]:
    stmt = select(Certificate).options(selectinload(Certificate.volunteer))
    if unit_id is not None:
        stmt = stmt.where(Certificate.unit_id == unit_id)
    return list(db.session.scalars(stmt.order_by(Certificate.id.desc()).limit(limit)))


def service_period(cert: Certificate) -> tuple[date, date]:
    """The period a certificate speaks for, always two days: an open start is its first record's
    day (the volunteer's registration when it has none), an open end the day it was issued."""
    issued_on = local(cert.issued_at).date()
    start = cert.date_from
    if start is None:
        days = [r["date"] for r in cert.records or []]
        start = date.fromisoformat(min(days)) if days else local(cert.volunteer.created_at).date()
    return start, cert.date_to or issued_on


def period_text(cert: Certificate) -> str:
    """服务期间 in one natural wording everywhere: 2025年3月1日至2026年11月24日."""
    from flask_babel import format_date

    start, end = service_period(cert)
    return _("%(start)s至%(end)s", start=format_date(start, "long"), end=format_date(end, "long"))


@dataclass
class Verification:
    cert_no: str
    masked_name: str
    total_hours: float
    star_level: int
    unit_name: str
    issued_on: date
    date_from: date | None
    date_to: date | None
    period: str = ""


def verify(token: str) -> Verification:
    """What the public check page may show: no full name, no ID, no phone, no records."""
    cert = (
        db.session.scalar(select(Certificate).where(Certificate.verify_token == (token or "")[:64]))
        if token
        else None
    )
    if cert is None:
        raise NotFound(_("未找到该证明，可能不是本平台开具的"))
    return Verification(
        cert_no=cert.cert_no,
        masked_name=cert.volunteer.masked_name,
        total_hours=hours(cert.total_seconds),
        star_level=cert.star_level,
        unit_name=cert.unit.name,
        issued_on=local(cert.issued_at).date(),
        date_from=cert.date_from,
        date_to=cert.date_to,
        period=period_text(cert),
    )


def check_url(cert: Certificate) -> str:
    return f"{current_app.config['BASE_URL']}/certificates/check/{cert.verify_token}"


def filename(cert: Certificate) -> str:
    return f"{cert.cert_no}.pdf"


def render_pdf(cert: Certificate) -> bytes:
    """The certificate as a PDF (A4), Chinese in the embedded font, with its check QR."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer, Table, TableStyle

    from app.services import pdf

    volunteer = cert.volunteer
    total = f"{hours(cert.total_seconds):.2f}"
    stars_text = _("%(n)d星", n=cert.star_level) if cert.star_level else _("暂无星级")
    period = period_text(cert)
    issued_on = local(cert.issued_at).date().isoformat()
    story = [
        pdf.paragraph(_("志愿服务记录证明"), "title"),
        pdf.paragraph(
            _(
                "兹证明志愿者 %(name)s（志愿者编号 %(no)s，身份证号 %(id)s）于%(period)s参加志愿服务，"
                "经审核通过的服务时长共计 %(hours)s 小时，当前星级：%(stars)s。",
                name=volunteer.name,
                no=volunteer.volunteer_no,
                id=volunteer.id_number_masked,
                period=period,
                hours=total,
                stars=stars_text,
            )
        ),
        Spacer(1, 3 * mm),
    ]
    facts = [
        [_("姓名"), volunteer.name, _("志愿者编号"), volunteer.volunteer_no],
        [_("身份证号"), volunteer.id_number_masked, _("星级"), stars_text],
        [_("服务期间"), period, _("服务时长（小时）"), total],
        [_("开具单位"), cert.unit.name, _("证明编号"), cert.cert_no],
    ]
    story.append(pdf.table(facts, col_widths=[25 * mm, 60 * mm, 32 * mm, 57 * mm], header=False))
    story.append(pdf.paragraph(_("服务记录"), "heading"))
    rows = [[_("序号"), _("日期"), _("服务岗位或活动"), _("时长（小时）")]]
    for i, r in enumerate(cert.records, 1):
        rows.append([str(i), r["date"], r["place"], f"{hours(r['seconds']):.2f}"])
    if len(rows) == 1:
        rows.append(["", "", _("该期间内没有已审核通过的服务记录"), ""])
    rows.append(["", "", _("合计"), total])
    story.append(pdf.table(rows, col_widths=[14 * mm, 30 * mm, 100 * mm, 30 * mm]))
    story.append(Spacer(1, 8 * mm))
    seal = [
        pdf.paragraph(_("开具单位：%(unit)s", unit=cert.unit.name)),
        pdf.paragraph(_("开具日期：%(d)s", d=issued_on)),
        pdf.paragraph(_("证明编号：%(no)s", no=cert.cert_no)),
        pdf.paragraph(_("扫描右侧二维码或访问以下网址核验本证明真伪：")),
        pdf.paragraph(check_url(cert), "small"),
    ]
    # a marked space where the issuing unit stamps its seal over the printed copy
    stamp_here = Table(
        [[pdf.paragraph(_("（盖章处）"), "center")]], colWidths=[38 * mm], rowHeights=[38 * mm]
    )
    stamp_here.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor("#999999"), None, (3, 2)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    block = Table(
        [[seal, stamp_here, pdf.qr_image(check_url(cert), 32 * mm)]], colWidths=[94 * mm, 42 * mm, 38 * mm]
    )
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story.append(block)
    return pdf.build(
        story,
        title=_("志愿服务记录证明 %(no)s", no=cert.cert_no),
        on_page=pdf.page_footer(_("志愿星 · 志愿服务记录证明 %(no)s", no=cert.cert_no)),
    )
