"""Rosters (派驻 / 排班) of a campaign: the office asks units for a quota of people for an area
or a post over days and shifts; each unit fills its quota with named volunteers; the check-in at
the shift's post fulfils it; volunteers get a text the day before.

A volunteer is never booked twice: the database refuses the same volunteer twice on a shift or
on two shifts starting at the same moment, and overlapping shifts are refused under the
volunteer's lock. A shift's quota holds under racing assignments (a conditional UPDATE)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select, update
from sqlalchemy.orm import selectinload

from app.extensions import db, execute_dml
from app.models import Campaign, Post, ServiceRecord, Shift, ShiftAssignment, Unit, User, Volunteer
from app.services import audit, campaigns, ledger, sms, units
from app.services.clock import local, now, start_of_day
from app.services.errors import Conflict, Forbidden, ValidationFailed, add_or_conflict, get_or_404

log = logging.getLogger(__name__)
AREA_MAX = 100
QUOTA_MAX = 1000
DAYS_MAX = 62
EARLY_CHECK_IN = timedelta(minutes=30)  # a check-in this early still fulfils the shift


@dataclass
class QuotaInput:
    unit_id: int
    area: str
    first_day: date
    last_day: date
    start: time
    end: time
    quota: int
    post_id: int | None = None


def _validated(campaign: Campaign, data: QuotaInput) -> QuotaInput:
    fields: dict[str, list[str]] = {}
    data.area = (data.area or "").strip()
    post = db.session.get(Post, data.post_id) if data.post_id is not None else None
    if post is not None and not data.area:
        data.area = post.name
    if db.session.get(Unit, data.unit_id) is None:
        fields["unit_id"] = [_("请选择成员单位")]
    if data.post_id is not None and post is None:
        fields["post_id"] = [_("请选择有效的服务岗")]
    if not data.area or len(data.area) > AREA_MAX:
        fields["area"] = [_("请填写派驻区域（不超过100字）")]
    if not 1 <= data.quota <= QUOTA_MAX:
        fields["quota"] = [_("人数应在1到1000之间")]
    if data.last_day < data.first_day or (data.last_day - data.first_day).days >= DAYS_MAX:
        fields["last_day"] = [_("请填写有效的日期范围（不超过62天）")]
    elif data.first_day < campaign.starts_on or data.last_day > campaign.ends_on:
        fields["first_day"] = [_("日期不在“%(name)s”的期限内", name=campaign.name)]
    if data.end == data.start:
        fields["end"] = [_("结束时间必须晚于开始时间")]
    if fields:
        raise ValidationFailed(fields=fields)
    return data


def _window(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """A shift's UTC bounds from a local day and times; an end before the start is the next
    day's (a night shift)."""
    begin = start_of_day(day) + timedelta(hours=start.hour, minutes=start.minute)
    finish_day = day if end > start else day + timedelta(days=1)
    return begin, start_of_day(finish_day) + timedelta(hours=end.hour, minutes=end.minute)


def assign_quota(campaign: Campaign, data: QuotaInput, *, by: User) -> list[Shift]:
    """The office asks a unit for `quota` people for an area or post, one shift per day."""
    campaigns.ensure_office(by)
    data = _validated(campaign, data)
    shifts = []
    day = data.first_day
    while day <= data.last_day:
        starts_at, ends_at = _window(day, data.start, data.end)
        shift = Shift(
            campaign_id=campaign.id,
            unit_id=data.unit_id,
            post_id=data.post_id,
            area=data.area,
            starts_at=starts_at,
            ends_at=ends_at,
            quota=data.quota,
        )
        db.session.add(shift)
        shifts.append(shift)
        day += timedelta(days=1)
    db.session.flush()
    audit.log(
        "roster.quota",
        campaign,
        by=by,
        unit_id=data.unit_id,
        area=data.area,
        shifts=len(shifts),
        quota=data.quota,
    )
    return shifts


def get_shift(shift_id: int) -> Shift:
    return get_or_404(Shift, shift_id, _("班次不存在"))


def get_assignment(assignment_id: int) -> ShiftAssignment:
    return get_or_404(ShiftAssignment, assignment_id, _("排班不存在"))


