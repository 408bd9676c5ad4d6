"""The hours ledger: service records, their review, and each volunteer's cached total.

Rules: only approved records count; an approved record is never edited in place (it can
be rejected, with a reason, and a corrected record entered); the cached total
Volunteer.approved_seconds always equals the sum of approved records, because every
status change adjusts it in the same transaction with one atomic UPDATE.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from app.extensions import db
from app.models import Post, ServiceRecord, User, Volunteer
from app.services import audit, stars
from app.services.clock import local, now
from app.services.errors import Conflict, NotFound, ValidationFailed

MAX_RECORD = timedelta(hours=24)
PRE_REGISTRATION = "pre_registration"  # flag: service from before the volunteer registered


def countable_seconds(raw_seconds: int, post: Post | None) -> tuple[int, list[str]]:
    """Apply a post's minimum (below counts zero) and maximum (capped) countable minutes."""
    flags: list[str] = []
    if post is None:
        return max(0, raw_seconds), flags
    if raw_seconds < post.min_minutes * 60:
        return 0, ["below_min"]
    if raw_seconds > post.max_minutes * 60:
        return post.max_minutes * 60, ["capped"]
    return raw_seconds, flags


def lock_volunteer(volunteer_id: int) -> Volunteer:
    """Serialize ledger changes of one volunteer (row lock on PostgreSQL; SQLite takes the
    database write lock at BEGIN, see app.sqlite)."""
    volunteer = db.session.scalar(
        select(Volunteer).where(Volunteer.id == volunteer_id).with_for_update())
    if volunteer is None:
        raise NotFound(_("志愿者不存在"))
    return volunteer


def overlapping(volunteer_id: int, started_at: datetime, ended_at: datetime | None,
                exclude_id: int | None = None) -> ServiceRecord | None:
    """Another live (open, pending or approved) record of the volunteer that overlaps."""
    end = ended_at or datetime.max.replace(tzinfo=started_at.tzinfo)
    stmt = select(ServiceRecord).where(
        ServiceRecord.volunteer_id == volunteer_id,
        ServiceRecord.status != "rejected",
        ServiceRecord.started_at < end,
        or_(ServiceRecord.ended_at.is_(None), ServiceRecord.ended_at > started_at),
    )
    if exclude_id is not None:
        stmt = stmt.where(ServiceRecord.id != exclude_id)
    return db.session.scalars(stmt.limit(1)).first()


def create_record(volunteer: Volunteer, *, started_at: datetime, ended_at: datetime, by: User | None,
                  source: str = "manual", post: Post | None = None, activity=None,
                  note: str | None = None, status: str = "approved", flags: list[str] | None = None,
                  unit_id: int | None = None) -> ServiceRecord:
    """Enter a finished record (补录 or import). Approved ones count at once."""
    fields: dict[str, list[str]] = {}
    if ended_at <= started_at:
        fields["ended_at"] = [_("结束时间必须晚于开始时间")]
    elif ended_at - started_at > MAX_RECORD:
        fields["ended_at"] = [_("单条记录不能超过24小时")]
    if ended_at > now() + timedelta(minutes=5):
        fields["ended_at"] = [_("不能录入未来的服务时间")]
    if note is not None and len(note) > 500:
        fields["note"] = [_("备注不能超过500字")]
    if status not in ("pending", "approved"):
        fields["status"] = [_("状态无效")]
    if fields:
        raise ValidationFailed(fields=fields)
    lock_volunteer(volunteer.id)
    clash = overlapping(volunteer.id, started_at, ended_at)
    if clash is not None:
        raise Conflict(_("与该志愿者已有的服务记录时间重叠（记录 #%(id)d）", id=clash.id),
                       fields={"started_at": [_("时间与已有记录重叠")]})
    seconds, auto_flags = countable_seconds(int((ended_at - started_at).total_seconds()), post)
    record = ServiceRecord(
        volunteer_id=volunteer.id, unit_id=unit_id or (post.unit_id if post else volunteer.unit_id),
        post_id=post.id if post else None, activity_id=activity.id if activity else None,
        started_at=started_at, ended_at=ended_at, seconds=seconds, status="pending", source=source,
        flags=",".join(dict.fromkeys((flags or []) + auto_flags)), note=note,
        created_by_id=by.id if by else None,
    )
    db.session.add(record)
    db.session.flush()
    audit.log("record.created", record, by=by, unit_id=record.unit_id, source=source,
              seconds=seconds, volunteer_id=volunteer.id)
    if status == "approved":
        approve(record, by=by)
    return record


