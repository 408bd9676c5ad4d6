"""What a volunteer sees on their phone: hours, progress to the next star, hours by month,
recent records, upcoming activities, and the volunteer card's signed QR code."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.hours import hours
from app.models import Activity, ActivitySignup, Coupon, ServiceRecord, Volunteer
from app.services import ledger, posts, qr, stars
from app.services.clock import now
from app.services.errors import CodeInvalid
from app.services.months import Month
from app.services.pages import paginate

RECENT_RECORDS = 5
UPCOMING_ACTIVITIES = 5


@dataclass
class Home:
    volunteer: Volunteer
    total_hours: float
    progress: dict
    month_hours: float
    year_hours: float
    by_month: list[tuple[str, float]]
    recent_records: list[ServiceRecord]
    upcoming: list[tuple[Activity, bool]]  # (activity, signed up)
    usable_coupons: int
    star_events: list = field(default_factory=list)
    star_message: str | None = None
    open_record: ServiceRecord | None = None  # the session in progress, if any
    open_post_path: str | None = None  # its post's scan page (where 签退 is pressed)


def last_months(n: int, at: datetime | None = None) -> list[str]:
    """The n calendar months ending with the current one, oldest first ('YYYY-MM')."""
    return [str(month) for month in Month.of(at or now()).back(n)]


def hours_by_month(volunteer_id: int, months: list[str]) -> list[tuple[str, float]]:
    """Approved hours per calendar month (deployment zone) of the given months."""
    return ledger.hours_by_month(months, volunteer_id=volunteer_id)


def period_hours(volunteer_id: int, at: datetime | None = None) -> tuple[float, float]:
    """(this month's, this year's) approved hours, months and years in the deployment's zone."""
    month = Month.of(at or now())
    month_start, month_end = month.bounds()
    year_start, year_end = month.january().start, Month(month.year, 12).end
    in_month = and_(ServiceRecord.started_at >= month_start, ServiceRecord.started_at < month_end)
    row = db.session.execute(
        select(
            func.coalesce(func.sum(case((in_month, ServiceRecord.seconds), else_=0)), 0),
            func.coalesce(func.sum(ServiceRecord.seconds), 0),
        ).where(
            ServiceRecord.volunteer_id == volunteer_id,
            ServiceRecord.status == "approved",
            ServiceRecord.started_at >= year_start,
            ServiceRecord.started_at < year_end,
        )
    ).one()
    return hours(int(row[0])), hours(int(row[1]))


def recent_records(volunteer_id: int, limit: int = RECENT_RECORDS) -> list[ServiceRecord]:
    return list(
        db.session.scalars(
            select(ServiceRecord)
            .where(ServiceRecord.volunteer_id == volunteer_id)
            .options(selectinload(ServiceRecord.post), selectinload(ServiceRecord.activity))
            .order_by(ServiceRecord.started_at.desc(), ServiceRecord.id.desc())
            .limit(limit)
        )
    )


def records_page(volunteer_id: int, page: int = 1, per_page: int = 20):
    """All of a volunteer's records, newest first, a page at a time."""
    return paginate(
        select(ServiceRecord).where(ServiceRecord.volunteer_id == volunteer_id),
        page=page,
        per_page=per_page,
        order_by=(ServiceRecord.started_at.desc(), ServiceRecord.id.desc()),
        load=(selectinload(ServiceRecord.post), selectinload(ServiceRecord.activity)),
    )


def upcoming_activities(
    volunteer: Volunteer, limit: int = UPCOMING_ACTIVITIES
) -> list[tuple[Activity, bool]]:
    """Activities not yet over that the volunteer signed up for or that their unit runs;
    signed-up ones first."""
    signed = exists().where(
        ActivitySignup.activity_id == Activity.id, ActivitySignup.volunteer_id == volunteer.id
    )
    rows = db.session.execute(
        select(Activity, signed.label("signed"))
        .where(
            Activity.ends_at > now(),
            Activity.is_cancelled.is_(False),
            or_(signed, Activity.unit_id == volunteer.unit_id),
        )
        .options(selectinload(Activity.post))
        .order_by(case((signed, 0), else_=1), Activity.starts_at)
        .limit(limit)
    ).all()
    return [(activity, bool(is_signed)) for activity, is_signed in rows]


def usable_coupons(volunteer_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Coupon)
            .where(Coupon.volunteer_id == volunteer_id, Coupon.status == "issued", Coupon.expires_at > now())
        )
        or 0
    )


def home(volunteer: Volunteer) -> Home:
    """Everything the volunteer's home page shows, in a fixed handful of queries."""
    table = stars.thresholds()
    month_hours, year_hours = period_hours(volunteer.id)
    events = stars.unseen_events(volunteer)
    current = ledger.open_session(volunteer.id)
    return Home(
        volunteer=volunteer,
        total_hours=volunteer.hours,
        progress=stars.progress(volunteer, table),
        month_hours=month_hours,
        year_hours=year_hours,
        by_month=hours_by_month(volunteer.id, last_months(12)),
        recent_records=recent_records(volunteer.id),
        upcoming=upcoming_activities(volunteer),
        usable_coupons=usable_coupons(volunteer.id),
        star_events=events,
        star_message=stars.new_star_message(events),
        open_record=current,
        open_post_path=urlsplit(posts.scan_url(current.post)).path if current and current.post else None,
    )


def card_code(volunteer: Volunteer) -> tuple[str, datetime | None]:
    """The volunteer card's QR text: a signed, short-lived URL that carries only the
    volunteer's internal id (no name, no number, no phone in clear)."""
    return qr.make_url("card", {"v": volunteer.id})


def volunteer_for_card(code: str) -> Volunteer:
    """The volunteer a scanned card code belongs to; CodeExpired / CodeInvalid otherwise."""
    payload = qr.read_code("card", code, max_age=qr.lifetime("card"))
    volunteer = db.session.get(Volunteer, payload.get("v")) if isinstance(payload.get("v"), int) else None
    if volunteer is None:
        raise CodeInvalid()
    return volunteer
