"""Service posts (志愿服务岗) and activities: their settings, QR codes and sign-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from app.extensions import db, execute_dml
from app.models import Activity, ActivitySignup, Post, User, Volunteer
from app.models.posts import ACTIVITY_KINDS
from app.services import audit, campaigns, categories, places, projects, qr, skills
from app.services.clock import now
from app.services.errors import Conflict, Forbidden, ValidationFailed

MAX_MINUTES_LIMIT = 24 * 60


@dataclass
class PostInput:
    name: str
    address: str | None = None
    lat: float | None = None
    lng: float | None = None
    radius_m: int | None = None
    geofence_mode: str = "refuse"
    auto_approve: bool = False
    min_minutes: int = 10
    max_minutes: int = 480
    open_from: time | None = None
    open_until: time | None = None
    category_id: int | None = None
    station_id: int | None = None  # a practice station the post's unit is paired with
    project_id: int | None = None  # a service project of the unit or of its teams


def _validated(
    data: PostInput,
    current_category: int | None = None,
    *,
    unit_id: int,
    current_station: int | None = None,
    current_project: int | None = None,
) -> PostInput:
    fields: dict[str, list[str]] = {}
    data.name = (data.name or "").strip()
    data.address = (data.address or "").strip() or None
    if not data.name or len(data.name) > 100:
        fields["name"] = [_("请填写服务岗名称（不超过100字）")]
    if data.address and len(data.address) > 200:
        fields["address"] = [_("地址不能超过200字")]
    if (data.lat is None) != (data.lng is None):
        fields["lat"] = [_("经度和纬度需同时填写")]
    if data.lat is not None and not -90 <= data.lat <= 90:
        fields["lat"] = [_("纬度应在-90到90之间")]
    if data.lng is not None and not -180 <= data.lng <= 180:
        fields["lng"] = [_("经度应在-180到180之间")]
    if data.radius_m is not None:
        if data.lat is None:
            fields["radius_m"] = [_("设置定位范围需要先填写服务岗的经纬度")]
        elif not 10 <= data.radius_m <= 100_000:
            fields["radius_m"] = [_("定位范围应在10到100000米之间")]
    if data.geofence_mode not in ("refuse", "flag"):
        fields["geofence_mode"] = [_("请选择超出范围时的处理方式")]
    if not 0 <= data.min_minutes <= 600:
        fields["min_minutes"] = [_("最短计时应在0到600分钟之间")]
    if not 1 <= data.max_minutes <= MAX_MINUTES_LIMIT:
        fields["max_minutes"] = [_("最长计时应在1到1440分钟之间")]
    elif data.min_minutes > data.max_minutes:
        fields["max_minutes"] = [_("最长计时不能少于最短计时")]
    if (data.open_from is None) != (data.open_until is None):
        fields["open_until"] = [_("开放时间需同时填写开始和结束")]
    if bad_category := categories.check_choice(data.category_id, current=current_category):
        fields["category_id"] = bad_category
    if bad_station := places.check_station_of_unit(data.station_id, unit_id, current=current_station):
        fields["station_id"] = bad_station
    if bad_project := projects.check_project_of_unit(data.project_id, unit_id, current=current_project):
        fields["project_id"] = bad_project
    if fields:
        raise ValidationFailed(fields=fields)
    return data


def create_post(unit_id: int, data: PostInput, *, by: User | None) -> Post:
    data = _validated(data, unit_id=unit_id)
    post = Post(unit_id=unit_id, **data.__dict__)
    db.session.add(post)
    db.session.flush()
    audit.log("post.created", post, by=by, unit_id=unit_id, name=post.name)
    return post


def update_post(post: Post, data: PostInput, *, by: User | None) -> Post:
    data = _validated(
        data,
        post.category_id,
        unit_id=post.unit_id,
        current_station=post.station_id,
        current_project=post.project_id,
    )
    changes = {k: v for k, v in data.__dict__.items() if getattr(post, k) != v}
    for key, value in changes.items():
        setattr(post, key, value)
    audit.log(
        "post.updated",
        post,
        by=by,
        unit_id=post.unit_id,
        **{k: str(v) if v is not None else None for k, v in changes.items()},
    )
    return post


def set_active(post: Post, active: bool, *, by: User | None) -> Post:
    """A disabled post refuses scans; its posters stop working until it is enabled again."""
    post.is_active = active
    audit.log("post.enabled" if active else "post.disabled", post, by=by, unit_id=post.unit_id)
    return post


def rotate_code(post: Post, *, by: User | None) -> Post:
    """Retire every printed poster of the post: old codes carry the old version."""
    db.session.execute(update(Post).where(Post.id == post.id).values(code_version=Post.code_version + 1))
    db.session.refresh(post)
    audit.log("post.code_rotated", post, by=by, unit_id=post.unit_id, code_version=post.code_version)
    return post


def list_posts(unit_id: int | None, include_disabled: bool = True) -> list[Post]:
    stmt = select(Post).order_by(Post.unit_id, Post.id)
    if unit_id is not None:
        stmt = stmt.where(Post.unit_id == unit_id)
    if not include_disabled:
        stmt = stmt.where(Post.is_active.is_(True))
    return list(db.session.scalars(stmt))


def scan_url(post: Post) -> str:
    """The stable signed URL printed on the post's poster."""
    return qr.make_url("post", {"p": post.id, "v": post.code_version})[0]


