"""Check-in and check-out at service posts: one scan checks in, the next checks out.

A volunteer has at most one open session anywhere; the database enforces it with the partial
unique index uq_service_records_one_open, so two taps racing each other cannot open two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, select

from app.extensions import db
from app.models import Post, ServiceRecord, User, Volunteer
from app.services import guardians, ledger, need_signups, posts, qr, recruitment, rosters
from app.services.clock import local, now
from app.services.errors import CodeInvalid, Conflict, DomainError, PosterRotated

EARTH_RADIUS_M = 6_371_000
# A second scan this soon after checking in is the same tap repeated (a double tap, a slow
# page), not a check-out: it answers with the session already open.
REPEAT_SCAN_SECONDS = 60


class OutsideFence(DomainError):
    status = 403
    code = "outside_fence"


class TooSoonToCheckOut(Conflict):
    """签退 pressed within a minute of checking in: said plainly, the session stays open."""

    code = "too_soon_to_check_out"

    def __init__(self, record: ServiceRecord, seconds_left: int):
        self.record = record
        self.seconds_left = seconds_left
        super().__init__(
            _("刚签到不足1分钟，请稍后再签退"), open_record_id=record.id, seconds_left=seconds_left
        )


class OpenElsewhere(Conflict):
    """The volunteer is still checked in at another post."""

    code = "open_elsewhere"

    def __init__(self, record: ServiceRecord):
        self.record = record
        super().__init__(
            _("您仍在“%(post)s”签到中，请先在那里签退", post=record.post.name if record.post else "-"),
            open_record_id=record.id,
            open_post_id=record.post_id,
        )


@dataclass
class ScanResult:
    action: str  # 'check_in' or 'check_out'
    record: ServiceRecord
    post: Post


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def post_for_code(code: str) -> Post:
    """The post a poster or kiosk code names; refused when tampered, expired, rotated or disabled."""
    token = qr.token_from_code(code, "post")
    poster = True
    try:
        data = qr.read_token("post", token)
    except CodeInvalid:  # not a poster: perhaps a kiosk screen's code, which lives about a minute
        data = qr.read_token("kiosk", token, max_age=current_app.config["KIOSK_CODE_SECONDS"])
        poster = False
    post = db.session.get(Post, data.get("p")) if isinstance(data.get("p"), int) else None
    if post is None:
        raise CodeInvalid()
    if data.get("v") != post.code_version:
        # a printed poster cannot be refreshed by anyone at hand: send the volunteer to the new one
        raise PosterRotated() if poster else CodeInvalid(_("此二维码已停用，请扫描服务岗现场的新二维码"))
    if not post.is_active:
        raise CodeInvalid(_("该服务岗已停用"))
    return post


def fence_flags(post: Post, lat: float | None, lng: float | None, *, refuse: bool | None = None) -> list[str]:
    """Check the phone's position against the post's fence: refuse, or flag for review
    (as the post says, unless `refuse` overrides it)."""
    if post.radius_m is None or post.lat is None:
        return []
    if lat is None or lng is None:
        reason = _("该服务岗需要定位签到，请允许浏览器获取位置后重试")
        outside = True
    else:
        assert post.lng is not None, "a post's fence has both coordinates"
        outside = distance_m(post.lat, post.lng, lat, lng) > post.radius_m
        reason = _("您不在服务岗的签到范围内（%(r)d米）", r=post.radius_m)
    if not outside:
        return []
    if (post.geofence_mode == "refuse") if refuse is None else refuse:
        raise OutsideFence(reason)
    return ["outside_fence"]


def scan(
    volunteer: Volunteer,
    code: str,
    *,
    lat: float | None = None,
    lng: float | None = None,
    at: datetime | None = None,
    source: str = "scan",
    by: User | None = None,
    intent: str | None = None,
) -> ScanResult:
    """The one action of a post's QR: check in when nothing is open, check out when a
    session is open at this post. `intent` is the button the person pressed, when known:
    a 签退 within a minute of checking in is refused with a reason instead of being taken
    for a repeated 签到 tap."""
    return scan_post(
        volunteer, post_for_code(code), lat=lat, lng=lng, at=at, source=source, by=by, intent=intent
    )


def seconds_until_check_out(record: ServiceRecord, at: datetime) -> int:
    """How long a session just opened must wait before a press checks it out (0: now)."""
    return max(0, math.ceil(REPEAT_SCAN_SECONDS - (at - record.started_at).total_seconds()))


def scan_post(
    volunteer: Volunteer,
    post: Post,
    *,
    lat=None,
    lng=None,
    at=None,
    source="scan",
    by: User | None = None,
    intent: str | None = None,
) -> ScanResult:
    at = at or now()
    # A kiosk stands at the post: its reading vouches for the place, no phone position needed.
    at_post = source == "kiosk"
    current = ledger.open_session(volunteer.id, lock=True)
    if current is not None:
        if current.post_id != post.id:
            raise OpenElsewhere(current)
        wait = seconds_until_check_out(current, at)
        if wait and intent == "check_out":
            raise TooSoonToCheckOut(current, wait)
        if wait:
            return ScanResult("check_in", current, post)
        return ScanResult(
            "check_out", check_out(current, lat=lat, lng=lng, at=at, by=by, at_post=at_post), post
        )
    return ScanResult(
        "check_in",
        check_in(volunteer, post, lat=lat, lng=lng, at=at, source=source, by=by, at_post=at_post),
        post,
    )


def ensure_open(post: Post, at: datetime) -> None:
    """A post with opening hours takes check-ins only while it is open (local time)."""
    if post.open_from is None or post.open_until is None:
        return
    moment = local(at).time()
    if post.open_from <= post.open_until:
        is_open = post.open_from <= moment <= post.open_until
    else:  # open across midnight, e.g. 22:00–06:00
        is_open = moment >= post.open_from or moment <= post.open_until
    if not is_open:
        raise Conflict(
            _(
                "该服务岗的开放时间为 %(a)s–%(b)s，现在不能签到",
                a=post.open_from.strftime("%H:%M"),
                b=post.open_until.strftime("%H:%M"),
            )
        )


@dataclass
class OnAtPost:
    """What a check-in at a post must heed or complete at that moment."""

    need: bool  # the post is a need's own: only the volunteers the unit confirmed
    selective: bool  # an activity taking applications is on: only the accepted
    activities: bool  # an activity is on: the volunteer's sign-up to it is attended
    shifts: bool  # a shift is on: the volunteer's assignment to it is fulfilled


def on_at_post(post: Post, at: datetime) -> OnAtPost:
    """One statement for the four questions a check-in asks of its post; most posts have none
    of them, and then the check-in reads and writes nothing more for them."""
    row = db.session.execute(
        select(
            exists(need_signups.need_at(post.id)),
            exists(recruitment.selective_on_now(post.id, at)),
            exists(posts.activities_on_now(post.id, at)),
            exists(rosters.shifts_on_now(post.id, at)),
        )
    ).one()
    return OnAtPost(*(bool(v) for v in row))


def check_in(
    volunteer: Volunteer,
    post: Post,
    *,
    lat=None,
    lng=None,
    at: datetime,
    source: str = "scan",
    by: User | None = None,
    at_post: bool = False,
    flags: list[str] | None = None,
) -> ServiceRecord:
    guardians.ensure_may_check_in(volunteer)
    on = on_at_post(post, at)
    if on.need:
        need_signups.ensure_may_serve(volunteer, post)
    if on.selective:
        recruitment.ensure_may_check_in(volunteer, post, at)
    ensure_open(post, at)
    flags = list(flags or []) + ([] if at_post else fence_flags(post, lat, lng))
    record = ledger.open_record(
        volunteer, post, at=at, source=source, flags=flags, lat=lat, lng=lng, by=by or volunteer.user
    )
    if record.post_id != post.id:  # a second tap raced this one and opened a session elsewhere first
        raise OpenElsewhere(record)
    if on.activities:
        posts.attend_by_check_in(volunteer.id, post.id, at)  # a sign-up to an activity on now is attended
    if on.shifts:
        rosters.fulfil_by_check_in(volunteer.id, post.id, at, record.id)  # a shift here now is fulfilled
    return record


def check_out(
    record: ServiceRecord,
    *,
    lat=None,
    lng=None,
    at: datetime,
    by: User | None = None,
    flags: list[str] | None = None,
    at_post: bool = False,
    refuse_outside: bool | None = None,
) -> ServiceRecord:
    """Close an open session, with the fence's verdict on where the volunteer stands."""
    post = record.post
    assert post is not None, "an open session is at a post"
    extra = list(flags or [])
    if not at_post and "auto_closed" not in extra:
        extra += fence_flags(post, lat, lng, refuse=refuse_outside)
    return ledger.close_record(record, at=at, lat=lat, lng=lng, flags=extra, by=by or record.volunteer.user)