def roster(shift: Shift, volunteer: Volunteer, *, by: User) -> ShiftAssignment:
    """A unit names one of its volunteers for a shift; refused when the quota is full, when the
    volunteer is on the shift already or on another shift at the same time."""
    units.ensure_can_manage_unit(by, shift.unit_id)
    if volunteer.unit_id != shift.unit_id:
        raise ValidationFailed(fields={"volunteer_id": [_("只能安排本单位的志愿者")]})
    if shift.ends_at <= now():
        raise Conflict(_("该班次已结束"))
    ledger.lock_volunteer(volunteer.id)  # serialise this volunteer's bookings
    clash = db.session.scalar(
        select(ShiftAssignment).where(
            ShiftAssignment.volunteer_id == volunteer.id,
            ShiftAssignment.starts_at < shift.ends_at,
            ShiftAssignment.ends_at > shift.starts_at,
        )
    )
    if clash is not None:
        raise Conflict(_("%(name)s在该时段已有排班", name=volunteer.name), reason="double_booked")
    taken = execute_dml(
        update(Shift)
        .where(Shift.id == shift.id, Shift.filled < Shift.quota)
        .values(filled=Shift.filled + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        raise Conflict(_("该班次已排满"), reason="full")
    assignment = ShiftAssignment(
        shift_id=shift.id,
        volunteer_id=volunteer.id,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        assigned_by_id=by.id,
    )
    add_or_conflict(
        assignment, Conflict(_("%(name)s在该时段已有排班", name=volunteer.name), reason="double_booked")
    )
    db.session.refresh(shift)
    audit.log("roster.assigned", assignment, by=by, unit_id=shift.unit_id, volunteer_id=volunteer.id)
    return assignment


def unroster(assignment: ShiftAssignment, *, by: User) -> None:
    """Take a volunteer off a shift that has not begun; the place is free again."""
    shift = assignment.shift
    units.ensure_can_manage_unit(by, shift.unit_id)
    if shift.starts_at <= now() or assignment.came_at is not None:
        raise Conflict(_("班次开始后不能取消排班"))
    execute_dml(
        update(Shift)
        .where(Shift.id == shift.id, Shift.filled > 0)
        .values(filled=Shift.filled - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.delete(assignment)
    db.session.flush()
    db.session.refresh(shift)
    audit.log("roster.removed", shift, by=by, unit_id=shift.unit_id, volunteer_id=assignment.volunteer_id)


def shifts_of(campaign: Campaign, unit_id: int | None = None) -> list[Shift]:
    stmt = select(Shift).where(Shift.campaign_id == campaign.id)
    if unit_id is not None:
        stmt = stmt.where(Shift.unit_id == unit_id)
    return list(
        db.session.scalars(
            stmt.options(selectinload(Shift.unit), selectinload(Shift.post))
            .order_by(Shift.starts_at, Shift.area, Shift.id)
            .limit(500)
        )
    )


def assignments_of(shift: Shift) -> list[ShiftAssignment]:
    return list(
        db.session.scalars(
            select(ShiftAssignment)
            .where(ShiftAssignment.shift_id == shift.id)
            .options(selectinload(ShiftAssignment.volunteer))
            .order_by(ShiftAssignment.id)
        )
    )


def my_shifts(
    volunteer: Volunteer, *, since: datetime | None = None, limit: int = 50
) -> list[ShiftAssignment]:
    """The volunteer's shifts not yet over (or since `since`), soonest first."""
    since = since or now()
    return list(
        db.session.scalars(
            select(ShiftAssignment)
            .where(ShiftAssignment.volunteer_id == volunteer.id, ShiftAssignment.ends_at > since)
            .options(
                selectinload(ShiftAssignment.shift).selectinload(Shift.campaign),
                selectinload(ShiftAssignment.shift).selectinload(Shift.post),
            )
            .order_by(ShiftAssignment.starts_at)
            .limit(limit)
        )
    )


def shifts_on_now(post_id: int, at: datetime):
    """The shifts at the post on at `at` (from EARLY_CHECK_IN before they start)."""
    return select(Shift.id).where(
        Shift.post_id == post_id, Shift.starts_at <= at + EARLY_CHECK_IN, Shift.ends_at >= at
    )


def fulfil_by_check_in(volunteer_id: int, post_id: int, at: datetime, record_id: int) -> int:
    """The check-in at a shift's post during the shift (from EARLY_CHECK_IN before it) fulfils
    the volunteer's shift there; the session's record gives its hours. One statement."""
    on_now = shifts_on_now(post_id, at)
    return execute_dml(
        update(ShiftAssignment)
        .where(
            ShiftAssignment.volunteer_id == volunteer_id,
            ShiftAssignment.came_at.is_(None),
            ShiftAssignment.shift_id.in_(on_now),
        )
        .values(came_at=at, record_id=record_id)
        .execution_options(synchronize_session=False)
    ).rowcount


@dataclass
class ReportRow:
    unit_id: int
    unit: str
    area: str
    asked: int
    rostered: int
    came: int
    hours: float


def report(campaign: Campaign, unit_id: int | None = None) -> list[ReportRow]:
    """Per unit and area: people asked (the quotas), rostered, who came, and the approved hours
    of the sessions that fulfilled the shifts. Two grouped queries."""
    quotas = (
        select(Shift.unit_id, Shift.area, func.sum(Shift.quota), func.sum(Shift.filled))
        .where(Shift.campaign_id == campaign.id)
        .group_by(Shift.unit_id, Shift.area)
    )
    approved = and_(ServiceRecord.id == ShiftAssignment.record_id, ServiceRecord.status == "approved")
    came = (
        select(
            Shift.unit_id,
            Shift.area,
            func.count(ShiftAssignment.came_at),
            func.coalesce(func.sum(case((ServiceRecord.id.is_not(None), ServiceRecord.seconds), else_=0)), 0),
        )
        .join(ShiftAssignment, ShiftAssignment.shift_id == Shift.id)
        .outerjoin(ServiceRecord, approved)
        .where(Shift.campaign_id == campaign.id)
        .group_by(Shift.unit_id, Shift.area)
    )
    if unit_id is not None:
        quotas, came = quotas.where(Shift.unit_id == unit_id), came.where(Shift.unit_id == unit_id)
    names = dict(db.session.execute(select(Unit.id, Unit.name)).all())
    fulfilled = {(u, a): (int(n), int(s)) for u, a, n, s in db.session.execute(came)}
    rows = []
    for u, area, asked, rostered in db.session.execute(quotas):
        n, seconds = fulfilled.get((u, area), (0, 0))
        rows.append(
            ReportRow(u, names.get(u, "-"), area, int(asked), int(rostered), n, round(seconds / 3600, 2))
        )
    return sorted(rows, key=lambda r: (r.unit, r.area))


# Reminders ---------------------------------------------------------------------------------


def _reminder_text(assignment: ShiftAssignment) -> str:
    shift = assignment.shift
    return _(
        "【志愿星】提醒：您明天%(start)s–%(end)s在“%(area)s”有“%(campaign)s”的志愿服务排班，请准时到岗扫码签到。",
        start=local(shift.starts_at).strftime("%H:%M"),
        end=local(shift.ends_at).strftime("%H:%M"),
        area=shift.area,
        campaign=shift.campaign.name,
    )


def send_reminders(at: datetime) -> dict:
    """Text every volunteer whose shift starts tomorrow (local day), once: each text is claimed
    by a conditional UPDATE of reminded_at and committed before it is sent; a send that fails
    releases its claim for the next run."""
    tomorrow = local(at).date() + timedelta(days=1)
    start, end = start_of_day(tomorrow), start_of_day(tomorrow + timedelta(days=1))
    due = list(
        db.session.scalars(
            select(ShiftAssignment.id).where(
                ShiftAssignment.reminded_at.is_(None),
                ShiftAssignment.starts_at >= start,
                ShiftAssignment.starts_at < end,
            )
        )
    )
    sent = skipped = 0
    for assignment_id in due:
        claimed = execute_dml(
            update(ShiftAssignment)
            .where(ShiftAssignment.id == assignment_id, ShiftAssignment.reminded_at.is_(None))
            .values(reminded_at=at)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if not claimed:
            continue
        assignment = db.session.get(ShiftAssignment, assignment_id)
        assert assignment is not None, "claimed rows exist"
        phone = assignment.volunteer.phone or assignment.volunteer.guardian_phone
        if not phone:
            skipped += 1
            continue
        text = _reminder_text(assignment)
        db.session.commit()  # end the read before waiting on the gateway
        try:
            sms.send(phone, text)
        except Exception:
            execute_dml(
                update(ShiftAssignment)
                .where(ShiftAssignment.id == assignment_id)
                .values(reminded_at=None)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
            raise
        sent += 1
    return {"sent": sent, "skipped": skipped}


def roster_by_number(shift: Shift, volunteer_no: str, *, by: User) -> ShiftAssignment:
    """The roster page's form: a volunteer named by their volunteer number."""
    volunteer = db.session.scalar(
        select(Volunteer).where(Volunteer.volunteer_no == (volunteer_no or "").strip())
    )
    if volunteer is None:
        raise ValidationFailed(fields={"volunteer_no": [_("没有这个志愿者编号")]})
    return roster(shift, volunteer, by=by)


def ensure_roster_reader(user: User, shift: Shift) -> None:
    if not units.can_manage_unit(user, shift.unit_id):
        raise Forbidden(_("您只能管理本单位的排班"))
