"""Figures for the admin overview, as set-based aggregates."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.hours import hours
from app.models import Post, ServiceRecord, Unit, Volunteer
from app.services import ledger
from app.services.volunteer_home import last_months


def overview(unit_id: int | None) -> dict:
    """Headline counts for one unit, or the whole platform when unit_id is None."""

    def scoped(stmt, column):
        return stmt.where(column == unit_id) if unit_id is not None else stmt

    volunteers, approved_seconds = db.session.execute(
        scoped(
            select(func.count(Volunteer.id), func.coalesce(func.sum(Volunteer.approved_seconds), 0)),
            Volunteer.unit_id,
        )
    ).one()
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
    stars = dict(
        db.session.execute(
            scoped(
                select(Volunteer.star_level, func.count()).group_by(Volunteer.star_level), Volunteer.unit_id
            )
        ).all()
    )
    return {
        "volunteers": volunteers,
        "hours": hours(approved_seconds),
        "pending_records": pending,
        "open_sessions": open_sessions,
        "posts": posts,
        "stars": [stars.get(level, 0) for level in range(6)],
        "units": None if unit_id is not None else db.session.scalar(select(func.count(Unit.id))),
        "hours_by_month": ledger.hours_by_month(last_months(12), unit_id=unit_id),
    }


def volunteer_counts_by_unit() -> dict[int, int]:
    return dict(db.session.execute(select(Volunteer.unit_id, func.count()).group_by(Volunteer.unit_id)).all())
