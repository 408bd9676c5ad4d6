"""Rollups of the ledger: approved seconds and records per month (the month, in the deployment's
zone, in which a record started), per home unit of the volunteer and unit whose post it was at
(ServiceMonth), and per volunteer (VolunteerMonth).

The ledger keeps them in the same transaction as every approval and rejection (a correction is
one of each), under the volunteer's row lock that its cached total already takes, so they always
equal a GROUP BY over the approved records. Reports read them instead of millions of records:
the bulletins' hours, records, active volunteers and top volunteers, and the admin overview's
chart. `rebuild` recomputes them set-based (after a bulk load, and in the migration that made
them); app.services.rollup_checks is `flask hours verify`'s check.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, literal, literal_column, select, text, true
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import ServiceMonth, ServiceRecord, Volunteer, VolunteerMonth
from app.models.base import UTCDateTime
from app.services import star_counts  # also registers the star counts' events
from app.services.months import Month


def _upsert(model, keys: dict, values: dict, *, returning=None):
    module = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    table = model.__table__
    stmt = module.insert(model).values({**keys, **values})
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + stmt.excluded[name] for name in values if name in ("seconds", "records")},
    )
    if returning is not None:
        stmt = stmt.returning(returning)
    return db.session.execute(stmt)


def _apply(record: ServiceRecord, volunteer: Volunteer, sign: int) -> None:
    month = Month.of(record.started_at)
    seconds, records = sign * record.seconds, sign
    _upsert(
        ServiceMonth,
        {"month": str(month), "unit_id": volunteer.unit_id, "host_unit_id": record.unit_id},
        {"seconds": seconds, "records": records},
    )
    _upsert(
        VolunteerMonth,
        {"month": str(month), "volunteer_id": volunteer.id},
        {
            "unit_id": volunteer.unit_id,
            "registered": volunteer.created_at < month.end,
            "seconds": seconds,
            "records": records,
        },
    )


def record_approved(record: ServiceRecord, volunteer: Volunteer) -> None:
    """An approved record counts in its month (called by the ledger, in its transaction)."""
    _apply(record, volunteer, 1)


def record_withdrawn(record: ServiceRecord, volunteer: Volunteer) -> None:
    """An approved record was rejected: it no longer counts in its month."""
    _apply(record, volunteer, -1)


# Reading --------------------------------------------------------------------------------------


def months_between(start: datetime, end: datetime) -> list[str]:
    """The months whose records start in [start, end) exactly, when [start, end) is a whole
    number of months; [] when it is not (a caller then reads the ledger)."""
    first = Month.of(start)
    if first.start != start:
        return []
    months = []
    month = first
    while month.start < end:
        months.append(str(month))
        month = month.next()
    return months if months and Month.parse(months[-1]).end == end else []


def service(months: Iterable[str]) -> list[tuple[int, int, int, int]]:
    """(home unit, host unit, seconds, records) of the given months, summed."""
    rows = db.session.execute(
        select(
            ServiceMonth.unit_id,
            ServiceMonth.host_unit_id,
            func.sum(ServiceMonth.seconds),
            func.sum(ServiceMonth.records),
        )
        .where(ServiceMonth.month.in_(list(months)), ServiceMonth.records > 0)
        .group_by(ServiceMonth.unit_id, ServiceMonth.host_unit_id)
    ).all()
    return [(u, h, int(s or 0), int(n or 0)) for u, h, s, n in rows]


def seconds_by_unit(months: Iterable[str]) -> dict[int, int]:
    """Approved seconds per home unit over the given months."""
    totals: dict[int, int] = {}
    for unit, _host, seconds, _records in service(months):
        totals[unit] = totals.get(unit, 0) + seconds
    return totals


def seconds_by_month(months: list[str], *, host_unit_id: int | None = None) -> dict[str, int]:
    """Approved seconds per month (of one host unit's posts, or everywhere)."""
    stmt = select(ServiceMonth.month, func.sum(ServiceMonth.seconds)).where(ServiceMonth.month.in_(months))
    if host_unit_id is not None:
        stmt = stmt.where(ServiceMonth.host_unit_id == host_unit_id)
    return {m: int(s or 0) for m, s in db.session.execute(stmt.group_by(ServiceMonth.month))}


def total_seconds(unit_id: int | None = None) -> int:
    """Every approved second (of one home unit's volunteers, or of everyone)."""
    stmt = select(func.coalesce(func.sum(ServiceMonth.seconds), 0))
    if unit_id is not None:
        stmt = stmt.where(ServiceMonth.unit_id == unit_id)
    return int(db.session.scalar(stmt) or 0)


def active_by_unit(month: str) -> dict[int, int]:
    """Volunteers registered by the month's end with approved service in it, per home unit."""
    return dict(
        db.session.execute(
            select(VolunteerMonth.unit_id, func.count())
            .where(VolunteerMonth.month == month, VolunteerMonth.records > 0, VolunteerMonth.registered)
            .group_by(VolunteerMonth.unit_id)
        ).all()
    )


def top_candidates(month: str, limit: int) -> list[tuple[int, str, str, int]]:
    """(home unit, name, volunteer number, seconds) of every volunteer who can be among the
    `limit` with the most approved seconds of the month, in their unit or in the city: per unit,
    those with at least the unit's limit-th largest total (ties at the edge included), read
    from the (month, unit, seconds) index unit by unit; the caller orders them and breaks ties."""
    from app.models import Unit

    ranked = VolunteerMonth.__table__.alias("ranked")
    edge = (
        select(ranked.c.seconds)
        .where(ranked.c.month == month, ranked.c.unit_id == Unit.id, ranked.c.records > 0)
        .order_by(ranked.c.seconds.desc())
        .offset(limit - 1)
        .limit(1)
        .scalar_subquery()
    )
    edges = select(Unit.id.label("unit_id"), func.coalesce(edge, 0).label("edge"))
    in_month = (VolunteerMonth.month == month, VolunteerMonth.records > 0)
    columns = (VolunteerMonth.volunteer_id, VolunteerMonth.unit_id, VolunteerMonth.seconds)
    if _dialect(db.session) == "postgresql":
        # A range of the index per unit, not the month's rows: OFFSET 0 keeps PostgreSQL from
        # flattening the edges (computed once per unit) and the per-unit scans into one join.
        fence: Any = literal_column("0")
        edges_q = edges.offset(fence).subquery("edges")
        top = (
            select(*columns)
            .where(
                *in_month,
                VolunteerMonth.unit_id == edges_q.c.unit_id,
                VolunteerMonth.seconds >= edges_q.c.edge,
            )
            .offset(fence)
            .lateral("top")
        )
        stmt = select(top.c.volunteer_id, top.c.unit_id, top.c.seconds).select_from(edges_q.join(top, true()))
    else:
        edges_q = edges.subquery("edges")
        stmt = (
            select(*columns)
            .join(
                edges_q,
                and_(edges_q.c.unit_id == VolunteerMonth.unit_id, VolunteerMonth.seconds >= edges_q.c.edge),
            )
            .where(*in_month)
        )
    rows = db.session.execute(stmt).all()
    ids = [v for v, _u, _s in rows]
    people: dict[int, tuple[str, str]] = {}
    for i in range(0, len(ids), 5000):  # by primary key, a chunk at a time
        people.update(
            (v, (name, number))
            for v, name, number in db.session.execute(
                select(Volunteer.id, Volunteer.name, Volunteer.volunteer_no).where(
                    Volunteer.id.in_(ids[i : i + 5000])
                )
            )
        )
    return [(u, *people[v], int(s)) for v, u, s in rows]


# Rebuilding and checking ----------------------------------------------------------------------


def _dialect(conn) -> str:
    return (conn.get_bind() if hasattr(conn, "get_bind") else conn).dialect.name


def _month_label(conn, column, months: list[Month], zone_name: str):
    """The 'YYYY-MM' (deployment zone) of a UTC timestamp column: PostgreSQL converts it; other
    databases compare it with the months' UTC bounds ('0000-00' before them, '9999-99' after)."""
    if _dialect(conn) == "postgresql":
        local = func.timezone(zone_name, func.timezone(literal_column("'UTC'"), column))
        return func.to_char(local, literal_column("'YYYY-MM'"))
    utc = UTCDateTime()
    first = months[0].start
    return case(
        (column < literal(first, utc), "0000-00"),
        *[(and_(column >= literal(m.start, utc), column < literal(m.end, utc)), str(m)) for m in months],
        else_="9999-99",
    )


def _ledger_months(conn) -> list[Month]:
    first, last = conn.execute(
        select(func.min(ServiceRecord.started_at), func.max(ServiceRecord.started_at)).where(
            ServiceRecord.status == "approved"
        )
    ).one()
    if first is None:
        return []
    months, month, stop = [], Month.of(first), Month.of(last)
    while month <= stop:
        months.append(month)
        month = month.next()
    return months


def _ledger_by_volunteer_host(conn, months: list[Month], zone_name: str):
    """Approved records summed per (month, volunteer, host unit), as a subquery."""
    labelled = (
        select(
            _month_label(conn, ServiceRecord.started_at, months, zone_name).label("month"),
            ServiceRecord.volunteer_id,
            ServiceRecord.unit_id.label("host"),
            ServiceRecord.seconds,
        )
        .where(ServiceRecord.status == "approved")
        .subquery()
    )
    return (
        select(
            labelled.c.month,
            labelled.c.volunteer_id,
            labelled.c.host,
            func.sum(labelled.c.seconds).label("seconds"),
            func.count().label("records"),
        )
        .group_by(labelled.c.month, labelled.c.volunteer_id, labelled.c.host)
        .subquery()
    )


def expected(conn, zone_name: str):
    """(volunteer rows, service rows) the rollups should hold, as two SELECTs over the ledger
    (None when nothing is approved)."""
    months = _ledger_months(conn)
    if not months:
        return None
    by_host = _ledger_by_volunteer_host(conn, months, zone_name)
    created = _month_label(conn, Volunteer.created_at, months, zone_name)
    per_volunteer = (
        select(
            by_host.c.month,
            by_host.c.volunteer_id,
            Volunteer.unit_id,
            func.sum(by_host.c.seconds).label("seconds"),
            func.sum(by_host.c.records).label("records"),
            func.max(created).label("created"),
        )
        .join(Volunteer, Volunteer.id == by_host.c.volunteer_id)
        .group_by(by_host.c.month, by_host.c.volunteer_id, Volunteer.unit_id)
        .subquery()
    )
    volunteers = select(
        per_volunteer.c.month,
        per_volunteer.c.volunteer_id,
        per_volunteer.c.unit_id,
        per_volunteer.c.seconds,
        per_volunteer.c.records,
        (per_volunteer.c.created <= per_volunteer.c.month).label("registered"),
    )
    units = (
        select(
            by_host.c.month,
            Volunteer.unit_id,
            by_host.c.host,
            func.sum(by_host.c.seconds),
            func.sum(by_host.c.records),
        )
        .join(Volunteer, Volunteer.id == by_host.c.volunteer_id)
        .group_by(by_host.c.month, Volunteer.unit_id, by_host.c.host)
    )
    return volunteers, units


def rebuild(conn=None, zone_name: str | None = None) -> None:
    """Recompute both rollups from the ledger, set-based (after a bulk load that bypassed it;
    the migration that made them passes its connection and zone)."""
    if conn is None:
        conn = db.session
    if zone_name is None:
        from app.services.clock import zone

        zone_name = zone().key
    if _dialect(conn) == "postgresql":  # two GROUP BYs over every record: hash them in memory
        conn.execute(text("SET LOCAL work_mem = '256MB'"))
    star_counts.recount(conn)
    conn.execute(delete(VolunteerMonth))
    conn.execute(delete(ServiceMonth))
    statements = expected(conn, zone_name)
    if statements is None:
        return
    volunteers, units = statements
    columns = ["month", "volunteer_id", "unit_id", "seconds", "records", "registered"]
    conn.execute(insert(VolunteerMonth).from_select(columns, volunteers))
    conn.execute(
        insert(ServiceMonth).from_select(["month", "unit_id", "host_unit_id", "seconds", "records"], units)
    )
