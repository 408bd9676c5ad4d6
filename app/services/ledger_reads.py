"""Reading the hours ledger: a page of records for review, approved hours by month, the
ledger check behind `flask hours verify`, and the volunteer filter an admin may use. The
writes are in app.services.ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.hours import hours
from app.models import ServiceRecord, User, Volunteer
from app.services import units
from app.services.pages import paginate

NO_VOLUNTEER = -1  # an id no row has: the filter then matches nothing


def volunteer_filter(by: User, volunteer_id: int | None) -> int | None:
    """A ?volunteer_id= filter as an admin may use it: a volunteer outside the admin's units
    filters like a missing id (nothing), so the answer tells nothing about them."""
    if not volunteer_id:
        return None
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None or not units.can_manage_unit(by, volunteer.unit_id):
        return NO_VOLUNTEER
    return volunteer_id


def ledger_mismatches() -> list[tuple[int, str, int, int]]:
    """Volunteers whose cached total differs from the sum of approved records:
    (volunteer_id, volunteer_no, cached_seconds, ledger_seconds). One set-based query."""
    ledger = (
        select(ServiceRecord.volunteer_id, func.sum(ServiceRecord.seconds).label("total"))
        .where(ServiceRecord.status == "approved")
        .group_by(ServiceRecord.volunteer_id)
        .subquery()
    )
    ledger_total = func.coalesce(ledger.c.total, 0)
    rows = db.session.execute(
        select(Volunteer.id, Volunteer.volunteer_no, Volunteer.approved_seconds, ledger_total)
        .outerjoin(ledger, ledger.c.volunteer_id == Volunteer.id)
        .where(Volunteer.approved_seconds != ledger_total)
        .order_by(Volunteer.id)
    ).all()
    return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]


def search_records(
    *,
    unit_id: int | None,
    status: str | None = None,
    volunteer_id: int | None = None,
    post_id: int | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    flagged: bool = False,
    page: int = 1,
    per_page: int = 50,
):
    """A page of a unit's records (or all units'), newest first, with the total."""
    from sqlalchemy.orm import selectinload

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
    return paginate(
        stmt,
        page=page,
        per_page=per_page,
        order_by=(ServiceRecord.started_at.desc(), ServiceRecord.id.desc()),
        load=(
            selectinload(ServiceRecord.volunteer),
            selectinload(ServiceRecord.post),
            selectinload(ServiceRecord.created_by),
        ),
    )


def hours_by_month(
    months: list[str], *, volunteer_id: int | None = None, unit_id: int | None = None
) -> list[tuple[str, float]]:
    """Approved hours per calendar month (deployment zone) of the given consecutive months, of
    one volunteer, one unit's ledger, or everything — one GROUP BY. Months are matched by
    their UTC bounds, so it works the same on every database."""
    from sqlalchemy import and_, case, literal

    from app.models.base import UTCDateTime
    from app.services.clock import month_bounds

    utc = UTCDateTime()
    bounds = {m: month_bounds(m) for m in months}
    label = case(
        *[
            (
                and_(
                    ServiceRecord.started_at >= literal(start, utc),
                    ServiceRecord.started_at < literal(end, utc),
                ),
                m,
            )
            for m, (start, end) in bounds.items()
        ],
        else_=None,
    )
    first, last = bounds[months[0]][0], bounds[months[-1]][1]
    conditions = [
        ServiceRecord.status == "approved",
        ServiceRecord.started_at >= first,
        ServiceRecord.started_at < last,
    ]
    if volunteer_id is not None:
        conditions.append(ServiceRecord.volunteer_id == volunteer_id)
    if unit_id is not None:
        conditions.append(ServiceRecord.unit_id == unit_id)
    # Grouped through a subquery: PostgreSQL would not match a GROUP BY expression whose
    # bound parameters are rendered a second time.
    labelled = select(label.label("month"), ServiceRecord.seconds).where(*conditions).subquery()
    rows = dict(
        db.session.execute(
            select(labelled.c.month, func.sum(labelled.c.seconds)).group_by(labelled.c.month)
        ).all()
    )
    return [(m, hours(rows.get(m))) for m in months]