def enter_by_hand(volunteer: Volunteer, *, started_at: datetime, ended_at: datetime, by: User | None,
                  post: Post | None = None, note: str | None = None, unit_id: int | None = None,
                  before_registration: bool = False) -> ServiceRecord:
    """An admin's 补录, approved at once. Service dated before the volunteer registered is
    refused unless the admin marks it as history from before registration, with a note;
    such a record carries the pre_registration flag, so reviewers see it in every list."""
    registered = volunteer.created_at
    flags: list[str] = []
    if started_at < registered:
        if not before_registration:
            raise ValidationFailed(
                _("该记录早于志愿者的注册时间（%(t)s）", t=local(registered).strftime("%Y-%m-%d %H:%M")),
                fields={"started_at": [_("早于志愿者的注册时间（%(t)s）；如确为注册前的服务，请勾选“补录注册前的服务”并写明说明",
                                          t=local(registered).strftime("%Y-%m-%d %H:%M"))]})
        if not (note or "").strip():
            raise ValidationFailed(fields={"note": [_("补录注册前的服务须写明说明")]})
        flags.append(PRE_REGISTRATION)
    return create_record(volunteer, started_at=started_at, ended_at=ended_at, by=by, source="manual",
                         post=post, note=note, flags=flags, unit_id=unit_id)


def get_record(record_id: int) -> ServiceRecord:
    record = db.session.get(ServiceRecord, record_id)
    if record is None:
        raise NotFound(_("服务记录不存在"))
    return record


def _add_to_total(volunteer_id: int, delta: int) -> Volunteer:
    db.session.execute(update(Volunteer).where(Volunteer.id == volunteer_id)
                       .values(approved_seconds=Volunteer.approved_seconds + delta))
    volunteer = db.session.get(Volunteer, volunteer_id)
    db.session.refresh(volunteer, ["approved_seconds", "star_level"])
    stars.apply_level(volunteer)
    return volunteer


def approve(record: ServiceRecord, *, by: User | None) -> ServiceRecord:
    """pending → approved, once; the hours count from now on."""
    done = db.session.execute(
        update(ServiceRecord).where(ServiceRecord.id == record.id, ServiceRecord.status == "pending")
        .values(status="approved", reviewed_by_id=by.id if by else None, reviewed_at=now())
        .execution_options(synchronize_session=False)).rowcount
    if not done:
        db.session.refresh(record)
        raise Conflict(_("只能审核通过待审核的记录（当前状态：%(s)s）", s=record.status))
    db.session.refresh(record)
    _add_to_total(record.volunteer_id, record.seconds)
    audit.log("record.approved", record, by=by, unit_id=record.unit_id, seconds=record.seconds)
    return record


def reject(record: ServiceRecord, *, by: User | None, reason: str) -> ServiceRecord:
    """pending or approved → rejected with a reason; an approved record's hours are taken back."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise ValidationFailed(fields={"reason": [_("请填写不通过的原因（不超过500字）")]})
    was = record.status
    done = db.session.execute(
        update(ServiceRecord).where(ServiceRecord.id == record.id,
                                    ServiceRecord.status.in_(("pending", "approved")))
        .values(status="rejected", reject_reason=reason, reviewed_by_id=by.id if by else None,
                reviewed_at=now())
        .execution_options(synchronize_session=False)).rowcount
    if not done:
        db.session.refresh(record)
        raise Conflict(_("该记录当前不能驳回（当前状态：%(s)s）", s=record.status))
    db.session.refresh(record)
    if was == "approved":
        _add_to_total(record.volunteer_id, -record.seconds)
    audit.log("record.rejected", record, by=by, unit_id=record.unit_id, reason=reason,
              was=was, seconds=record.seconds)
    return record


def correct(record: ServiceRecord, *, started_at: datetime, ended_at: datetime, by: User | None,
            reason: str) -> ServiceRecord:
    """Correct a record's times without editing it: the old one is rejected with the reason
    and an approved replacement pointing back at it (corrects_id) is entered, in one step."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 480:
        raise ValidationFailed(fields={"reason": [_("请填写更正的原因（不超过480字）")]})
    if record.status not in ("pending", "approved"):
        raise Conflict(_("只能更正待审核或已通过的记录（当前状态：%(s)s）", s=record.status))
    volunteer = lock_volunteer(record.volunteer_id)
    reject(record, by=by, reason=_("更正：%(reason)s", reason=reason))
    replacement = create_record(volunteer, started_at=started_at, ended_at=ended_at, by=by, source="manual",
                                post=record.post, activity=record.activity, note=reason, status="pending",
                                flags=["corrected"], unit_id=record.unit_id)
    replacement.corrects_id = record.id
    db.session.flush()
    audit.log("record.corrected", record, by=by, unit_id=record.unit_id, reason=reason,
              replacement_id=replacement.id)
    return approve(replacement, by=by)