def kiosk_code(post: Post) -> tuple[str, datetime]:
    """A code for the screen at the post, valid for about a minute."""
    url, expires = qr.make_url("kiosk", {"p": post.id, "v": post.code_version, "k": 1})
    assert expires is not None, "kiosk codes always expire (KIOSK_CODE_SECONDS)"
    return url, expires


# Activities ---------------------------------------------------------------------------------


@dataclass
class ActivityInput:
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    post_id: int | None = None
    capacity: int | None = None
    description: str | None = None
    weekly_count: int = 1  # how many weekly occurrences to create (1 = a single activity)
    category_id: int | None = None  # None: the post's category, if it has a post
    skill_id: int | None = None  # a skill the activity asks for
    requires_cover: bool = False  # sign-ups need volunteer insurance on the day
    for_minors: bool = False  # 适合未成年人: pupils may be signed up
    station_id: int | None = None  # None: the post's station, if it has a post
    project_id: int | None = None  # None: the post's project, if it has a post
    campaign_id: int | None = None  # a theme or campaign (主题 / 专项行动) it is part of
    requires_application: bool = False  # volunteers apply, an admin accepts or declines


def create_activity(unit_id: int, data: ActivityInput, *, by: User | None) -> list[Activity]:
    """Create an activity, or a weekly series of them (e.g. every Wednesday)."""
    fields: dict[str, list[str]] = {}
    title = (data.title or "").strip()
    if not title or len(title) > 100:
        fields["title"] = [_("请填写活动名称（不超过100字）")]
    if data.kind not in ACTIVITY_KINDS:
        fields["kind"] = [_("请选择活动类型")]
    if data.ends_at <= data.starts_at:
        fields["ends_at"] = [_("结束时间必须晚于开始时间")]
    if data.capacity is not None and not 1 <= data.capacity <= 100_000:
        fields["capacity"] = [_("人数上限应在1到100000之间")]
    if not 1 <= data.weekly_count <= 52:
        fields["weekly_count"] = [_("每周重复次数应在1到52之间")]
    category_id, station_id, project_id = data.category_id, data.station_id, data.project_id
    if data.post_id is not None:
        post = db.session.get(Post, data.post_id)
        if post is None or post.unit_id != unit_id:
            fields["post_id"] = [_("请选择本单位的服务岗")]
        else:
            category_id = post.category_id if category_id is None else category_id
            station_id = post.station_id if station_id is None else station_id
            project_id = post.project_id if project_id is None else project_id
    if bad_station := places.check_station_of_unit(data.station_id, unit_id):
        fields["station_id"] = bad_station
    if bad_project := projects.check_project_of_unit(data.project_id, unit_id):
        fields["project_id"] = bad_project
    if bad_category := categories.check_choice(data.category_id):
        fields["category_id"] = bad_category
    if bad_skill := skills.check_choice(data.skill_id):
        fields["skill_id"] = bad_skill
    if bad_campaign := campaigns.check_choice(data.campaign_id):
        fields["campaign_id"] = bad_campaign
    if data.description and len(data.description) > 2000:
        fields["description"] = [_("说明不能超过2000字")]
    if fields:
        raise ValidationFailed(fields=fields)
    created: list[Activity] = []
    for week in range(data.weekly_count):
        shift = timedelta(weeks=week)
        activity = Activity(
            unit_id=unit_id,
            post_id=data.post_id,
            title=title,
            kind=data.kind,
            category_id=category_id,
            skill_id=data.skill_id,
            requires_cover=data.requires_cover,
            for_minors=data.for_minors,
            station_id=station_id,
            project_id=project_id,
            campaign_id=data.campaign_id,
            requires_application=data.requires_application,
            description=data.description,
            starts_at=data.starts_at + shift,
            ends_at=data.ends_at + shift,
            capacity=data.capacity,
            recurrence="weekly" if data.weekly_count > 1 else None,
        )
        db.session.add(activity)
        db.session.flush()
        activity.series_id = created[0].id if created else activity.id
        created.append(activity)
    audit.log("activity.created", created[0], by=by, unit_id=unit_id, occurrences=len(created))
    return created


def list_activities(unit_id: int | None, upcoming_only: bool = False) -> list[Activity]:
    stmt = select(Activity).order_by(Activity.starts_at.desc())
    if unit_id is not None:
        stmt = stmt.where(Activity.unit_id == unit_id)
    if upcoming_only:
        stmt = (
            stmt.where(Activity.ends_at > now(), Activity.is_cancelled.is_(False))
            .order_by(None)
            .order_by(Activity.starts_at)
        )
    return list(db.session.scalars(stmt.limit(200)))


