"""The hours ledger: service records, their review, and each volunteer's cached total.

Rules: only approved records count; an approved record is never edited in place (it can
be rejected, with a reason, and a corrected record entered); the cached total
Volunteer.approved_seconds always equals the sum of approved records, because every
status change adjusts it in the same transaction with one atomic UPDATE; the monthly rollups
(app.services.rollups) change in the same transaction too.

Reading the ledger is in ledger_reads, 补录 in record_entry (both re-exported here).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import Post, ServiceRecord, User, Volunteer
from app.services import audit, moves, rollups, stars
from app.services.clock import local, now
from app.services.errors import Conflict, NotFound, ValidationFailed
from app.services.inputs import SERVICE_MIN_YEAR, service_year_ok
from app.services.ledger_reads import (  # noqa: F401  (the ledger's public reads)
    NO_VOLUNTEER,
    hours_by_month,
    ledger_mismatches,
    search_records,
    volunteer_filter,
)

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
    volunteer = db.session.scalar(select(Volunteer).where(Volunteer.id == volunteer_id).with_for_update())
    if volunteer is None:
        raise NotFound(_("志愿者不存在"))
    return volunteer


def overlapping(
    volunteer_id: int, started_at: datetime, ended_at: datetime | None, exclude_id: int | None = None
) -> ServiceRecord | None:
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


def open_session(volunteer_id: int, *, lock: bool = False) -> ServiceRecord | None:
    """The volunteer's open session, if any (at most one: the database enforces it); with
    lock, read under the volunteer's ledger lock, so that no other tap changes it meanwhile
    (the lock and the read are one statement: a scan is a round trip shorter)."""
    is_open = and_(ServiceRecord.volunteer_id == volunteer_id, ServiceRecord.status == "open")
    if not lock:
        return db.session.scalar(select(ServiceRecord).where(is_open))
    row = db.session.execute(
        select(Volunteer.id, ServiceRecord)
        .outerjoin(ServiceRecord, is_open)
        .where(Volunteer.id == volunteer_id)
        .with_for_update(of=Volunteer)
    ).first()
    if row is None:
        raise NotFound(_("志愿者不存在"))
    return row[1]


def open_record(
    volunteer: Volunteer,
    post: Post,
    *,
    at: datetime,
    source: str,
    by: User,
    flags: list[str],
    lat: float | None = None,
    lng: float | None = None,
) -> ServiceRecord:
    """Open a session at a post (a check-in), unless it starts inside another record of the
    volunteer. A second open session cannot exist (uq_service_records_one_open): a tap that
    loses that race gets the session that won, wherever it is."""
    clash = overlapping(volunteer.id, at, None)
    if clash is not None and clash.status != "open":
        raise Conflict(_("此时段已有您的服务记录，不能重复签到"))
    # INSERT … ON CONFLICT DO NOTHING on the one-open-session index: the tap that loses the
    # race inserts nothing, without a savepoint to roll back to (two round trips fewer).
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {
        "volunteer_id": volunteer.id,
        "unit_id": post.unit_id,
        "post_id": post.id,
        "started_at": at,
        "status": "open",
        "source": source,
        "flags": ",".join(flags),
        "check_in_lat": lat,
        "check_in_lng": lng,
        "created_by_id": by.id,
    }
    record = db.session.scalars(
        insert(ServiceRecord)
        .values(**values)
        .on_conflict_do_nothing(
            # the index's own predicate, as literal SQL: a bound value would not match it once
            # the driver prepares the statement
            index_elements=[ServiceRecord.volunteer_id],
            index_where=text("status = 'open'"),
        )
        .returning(ServiceRecord)
    ).first()
    if record is None:
        current = open_session(volunteer.id)
        assert current is not None, "a conflict on the open-session index leaves an open session"
        return current
    audit.log("record.checked_in", record, by=by, unit_id=post.unit_id, post_id=post.id, flags=record.flags)
    return record


# Flagged sessions always wait for a person; clean ones follow the post's policy.
# (late_upload and clock_skew: an offline tap whose time a reviewer should look at)
NEEDS_REVIEW = frozenset({"outside_fence", "capped", "auto_closed", "late_upload", "clock_skew"})


def close_record(
    record: ServiceRecord,
    *,
    at: datetime,
    by: User,
    flags: list[str],
    lat: float | None = None,
    lng: float | None = None,
) -> ServiceRecord:
    """open → pending (a check-out): the countable time follows the post's minimum and
    maximum; a clean record at a post that approves by itself counts at once."""
    post = record.post
    at = max(at, record.started_at)
    seconds, cap_flags = countable_seconds(int((at - record.started_at).total_seconds()), post)
    record.ended_at = at
    record.seconds = seconds
    record.check_out_lat, record.check_out_lng = lat, lng
    record.flags = ",".join(dict.fromkeys(record.flag_list + flags + cap_flags))
    record.status = "pending"
    audit.changed("record.checked_out", record, by=by, seconds=seconds, flags=record.flags)
    if post is not None and post.auto_approve and not set(record.flag_list) & NEEDS_REVIEW:
        approve(record, by=None)
    return record


def create_record(
    volunteer: Volunteer,
    *,
    started_at: datetime,
    ended_at: datetime,
    by: User | None,
    source: str = "manual",
    post: Post | None = None,
    activity=None,
    note: str | None = None,
    status: str = "approved",
    flags: list[str] | None = None,
    unit_id: int | None = None,
) -> ServiceRecord:
    """Enter a finished record (补录 or import). Approved ones count at once."""
    fields: dict[str, list[str]] = {}
    if ended_at <= started_at:
        fields["ended_at"] = [_("结束时间必须晚于开始时间")]
    elif ended_at - started_at > MAX_RECORD:
        fields["ended_at"] = [_("单条记录不能超过24小时")]
    if ended_at > now() + timedelta(minutes=5):
        fields["ended_at"] = [_("不能录入未来的服务时间")]
    if not service_year_ok(local(started_at).year):
        fields["started_at"] = [_("服务时间应在%(a)d年至明年之间", a=SERVICE_MIN_YEAR)]
    if note is not None and len(note) > 500:
        fields["note"] = [_("备注不能超过500字")]
    if status not in ("pending", "approved"):
        fields["status"] = [_("状态无效")]
    if fields:
        raise ValidationFailed(fields=fields)
    lock_volunteer(volunteer.id)
    clash = overlapping(volunteer.id, started_at, ended_at)
    if clash is not None:
        raise Conflict(
            _("与该志愿者已有的服务记录时间重叠（记录 #%(id)d）", id=clash.id),
            fields={"started_at": [_("时间与已有记录重叠")]},
        )
    seconds, auto_flags = countable_seconds(int((ended_at - started_at).total_seconds()), post)
    record = ServiceRecord(
        volunteer_id=volunteer.id,
        unit_id=unit_id or (post.unit_id if post else volunteer.unit_id),
        post_id=post.id if post else None,
        activity_id=activity.id if activity else None,
        started_at=started_at,
        ended_at=ended_at,
        seconds=seconds,
        status="pending",
        source=source,
        flags=",".join(dict.fromkeys((flags or []) + auto_flags)),
        note=note,
        created_by_id=by.id if by else None,
    )
    audit.added("record.created", record, by=by, source=source, seconds=seconds, volunteer_id=volunteer.id)
    if status == "approved":
        approve(record, by=by)
    return record


def _add_to_total(volunteer_id: int, delta: int) -> Volunteer:
    db.session.execute(
        update(Volunteer)
        .where(Volunteer.id == volunteer_id)
        .values(approved_seconds=Volunteer.approved_seconds + delta)
    )
    volunteer = db.session.get(Volunteer, volunteer_id)
    assert volunteer is not None, "a record's volunteer exists (foreign key)"
    db.session.refresh(volunteer, ["approved_seconds", "star_level"])
    stars.apply_level(volunteer)
    return volunteer


def approve(record: ServiceRecord, *, by: User | None) -> ServiceRecord:
    """pending → approved, once; the hours count from now on."""
    if not moves.move(
        record, ("pending",), status="approved", reviewed_by_id=by.id if by else None, reviewed_at=now()
    ):
        raise Conflict(_("只能审核通过待审核的记录（当前状态：%(s)s）", s=record.status))
    rollups.record_approved(record, _add_to_total(record.volunteer_id, record.seconds))
    audit.log("record.approved", record, by=by, unit_id=record.unit_id, seconds=record.seconds)
    return record


def reject(record: ServiceRecord, *, by: User | None, reason: str) -> ServiceRecord:
    """pending or approved → rejected with a reason; an approved record's hours are taken back."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise ValidationFailed(fields={"reason": [_("请填写不通过的原因（不超过500字）")]})
    was = record.status
    if not moves.move(
        record,
        ("pending", "approved"),
        status="rejected",
        reject_reason=reason,
        reviewed_by_id=by.id if by else None,
        reviewed_at=now(),
    ):
        raise Conflict(_("该记录当前不能驳回（当前状态：%(s)s）", s=record.status))
    if was == "approved":
        rollups.record_withdrawn(record, _add_to_total(record.volunteer_id, -record.seconds))
    audit.changed("record.rejected", record, by=by, reason=reason, was=was, seconds=record.seconds)
    return record