def ledger_mismatches() -> list[tuple[int, str, int, int]]:
    """Volunteers whose cached total differs from the sum of approved records:
    (volunteer_id, volunteer_no, cached_seconds, ledger_seconds). One set-based query."""
    ledger = (select(ServiceRecord.volunteer_id, func.sum(ServiceRecord.seconds).label("total"))
              .where(ServiceRecord.status == "approved").group_by(ServiceRecord.volunteer_id).subquery())
    ledger_total = func.coalesce(ledger.c.total, 0)
    rows = db.session.execute(
        select(Volunteer.id, Volunteer.volunteer_no, Volunteer.approved_seconds, ledger_total)
        .outerjoin(ledger, ledger.c.volunteer_id == Volunteer.id)
        .where(Volunteer.approved_seconds != ledger_total).order_by(Volunteer.id)).all()
    return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]


def search_records(*, unit_id: int | None, status: str | None = None, volunteer_id: int | None = None,
                   post_id: int | None = None, date_from: datetime | None = None,
                   date_to: datetime | None = None, flagged: bool = False, page: int = 1, per_page: int = 50):
    """A page of a unit's records (or all units'), newest first, with the total."""
    from sqlalchemy.orm import selectinload

    from app.services.volunteers import Page
    stmt = select(ServiceRecord)
    if unit_id is not None:
        stmt = stmt.where(ServiceRecord.unit_id == unit_id)
    if status:
        stmt = stmt.where(ServiceRecord.status == status)
    if volunteer_id:
        stmt = stmt.where(ServiceRecord.volunteer_id == volunteer_id)
    if post_id:
        stmt = stmt.where(ServiceRecord.post_id == post_id)
    if date_from:
        stmt = stmt.where(ServiceRecord.started_at >= date_from)
    if date_to:
        stmt = stmt.where(ServiceRecord.started_at < date_to)
    if flagged:
        stmt = stmt.where(ServiceRecord.flags != "")
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    page = max(1, page)
    items = list(db.session.scalars(
        stmt.options(selectinload(ServiceRecord.volunteer), selectinload(ServiceRecord.post),
                     selectinload(ServiceRecord.created_by))
        .order_by(ServiceRecord.started_at.desc(), ServiceRecord.id.desc())
        .limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total, page, per_page)


def approve_many(record_ids: list[int], *, unit_id: int | None, by: User | None) -> int:
    """Approve the pending ones among record_ids (of one unit unless unit_id is None)."""
    stmt = select(ServiceRecord).where(ServiceRecord.id.in_(record_ids), ServiceRecord.status == "pending")
    if unit_id is not None:
        stmt = stmt.where(ServiceRecord.unit_id == unit_id)
    approved = 0
    for record in db.session.scalars(stmt.order_by(ServiceRecord.id)).all():
        approve(record, by=by)
        approved += 1
    return approved


def hours_by_month(months: list[str], *, volunteer_id: int | None = None,
                   unit_id: int | None = None) -> list[tuple[str, float]]:
    """Approved hours per calendar month (deployment zone) of the given consecutive months, of
    one volunteer, one unit's ledger, or everything — one GROUP BY. Months are matched by
    their UTC bounds, so it works the same on every database."""
    from sqlalchemy import and_, case, literal

    from app.models.base import UTCDateTime
    from app.services.clock import month_bounds
    utc = UTCDateTime()
    bounds = {m: month_bounds(m) for m in months}
    label = case(*[(and_(ServiceRecord.started_at >= literal(start, utc), ServiceRecord.started_at < literal(end, utc)), m)
                   for m, (start, end) in bounds.items()], else_=None)
    first, last = bounds[months[0]][0], bounds[months[-1]][1]
    conditions = [ServiceRecord.status == "approved", ServiceRecord.started_at >= first,
                  ServiceRecord.started_at < last]
    if volunteer_id is not None:
        conditions.append(ServiceRecord.volunteer_id == volunteer_id)
    if unit_id is not None:
        conditions.append(ServiceRecord.unit_id == unit_id)
    # Grouped through a subquery: PostgreSQL would not match a GROUP BY expression whose
    # bound parameters are rendered a second time.
    labelled = select(label.label("month"), ServiceRecord.seconds).where(*conditions).subquery()
    rows = dict(db.session.execute(
        select(labelled.c.month, func.sum(labelled.c.seconds)).group_by(labelled.c.month)).all())
    return [(m, round((rows.get(m) or 0) / 3600, 2)) for m in months]
