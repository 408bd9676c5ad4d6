"""The per-unit aggregates behind the bulletins, reviews and scores: one base, the volunteer's
home unit (Volunteer.unit_id). Hours, records, active volunteers, star upgrades and training
attendance all count where the volunteer is registered, wherever the service was given; service
at other units' posts is shown as its own line ("其中在其他单位服务岗"), and the service a unit's
posts received from other units' volunteers as another. Only activities held count by the
organising unit. docs/bulletin-figures.md defines every figure.

Approved service of whole months is read from the ledger's monthly rollups
(app.services.rollups), a few rows per unit and month; any other period, and what the rollups
do not hold, from one GROUP BY statement over the records each.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Activity, ActivitySignup, Bulletin, ServiceRecord, StarEvent, Volunteer
from app.services import rollups
from app.services.clock import now
from app.services.months import Month
from app.services.political import PARTY


def _by_unit(stmt) -> dict[int, float]:
    return {unit_id: value or 0 for unit_id, value in db.session.execute(stmt).all()}


def _approved_in(start, end):
    return (
        ServiceRecord.status == "approved",
        ServiceRecord.started_at >= start,
        ServiceRecord.started_at < end,
    )


def _hours(seconds: dict[int, int]) -> dict[int, float]:
    return {u: round((s or 0) / 3600, 2) for u, s in seconds.items()}


def hours_by_unit(start, end) -> tuple[dict[int, float], dict[int, int]]:
    """Approved hours and record counts per home unit of the volunteer, for records started
    in [start, end)."""
    months = rollups.months_between(start, end)
    if months:
        seconds: dict[int, int] = {}
        records: dict[int, int] = {}
        for unit, _host, s, n in rollups.service(months):
            seconds[unit] = seconds.get(unit, 0) + s
            records[unit] = records.get(unit, 0) + n
        return _hours(seconds), records
    rows = db.session.execute(
        select(Volunteer.unit_id, func.sum(ServiceRecord.seconds), func.count(ServiceRecord.id))
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(*_approved_in(start, end))
        .group_by(Volunteer.unit_id)
    ).all()
    return ({u: round((s or 0) / 3600, 2) for u, s, _n in rows}, {u: n for u, _s, n in rows})


def _service_rows(start, end) -> list[tuple[int, int, int, int]]:
    """(home unit, host unit, seconds, records) of [start, end): from the rollups for whole
    months, else one GROUP BY over the records."""
    months = rollups.months_between(start, end)
    if months:
        return rollups.service(months)
    rows = db.session.execute(
        select(
            Volunteer.unit_id,
            ServiceRecord.unit_id,
            func.sum(ServiceRecord.seconds),
            func.count(ServiceRecord.id),
        )
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(*_approved_in(start, end))
        .group_by(Volunteer.unit_id, ServiceRecord.unit_id)
    ).all()
    return [(u, h, int(s or 0), int(n or 0)) for u, h, s, n in rows]


def _service_by_unit(rows) -> dict[str, dict[int, float]]:
    """Hours and records per home unit, with the part given at other units' posts."""
    seconds: dict[int, int] = {}
    records: dict[int, float] = {}
    other_seconds: dict[int, int] = {}
    other_records: dict[int, float] = {}
    for unit, host, s, n in rows:
        seconds[unit] = seconds.get(unit, 0) + s
        records[unit] = records.get(unit, 0) + n
        if host != unit:
            other_seconds[unit] = other_seconds.get(unit, 0) + s
            other_records[unit] = other_records.get(unit, 0) + n
    return {
        "service_hours": _hours(seconds),
        "records": records,
        "other_units_hours": {u: round(other_seconds.get(u, 0) / 3600, 2) for u in seconds},
        "other_units_records": {u: other_records.get(u, 0) for u in seconds},
    }


def _hosted_by_unit(rows) -> dict[str, dict[int, float]]:
    """Service at each unit's posts by volunteers of other units (counted in their home unit)."""
    seconds: dict[int, int] = {}
    records: dict[int, float] = {}
    for unit, host, s, n in rows:
        if host != unit:
            seconds[host] = seconds.get(host, 0) + s
            records[host] = records.get(host, 0) + n
    return {"hosted_hours": _hours(seconds), "hosted_records": records}


def attendances(start, end):
    """Attended sign-ups to training activities held in [start, end), per home unit."""
    return (
        select(Volunteer.unit_id, func.count(ActivitySignup.id))
        .join(Activity, Activity.id == ActivitySignup.activity_id)
        .join(Volunteer, Volunteer.id == ActivitySignup.volunteer_id)
        .where(
            ActivitySignup.attended_at.is_not(None),
            Activity.kind == "training",
            Activity.is_cancelled.is_(False),
            Activity.starts_at >= start,
            Activity.starts_at < end,
        )
        .group_by(Volunteer.unit_id)
    )