def sign_up(volunteer: Volunteer, activity: Activity) -> ActivitySignup:
    """Take one place of the activity; capacity holds under simultaneous sign-ups."""
    if activity.is_cancelled or activity.ends_at <= now():
        raise Conflict(_("该活动已结束或已取消"))
    if activity.requires_application:
        raise Conflict(_("该活动需要报名申请，经审核通过后参加"))
    exists = db.session.scalar(
        select(ActivitySignup.id).where(
            ActivitySignup.activity_id == activity.id, ActivitySignup.volunteer_id == volunteer.id
        )
    )
    if exists is not None:
        raise Conflict(_("您已报名该活动"))
    if activity.requires_cover:
        from app.services import insurance
        from app.services.clock import local

        if insurance.cover_on(volunteer, local(activity.starts_at).date()) is None:
            raise insurance.CoverRequired()
    stmt = update(Activity).where(Activity.id == activity.id)
    if activity.capacity is not None:
        stmt = stmt.where(Activity.signup_count < Activity.capacity)
    taken = execute_dml(
        stmt.values(signup_count=Activity.signup_count + 1).execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        raise Conflict(_("该活动名额已满"))
    signup = ActivitySignup(activity_id=activity.id, volunteer_id=volunteer.id, created_at=now())
    db.session.add(signup)
    db.session.flush()
    db.session.refresh(activity)
    return signup


# Attendance ---------------------------------------------------------------------------------
# A sign-up becomes attendance when the volunteer checks in at the activity's post during it
# (from EARLY_CHECK_IN before the start to its end), or when the unit admin marks it. Bulletins
# count trainings by attendance, not by trainings published.

EARLY_CHECK_IN = timedelta(minutes=30)


def activities_on_now(post_id: int, at: datetime):
    """The activities on at the post at `at` (from EARLY_CHECK_IN before they start)."""
    return select(Activity.id).where(
        Activity.post_id == post_id,
        Activity.is_cancelled.is_(False),
        Activity.starts_at <= at + EARLY_CHECK_IN,
        Activity.ends_at >= at,
    )


def attend_by_check_in(volunteer_id: int, post_id: int, at: datetime) -> int:
    """Mark the volunteer's sign-ups to activities at this post that are on now; one statement."""
    on_now = activities_on_now(post_id, at)
    return execute_dml(
        update(ActivitySignup)
        .where(
            ActivitySignup.volunteer_id == volunteer_id,
            ActivitySignup.attended_at.is_(None),
            ActivitySignup.activity_id.in_(on_now),
        )
        .values(attended_at=at, attendance_source="checkin")
        .execution_options(synchronize_session=False)
    ).rowcount


def list_signups(activity: Activity) -> list[ActivitySignup]:
    """The activity's sign-ups by volunteer number; those with the skill it asks for first."""
    signups = list(
        db.session.scalars(
            select(ActivitySignup)
            .where(ActivitySignup.activity_id == activity.id)
            .join(Volunteer, Volunteer.id == ActivitySignup.volunteer_id)
            .order_by(Volunteer.volunteer_no)
        )
    )
    order = skills.holders_first([s.volunteer_id for s in signups], activity.skill_id)
    by_volunteer = {s.volunteer_id: s for s in signups}
    return [by_volunteer[v] for v in order]


def mark_attendance(activity: Activity, attended_volunteer_ids: set[int], *, by: User) -> tuple[int, int]:
    """The unit admin's register of who attended: the ticked sign-ups are attended (a check-in's
    time is kept), the others are not. Returns (marked, cleared)."""
    if by.role != "unit_admin" or by.unit_id != activity.unit_id:
        raise Forbidden(_("只能登记本单位活动的出勤"))
    if activity.is_cancelled:
        raise Conflict(_("该活动已取消"))
    if activity.starts_at > now():
        raise Conflict(_("活动开始后才能登记出勤"))
    signups = list_signups(activity)
    unknown = set(attended_volunteer_ids) - {s.volunteer_id for s in signups}
    if unknown:
        raise ValidationFailed(fields={"attended": [_("只能登记已报名的志愿者")]})
    at = now()
    marked = cleared = 0
    for signup in signups:  # one activity's sign-ups, bounded by its capacity
        if signup.volunteer_id in attended_volunteer_ids and signup.attended_at is None:
            signup.attended_at, signup.attendance_source = at, "admin"
            marked += 1
        elif signup.volunteer_id not in attended_volunteer_ids and signup.attended_at is not None:
            signup.attended_at, signup.attendance_source = None, None
            cleared += 1
    audit.changed("activity.attendance_marked", activity, by=by, marked=marked, cleared=cleared)
    return marked, cleared
