"""Exemplary volunteers and units (美德之星 / 文明使者) on a bulletin: the final lists of the
bulletin's month (and of its year, on December's), for a unit its own volunteers and itself,
for the city all of them."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Commendation, Nominee, Volunteer
from app.services.months import Month


def honours_in(month: Month, unit_id: int | None) -> list[Nominee]:
    periods = [f"{month.year}-{month.number:02d}"] + ([str(month.year)] if month.number == 12 else [])
    stmt = (
        select(Nominee)
        .join(Commendation)
        .outerjoin(Volunteer, Nominee.volunteer_id == Volunteer.id)
        .options(
            selectinload(Nominee.commendation), selectinload(Nominee.volunteer), selectinload(Nominee.unit)
        )
        .where(Commendation.status == "final", Commendation.period.in_(periods))
        .order_by(Commendation.id, Nominee.id)
    )
    if unit_id is not None:
        stmt = stmt.where(or_(Volunteer.unit_id == unit_id, Nominee.unit_id == unit_id))
    return list(db.session.scalars(stmt))
