"""Star grading (评级定星): levels 0–5 from cumulative approved hours."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import StarEvent, StarThreshold, Volunteer
from app.services.clock import now

DEFAULT_THRESHOLDS = {1: 100, 2: 300, 3: 600, 4: 1000, 5: 1500}


def thresholds() -> dict[int, int]:
    """{level: min_hours}, from the database (the migration installs the defaults)."""
    rows = dict(db.session.execute(select(StarThreshold.level, StarThreshold.min_hours)).all())
    return rows or dict(DEFAULT_THRESHOLDS)


def level_for_seconds(seconds: int, table: dict[int, int] | None = None) -> int:
    table = table or thresholds()
    level = 0
    for lvl in sorted(table):
        if seconds >= table[lvl] * 3600:
            level = lvl
    return level


def next_threshold_hours(volunteer: Volunteer, table: dict[int, int] | None = None) -> int | None:
    table = table or thresholds()
    higher = [table[lvl] for lvl in sorted(table) if lvl > volunteer.star_level]
    return higher[0] if higher else None


def apply_level(volunteer: Volunteer, table: dict[int, int] | None = None) -> StarEvent | None:
    """Bring a volunteer's level in line with their cached approved total; record a change."""
    new_level = level_for_seconds(volunteer.approved_seconds, table)
    if new_level == volunteer.star_level:
        return None
    event = StarEvent(volunteer_id=volunteer.id, from_level=volunteer.star_level,
                      to_level=new_level, at=now())
    volunteer.star_level = new_level
    db.session.add(event)
    return event