def correct(
    record: ServiceRecord, *, started_at: datetime, ended_at: datetime, by: User | None, reason: str
) -> ServiceRecord:
    """Correct a record's times without editing it: the old one is rejected with the reason
    and an approved replacement pointing back at it (corrects_id) is entered, in one step."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 480:
        raise ValidationFailed(fields={"reason": [_("请填写更正的原因（不超过480字）")]})
    if record.status not in ("pending", "approved"):
        raise Conflict(_("只能更正待审核或已通过的记录（当前状态：%(s)s）", s=record.status))
    volunteer = lock_volunteer(record.volunteer_id)
    reject(record, by=by, reason=_("更正：%(reason)s", reason=reason))
    replacement = create_record(
        volunteer,
        started_at=started_at,
        ended_at=ended_at,
        by=by,
        source="manual",
        post=record.post,
        activity=record.activity,
        note=reason,
        status="pending",
        flags=["corrected"],
        unit_id=record.unit_id,
    )
    replacement.corrects_id = record.id
    db.session.flush()
    audit.log(
        "record.corrected",
        record,
        by=by,
        unit_id=record.unit_id,
        reason=reason,
        replacement_id=replacement.id,
    )
    return approve(replacement, by=by)


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


from app.services.record_entry import (  # noqa: E402,F401  (补录, written on the functions above)
    enter_manual_record,
    find_volunteer_for_entry,
)
