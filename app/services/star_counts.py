"""Volunteers per unit and star level (UnitStarCount), for the admin overview: kept by the
database session as volunteers are registered and their level changes (ORM events, so every
path that creates or grades a volunteer is counted), recounted set-based after a bulk change
(regrading everyone, a bulk load), and checked by `flask hours verify`."""

from __future__ import annotations

from sqlalchemy import delete, event, func, insert, inspect, select
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import UnitStarCount, Volunteer


def _add(connection, unit_id: int | None, level: int | None, delta: int) -> None:
    if unit_id is None:
        return
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    stmt = module.insert(UnitStarCount).values(unit_id=unit_id, star_level=level or 0, volunteers=delta)
    connection.execute(
        stmt.on_conflict_do_update(
            index_elements=["unit_id", "star_level"],
            set_={"volunteers": UnitStarCount.__table__.c.volunteers + stmt.excluded.volunteers},
        )
    )


@event.listens_for(Volunteer, "after_insert")
def _registered(_mapper, connection, volunteer: Volunteer) -> None:
    _add(connection, volunteer.unit_id, volunteer.star_level, 1)


@event.listens_for(Volunteer, "after_update")
def _changed(_mapper, connection, volunteer: Volunteer) -> None:
    state = inspect(volunteer)
    level, unit = state.attrs.star_level.history, state.attrs.unit_id.history
    if not (level.has_changes() or unit.has_changes()):
        return
    old_level = level.deleted[0] if level.deleted else volunteer.star_level
    old_unit = unit.deleted[0] if unit.deleted else volunteer.unit_id
    if (old_level, old_unit) != (volunteer.star_level, volunteer.unit_id):
        _add(connection, old_unit, old_level, -1)
        _add(connection, volunteer.unit_id, volunteer.star_level, 1)


def _grouped():
    return select(Volunteer.unit_id, Volunteer.star_level, func.count()).group_by(
        Volunteer.unit_id, Volunteer.star_level
    )


def recount(conn=None) -> None:
    """Count again from the volunteers (after a bulk UPDATE or load that bypassed the session)."""
    conn = conn if conn is not None else db.session
    conn.execute(delete(UnitStarCount))
    conn.execute(insert(UnitStarCount).from_select(["unit_id", "star_level", "volunteers"], _grouped()))


def levels(unit_id: int | None) -> dict[int, int]:
    """{star level: volunteers} of one unit, or of everyone."""
    stmt = select(UnitStarCount.star_level, func.sum(UnitStarCount.volunteers)).group_by(
        UnitStarCount.star_level
    )
    if unit_id is not None:
        stmt = stmt.where(UnitStarCount.unit_id == unit_id)
    return {level: int(n or 0) for level, n in db.session.execute(stmt)}


def mismatches() -> list[str]:
    """Where the counts differ from the volunteers (one GROUP BY over an index of them)."""
    want = {(u, lvl): n for u, lvl, n in db.session.execute(_grouped())}
    have = {
        (r.unit_id, r.star_level): r.volunteers
        for r in db.session.scalars(select(UnitStarCount).where(UnitStarCount.volunteers != 0))
    }
    return [
        f"unit {u} star level {lvl}: counted {have.get((u, lvl), 0)}, volunteers {want.get((u, lvl), 0)}"
        for u, lvl in sorted(set(want) | set(have), key=lambda k: (k[0] or 0, k[1] or 0))
        if want.get((u, lvl), 0) != have.get((u, lvl), 0)
    ]
