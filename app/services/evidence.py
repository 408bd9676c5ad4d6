"""Evidence for the ledger (台账): photos and the number of people served (服务人次) on an
activity and on a post's day.

The unit that holds the activity or the post keeps the evidence; its admins and the platform
admin see the photos, and so do the admins of a unit paired with (结对包保) the station the
activity or post sits at. An activity's evidence is kept once it has begun; a post's day,
once the day has come.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.models import Activity, Photo, Post, PostDay, User
from app.services import audit, photos, places, units
from app.services.clock import local_today, now
from app.services.errors import Conflict, Forbidden, ValidationFailed
from app.services.inputs import Upload, sane_year

MAX_BENEFICIARIES = 1_000_000
NOTE_MAX = 200
ACTIVITY = "activity"
POST_DAY = "post_day"


def _station_of(photo: Photo) -> int | None:
    if photo.subject == ACTIVITY:
        return db.session.scalar(select(Activity.station_id).where(Activity.id == photo.subject_id))
    return db.session.scalar(
        select(Post.station_id)
        .join(PostDay, PostDay.post_id == Post.id)
        .where(PostDay.id == photo.subject_id)
    )


def can_view(user: User | None, photo: Photo) -> bool:
    """The holding unit's admins, the platform admin, and the admins of a unit paired with the
    station where it happened."""
    if user is None or not user.is_authenticated:
        return False
    if user.role == "platform_admin":
        return True
    if user.role != "unit_admin" or user.unit_id is None:
        return False
    if photo.unit_id == user.unit_id:
        return True
    station_id = _station_of(photo)
    return station_id is not None and places.is_paired(user.unit_id, station_id)


photos.register_subject(ACTIVITY, can_view)
photos.register_subject(POST_DAY, can_view)


def ensure_can_keep(user: User | None, unit_id: int) -> None:
    if not units.can_manage_unit(user, unit_id):
        raise Forbidden(_("只能登记本单位的台账资料"))


def _count_errors(beneficiaries: int | None) -> dict[str, list[str]]:
    if beneficiaries is not None and not 0 <= beneficiaries <= MAX_BENEFICIARIES:
        return {"beneficiaries": [_("服务人次应在0到%(n)d之间", n=MAX_BENEFICIARIES)]}
    return {}


def keep_activity_evidence(
    activity: Activity, *, beneficiaries: int | None, uploads: Iterable[Upload] = (), by: User
) -> list[Photo]:
    """Set the activity's people served (None clears it) and keep the uploaded photos: all or none."""
    ensure_can_keep(by, activity.unit_id)
    fields = _count_errors(beneficiaries)
    if activity.is_cancelled:
        raise Conflict(_("活动已取消，不能登记台账资料"))
    if activity.starts_at > now():
        fields.setdefault("beneficiaries", []).append(_("活动开始后才能登记服务人次和照片"))
    if fields:
        raise ValidationFailed(fields=fields)
    kept = photos.attach(ACTIVITY, activity.id, uploads, by=by, unit_id=activity.unit_id)
    if beneficiaries != activity.beneficiaries or kept:
        activity.beneficiaries = beneficiaries
        audit.changed("activity.evidence", activity, by=by, beneficiaries=beneficiaries, photos=len(kept))
    return kept


def post_day(post: Post, day: date) -> PostDay | None:
    return db.session.scalar(select(PostDay).where(PostDay.post_id == post.id, PostDay.day == day))


def keep_post_day(
    post: Post,
    day: date,
    *,
    beneficiaries: int | None,
    note: str | None = None,
    uploads: Iterable[Upload] = (),
    by: User,
) -> PostDay:
    """Set a post's day's people served and note and keep its photos: the day's row is made
    on first use (one per post and day)."""
    ensure_can_keep(by, post.unit_id)
    note = " ".join((note or "").split()) or None
    fields = _count_errors(beneficiaries)
    if not sane_year(day) or day > local_today():
        fields["day"] = [_("只能登记今天或以前的日期")]
    if note and len(note) > NOTE_MAX:
        fields["note"] = [_("备注不能超过%(n)d字", n=NOTE_MAX)]
    if fields:
        raise ValidationFailed(fields=fields)
    row = post_day(post, day)
    if row is None:
        row = PostDay(post_id=post.id, day=day)
        db.session.add(row)
    row.beneficiaries, row.note = beneficiaries, note
    row.updated_by_id, row.updated_at = by.id, now()
    db.session.flush()
    kept = photos.attach(POST_DAY, row.id, uploads, by=by, unit_id=post.unit_id)
    audit.log(
        "post.day_evidence",
        post,
        by=by,
        unit_id=post.unit_id,
        day=day.isoformat(),
        beneficiaries=beneficiaries,
        photos=len(kept),
    )
    return row


def recent_days(post: Post, limit: int = 31) -> list[tuple[PostDay, int]]:
    """The post's latest days with evidence, newest first, each with its number of photos."""
    rows = list(
        db.session.scalars(
            select(PostDay).where(PostDay.post_id == post.id).order_by(PostDay.day.desc()).limit(limit)
        )
    )
    counts = photos.counts_of(POST_DAY, [r.id for r in rows])
    return [(r, counts.get(r.id, 0)) for r in rows]


def activity_photos(activity: Activity) -> list[Photo]:
    return photos.photos_of(ACTIVITY, activity.id)


def post_day_photos(row: PostDay | None) -> list[Photo]:
    return photos.photos_of(POST_DAY, row.id) if row is not None else []


def beneficiaries_sum(activities_where, post_days_where) -> int:
    """People served by the activities and on the post days the two conditions select."""
    from_activities = db.session.scalar(
        select(func.coalesce(func.sum(Activity.beneficiaries), 0)).where(
            Activity.is_cancelled.is_(False), *activities_where
        )
    )
    from_days = db.session.scalar(
        select(func.coalesce(func.sum(PostDay.beneficiaries), 0))
        .join(Post, Post.id == PostDay.post_id)
        .where(*post_days_where)
    )
    return int(from_activities or 0) + int(from_days or 0)