def check_out_elsewhere(
    volunteer: Volunteer, *, at: datetime | None = None, lat=None, lng=None
) -> ServiceRecord:
    """End the session left open at another post (the choice offered on the scan page).
    The volunteer is elsewhere by now, so a fenced post flags the record for review
    instead of refusing: refusing would leave the session stuck open."""
    current = ledger.open_session(volunteer.id, lock=True)
    if current is None:
        raise Conflict(_("您当前没有进行中的签到"))
    return check_out(current, at=at or now(), lat=lat, lng=lng, refuse_outside=False)


def switch_post(
    volunteer: Volunteer, code: str, *, lat=None, lng=None, at: datetime | None = None
) -> ScanResult:
    """The other choice of the scan page: end the session left open at another post and
    check in at this one, in one step (nothing changes if the check-in is refused)."""
    at = at or now()
    post = post_for_code(code)
    current = ledger.open_session(volunteer.id, lock=True)
    if current is None or current.post_id == post.id:
        return scan_post(volunteer, post, lat=lat, lng=lng, at=at)
    check_out(current, at=at, lat=lat, lng=lng, refuse_outside=False)
    return ScanResult("check_in", check_in(volunteer, post, lat=lat, lng=lng, at=at), post)


def close_forgotten_sessions(at: datetime) -> int:
    """Close sessions left open past their post's maximum: counted at the cap, flagged
    auto_closed and left pending for review — never counted blindly."""
    # Open sessions are few at any moment (at most one per volunteer on duty), so each
    # post's own limit is compared here rather than in dialect-specific interval SQL.
    candidates = db.session.execute(
        select(ServiceRecord.id, ServiceRecord.volunteer_id, ServiceRecord.started_at, Post.max_minutes)
        .join(Post, Post.id == ServiceRecord.post_id)
        .where(ServiceRecord.status == "open")
    ).all()
    closed = 0
    for record_id, volunteer_id, started_at, max_minutes in candidates:
        limit = started_at + timedelta(minutes=max_minutes)
        if limit > at:
            continue
        # The volunteer may be checking out this very moment: take their ledger lock and
        # read the record afresh, so a session is never closed twice.
        ledger.lock_volunteer(volunteer_id)
        record = db.session.get(ServiceRecord, record_id, populate_existing=True)
        if record is None or record.status != "open":
            continue
        check_out(record, at=limit, by=None, flags=["auto_closed"])
        closed += 1
    return closed


def kiosk_card_scan(post: Post, card_code: str, *, by: User, at: datetime | None = None) -> ScanResult:
    """A kiosk at the post reads a volunteer's card QR (USB scanner or pasted text)."""
    data = qr.read_code("card", card_code, max_age=current_app.config["CARD_CODE_SECONDS"])
    volunteer = db.session.get(Volunteer, data.get("v")) if isinstance(data.get("v"), int) else None
    if volunteer is None:
        raise CodeInvalid()
    if not post.is_active:
        raise CodeInvalid(_("该服务岗已停用"))
    return scan_post(volunteer, post, at=at, source="kiosk", by=by)
