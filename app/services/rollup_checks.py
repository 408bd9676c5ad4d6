"""`flask hours verify`'s check of the monthly rollups (app.services.rollups) and the star
counts against the ledger and the volunteers, set-based: only differences come back to Python."""

from __future__ import annotations

from sqlalchemy import func, select, text

from app.extensions import db
from app.models import ServiceMonth, ServiceRecord, Volunteer, VolunteerMonth
from app.services import star_counts
from app.services.months import Month
from app.services.rollups import _dialect, _ledger_months


def _per_month_and_unit(rollup):
    """A rollup's seconds and records per month and unit, leaving out the rows that count none."""
    return (
        select(rollup.month, rollup.unit_id, func.sum(rollup.seconds), func.sum(rollup.records))
        .group_by(rollup.month, rollup.unit_id)
        .having(func.sum(rollup.records) != 0)
    )


def _differences(want, have):
    """Rows of two (key, seconds, records) subqueries that differ, by a FULL JOIN on the key."""
    return (
        select(
            func.coalesce(want.c.key, have.c.key),
            want.c.seconds,
            want.c.records,
            have.c.seconds,
            have.c.records,
        )
        .select_from(want.join(have, want.c.key == have.c.key, full=True))
        .where(
            want.c.key.is_(None)
            | have.c.key.is_(None)
            | (want.c.seconds != have.c.seconds)
            | (want.c.records != have.c.records)
        )
    )


def _host_check(month: Month):
    """For one month, the ledger's sums per host unit (an index-only range scan of the month)
    against the unit rollup's, by a FULL JOIN."""
    start, end = month.bounds()
    want = (
        select(
            ServiceRecord.unit_id.label("key"),
            func.sum(ServiceRecord.seconds).label("seconds"),
            func.count().label("records"),
        )
        .where(
            ServiceRecord.status == "approved",
            ServiceRecord.started_at >= start,
            ServiceRecord.started_at < end,
        )
        .group_by(ServiceRecord.unit_id)
        .subquery()
    )
    have = (
        select(
            ServiceMonth.host_unit_id.label("key"),
            func.sum(ServiceMonth.seconds).label("seconds"),
            func.sum(ServiceMonth.records).label("records"),
        )
        .where(ServiceMonth.month == str(month))
        .group_by(ServiceMonth.host_unit_id)
        .having(func.sum(ServiceMonth.records) != 0)
        .subquery()
    )
    return _differences(want, have)


def mismatches(limit: int = 100) -> list[str]:
    """Where the rollups differ from the ledger (at most `limit` lines; empty: they agree).
    Set-based, only differences come back to Python:
    - a month at a time, the ledger's sums per host unit (an index-only range scan of the
      month) against the unit rollup;
    - each volunteer's rows summed over the months against the cached total, which
      `ledger_mismatches` checks against the records;
    - per home unit, the volunteers' rows against their cached totals, and the two rollups
      against each other per month and home unit;
    - the star counts against the volunteers.
    (How one volunteer's seconds split between months is checked through the host units'
    monthly sums, and the rows' home unit through each unit's sums, not row by row: that
    would read every record again, or join every row to its volunteer. The `registered` flag
    is not checked here; `rollups.rebuild` recomputes everything.)"""

    if _dialect(db.session) == "postgresql":  # volunteers hashed in memory
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
    problems: list[str] = []
    months = _ledger_months(db.session)
    stored = [
        Month.parse(m)
        for m in db.session.scalars(select(ServiceMonth.month).distinct())
        if m not in {str(x) for x in months}
    ]
    for month in sorted(set(months) | set(stored)):
        for key, want_s, want_n, have_s, have_n in db.session.execute(_host_check(month).limit(limit)):
            problems.append(
                f"{month} at unit {key}'s posts: ledger {want_s or 0} s in {want_n or 0} record(s), "
                f"rollup {have_s or 0} s in {have_n or 0}"
            )
        if len(problems) >= limit:
            return problems[:limit]
    rolled = (
        select(VolunteerMonth.volunteer_id, func.sum(VolunteerMonth.seconds).label("total"))
        .group_by(VolunteerMonth.volunteer_id)
        .subquery()
    )
    total = func.coalesce(rolled.c.total, 0)
    for volunteer_id, cached, summed in db.session.execute(
        select(Volunteer.id, Volunteer.approved_seconds, total)
        .outerjoin(rolled, rolled.c.volunteer_id == Volunteer.id)
        .where(Volunteer.approved_seconds != total)
        .limit(limit)
    ):
        problems.append(f"volunteer {volunteer_id}: cached {cached} s, monthly rollup {summed} s")
    # Each volunteer's rows sit under the volunteer's home unit: per unit, the rollup's seconds
    # equal the unit's volunteers' cached totals (two GROUP BYs, no join of every row).
    by_unit_rolled = dict(
        db.session.execute(
            select(VolunteerMonth.unit_id, func.sum(VolunteerMonth.seconds)).group_by(VolunteerMonth.unit_id)
        ).all()
    )
    by_unit_cached = dict(
        db.session.execute(
            select(Volunteer.unit_id, func.sum(Volunteer.approved_seconds)).group_by(Volunteer.unit_id)
        ).all()
    )
    for unit_id in sorted(set(by_unit_rolled) | set(by_unit_cached), key=lambda u: u or 0):
        if int(by_unit_rolled.get(unit_id) or 0) != int(by_unit_cached.get(unit_id) or 0):
            problems.append(f"unit {unit_id}: its volunteers' rollup rows and cached totals differ")
    by_home_v, by_home_s = _per_month_and_unit(VolunteerMonth), _per_month_and_unit(ServiceMonth)
    for stmt in (by_home_v.except_(by_home_s), by_home_s.except_(by_home_v)):
        for month, unit_id, _s, _n in db.session.execute(select(stmt.subquery()).limit(limit)):
            problems.append(f"{month} unit {unit_id}: the two rollups differ")
    problems += star_counts.mismatches()
    return problems[:limit]
