"""Figures for the admin overview, as set-based aggregates."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.hours import hours
from app.models import Post, ServiceRecord, Unit, Volunteer
from app.services import rollups, star_counts
from app.services.volunteer_home import last_months


def overview(unit_id: int | None) -> dict:
    """Headline counts for one unit, or the whole platform when unit_id is None."""

    def scoped(stmt, column):
        return stmt.where(column == unit_id) if unit_id is not None else stmt

    # Read from the ledger's rollups and the star counts, a few rows per unit: the sum of the
    # volunteers' cached totals equals that of their approved records (the ledger's invariant).
    stars = star_counts.levels(unit_id)
    volunteers = sum(stars.values())
    approved_seconds = rollups.total_seconds(unit_id)
    pending = db.session.scalar(
        scoped(
            select(func.count(ServiceRecord.id)).where(ServiceRecord.status == "pending"),
            ServiceRecord.unit_id,
        )
    )
    open_sessions = db.session.scalar(
        scoped(
            select(func.count(ServiceRecord.id)).where(ServiceRecord.status == "open"), ServiceRecord.unit_id
        )
    )
    posts = db.session.scalar(
        scoped(select(func.count(Post.id)).where(Post.is_active.is_(True)), Post.unit_id)
    )
    return {
        "volunteers": volunteers,
        "hours": hours(approved_seconds),
        "pending_records": pending,
        "open_sessions": open_sessions,
        "posts": posts,
        "stars": [stars.get(level, 0) for level in range(6)],
        "units": None if unit_id is not None else db.session.scalar(select(func.count(Unit.id))),
        "hours_by_month": hours_by_month(last_months(12), unit_id),
    }


def hours_by_month(months: list[str], unit_id: int | None) -> list[tuple[str, float]]:
    """Approved hours per month given at one unit's posts, or everywhere (the rollups)."""
    seconds = rollups.seconds_by_month(months, host_unit_id=unit_id)
    return [(m, hours(seconds.get(m))) for m in months]


def volunteer_counts_by_unit() -> dict[int, int]:
    return dict(db.session.execute(select(Volunteer.unit_id, func.count()).group_by(Volunteer.unit_id)).all())