def late_window(month: Month, until) -> tuple:
    """(after, until]: approvals that no earlier bulletin saw. `after` is when last month's
    original bulletins were made (the earliest of them), or the month's start if none were."""
    previous = db.session.scalar(
        select(func.min(Bulletin.generated_at)).where(
            Bulletin.month == str(month.previous()), Bulletin.revision == 0
        )
    )
    return previous or month.start, until


def late_by_unit(month: Month, until) -> dict[str, dict[int, float]]:
    """补录至以往月份: approved records that started before the month and were approved in the
    late window, per home unit — they were in no bulletin of their own month."""
    start = month.start
    after, until = late_window(month, until)
    rows = db.session.execute(
        select(Volunteer.unit_id, func.sum(ServiceRecord.seconds), func.count(ServiceRecord.id))
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(
            ServiceRecord.status == "approved",
            ServiceRecord.started_at < start,
            ServiceRecord.reviewed_at > after,
            ServiceRecord.reviewed_at <= until,
        )
        .group_by(Volunteer.unit_id)
    ).all()
    return {
        "late_hours": {u: round((s or 0) / 3600, 2) for u, s, _n in rows},
        "late_records": {u: n for u, _s, n in rows},
    }


def _active_volunteers(start, end) -> dict[int, float]:
    """Volunteers registered by the period's end with approved service in it (active ⊆
    registered): from the volunteers' rollup for one whole month, else one GROUP BY."""
    months = rollups.months_between(start, end)
    if len(months) == 1:
        return dict(rollups.active_by_unit(months[0]))
    return _by_unit(
        select(Volunteer.unit_id, func.count(func.distinct(ServiceRecord.volunteer_id)))
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(*_approved_in(start, end), Volunteer.created_at < end)
        .group_by(Volunteer.unit_id)
    )


def volunteer_counts(start, end) -> dict[str, dict[int, int]]:
    """One pass over the volunteers registered by end, per home unit: all of them
    ("registered"), those registered in [start, end) ("new"), adults (no guardian), Party
    members and pupils (with a guardian). The monthly figures and the people figures share it."""
    since = Volunteer.created_at >= start
    kinds = {
        "registered": None,
        "new": since,
        "adults": Volunteer.guardian_id.is_(None),
        "party": Volunteer.political_status.in_(PARTY),
        "children": Volunteer.guardian_id.is_not(None),
    }
    counted = [
        func.count(Volunteer.id) if test is None else func.count(Volunteer.id).filter(test)
        for test in kinds.values()
    ]
    out: dict[str, dict[int, int]] = {kind: {} for kind in kinds}
    for unit_id, *numbers in db.session.execute(
        select(Volunteer.unit_id, *counted).where(Volunteer.created_at < end).group_by(Volunteer.unit_id)
    ).all():
        for kind, n in zip(kinds, numbers, strict=True):
            if n:
                out[kind][unit_id] = n
    return out


def _period(start, end, rows, counts=None) -> dict[str, dict[int, float]]:
    held = (Activity.starts_at >= start) & (Activity.starts_at < end) & Activity.is_cancelled.is_(False)
    counts = counts or volunteer_counts(start, end)
    return {
        "registered_volunteers": dict(counts["registered"]),
        "active_volunteers": _active_volunteers(start, end),
        **_service_by_unit(rows),
        "activities": _by_unit(
            select(Activity.unit_id, func.count(Activity.id)).where(held).group_by(Activity.unit_id)
        ),
        "trainings": _by_unit(
            select(Activity.unit_id, func.count(Activity.id))
            .where(held, Activity.kind == "training")
            .group_by(Activity.unit_id)
        ),
        "training_attendances": _by_unit(attendances(start, end)),
    }


def period_aggregates(start, end) -> dict[str, dict[int, float]]:
    """The per-unit figures of any period [start, end) on the bulletins' bases: what months,
    reviews and scores all count."""
    return _period(start, end, _service_rows(start, end))


def month_aggregates(month: Month, late_until=None, counts=None) -> dict[str, dict[int, float]]:
    """Every per-unit figure of a month (counts: volunteer_counts of the month, if already read)."""
    start, end = month.bounds()
    rows = _service_rows(start, end)
    counts = counts or volunteer_counts(start, end)
    return {
        **_period(start, end, rows, counts),
        "new_volunteers": dict(counts["new"]),
        **_hosted_by_unit(rows),
        **late_by_unit(month, late_until or now()),
        "star_upgrades": _by_unit(
            select(Volunteer.unit_id, func.count(StarEvent.id))
            .join(Volunteer, Volunteer.id == StarEvent.volunteer_id)
            .where(StarEvent.to_level > StarEvent.from_level, StarEvent.at >= start, StarEvent.at < end)
            .group_by(Volunteer.unit_id)
        ),
    }
