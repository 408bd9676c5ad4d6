"""The figures of a month's bulletins: set-based aggregates per unit (one GROUP BY each), the
top volunteers and the units' ranking, the targets the flags compare against, and the rows
behind a bulletin's hours. docs/bulletin-figures.md defines every figure."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from app.extensions import db
from app.models import (
    Activity,
    ActivitySignup,
    Bulletin,
    ServiceRecord,
    Setting,
    StarEvent,
    Unit,
    User,
    Volunteer,
)
from app.services import audit, report_format
from app.services.bulletins import campaigns as campaign_figures
from app.services.bulletins import needs as need_figures
from app.services.bulletins.labels import flag_text, number_text
from app.services.clock import now
from app.services.errors import ValidationFailed
from app.services.months import Month

CITY = "city"
DEFAULT_TARGETS = {"hours_per_volunteer_year": 25, "trainings_per_year": 2}
TOP = 10
CHART_MONTHS = 6


def scope_of(unit_id: int | None) -> str:
    return CITY if unit_id is None else f"unit:{unit_id}"


def targets() -> dict:
    setting = db.session.get(Setting, "bulletin_targets")
    return {**DEFAULT_TARGETS, **(setting.value if setting else {})}


def set_targets(hours_per_volunteer_year: float, trainings_per_year: int, *, by: User) -> dict:
    fields = {}
    if not 0 <= hours_per_volunteer_year <= 1000:
        fields["hours_per_volunteer_year"] = [_("应在0到1000之间")]
    if not 0 <= trainings_per_year <= 100:
        fields["trainings_per_year"] = [_("应在0到100之间")]
    if fields:
        raise ValidationFailed(fields=fields)
    value: dict[str, Any] = {
        "hours_per_volunteer_year": hours_per_volunteer_year,
        "trainings_per_year": trainings_per_year,
    }
    setting = db.session.get(Setting, "bulletin_targets")
    if setting is None:
        db.session.add(Setting(key="bulletin_targets", value=value, updated_at=now()))
    else:
        setting.value = value
        setting.updated_at = now()
    audit.log("bulletin.targets_set", None, by=by, **value)
    return value


# Aggregates --------------------------------------------------------------------------------
#
# One base for a unit's bulletin: the volunteer's home unit (Volunteer.unit_id). Hours, records,
# active volunteers, the top ten, star upgrades and training attendance all count where the
# volunteer is registered, wherever the service was given; service at other units' posts is
# shown as its own line ("其中在其他单位服务岗"), and the service a unit's posts received from
# other units' volunteers as another. Only activities held count by the organising unit.
# The definitions are written down in docs/bulletin-figures.md.


def _by_unit(stmt) -> dict[int, float]:
    return {unit_id: value or 0 for unit_id, value in db.session.execute(stmt).all()}


def _approved_in(start, end):
    return (
        ServiceRecord.status == "approved",
        ServiceRecord.started_at >= start,
        ServiceRecord.started_at < end,
    )


def hours_by_unit(start, end) -> tuple[dict[int, float], dict[int, int]]:
    """Approved hours and record counts per home unit of the volunteer, for records started
    in [start, end)."""
    rows = db.session.execute(
        select(Volunteer.unit_id, func.sum(ServiceRecord.seconds), func.count(ServiceRecord.id))
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(*_approved_in(start, end))
        .group_by(Volunteer.unit_id)
    ).all()
    return ({u: round((s or 0) / 3600, 2) for u, s, _n in rows}, {u: n for u, _s, n in rows})


def _service_by_unit(start, end) -> dict[str, dict[int, float]]:
    """Hours and records per home unit, with the part given at other units' posts: one statement."""
    elsewhere = ServiceRecord.unit_id != Volunteer.unit_id
    rows = db.session.execute(
        select(
            Volunteer.unit_id,
            func.sum(ServiceRecord.seconds),
            func.count(ServiceRecord.id),
            func.sum(case((elsewhere, ServiceRecord.seconds), else_=0)),
            func.sum(case((elsewhere, 1), else_=0)),
        )
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(*_approved_in(start, end))
        .group_by(Volunteer.unit_id)
    ).all()
    return {
        "service_hours": {u: round((s or 0) / 3600, 2) for u, s, _n, _o, _c in rows},
        "records": {u: n for u, _s, n, _o, _c in rows},
        "other_units_hours": {u: round((o or 0) / 3600, 2) for u, _s, _n, o, _c in rows},
        "other_units_records": {u: c or 0 for u, _s, _n, _o, c in rows},
    }


def _hosted_by_unit(start, end) -> dict[str, dict[int, float]]:
    """Service at each unit's posts by volunteers of other units (counted in their home unit)."""
    rows = db.session.execute(
        select(ServiceRecord.unit_id, func.sum(ServiceRecord.seconds), func.count(ServiceRecord.id))
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(*_approved_in(start, end), ServiceRecord.unit_id != Volunteer.unit_id)
        .group_by(ServiceRecord.unit_id)
    ).all()
    return {
        "hosted_hours": {u: round((s or 0) / 3600, 2) for u, s, _n in rows},
        "hosted_records": {u: n for u, _s, n in rows},
    }


def _attendances(start, end):
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


def period_aggregates(start, end) -> dict[str, dict[int, float]]:
    """The per-unit figures of any period [start, end) on the bulletins' bases, each from one
    GROUP BY statement: what months, reviews and scores all count."""
    registered_by_end = Volunteer.created_at < end
    # Active: registered by the period's end and with approved service in it, so active ⊆ registered.
    active_volunteers = (
        select(Volunteer.unit_id, func.count(func.distinct(ServiceRecord.volunteer_id)))
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(*_approved_in(start, end), registered_by_end)
        .group_by(Volunteer.unit_id)
    )
    held = (Activity.starts_at >= start) & (Activity.starts_at < end) & Activity.is_cancelled.is_(False)
    return {
        "registered_volunteers": _by_unit(
            select(Volunteer.unit_id, func.count(Volunteer.id))
            .where(registered_by_end)
            .group_by(Volunteer.unit_id)
        ),
        "active_volunteers": _by_unit(active_volunteers),
        **_service_by_unit(start, end),
        "activities": _by_unit(
            select(Activity.unit_id, func.count(Activity.id)).where(held).group_by(Activity.unit_id)
        ),
        "trainings": _by_unit(
            select(Activity.unit_id, func.count(Activity.id))
            .where(held, Activity.kind == "training")
            .group_by(Activity.unit_id)
        ),
        "training_attendances": _by_unit(_attendances(start, end)),
    }


def month_aggregates(month: Month, late_until=None) -> dict[str, dict[int, float]]:
    """Every per-unit figure of a month, each from one GROUP BY statement."""
    start, end = month.bounds()
    return {
        **period_aggregates(start, end),
        "new_volunteers": _by_unit(
            select(Volunteer.unit_id, func.count(Volunteer.id))
            .where(Volunteer.created_at >= start, Volunteer.created_at < end)
            .group_by(Volunteer.unit_id)
        ),
        **_hosted_by_unit(start, end),
        **late_by_unit(month, late_until or now()),
        "star_upgrades": _by_unit(
            select(Volunteer.unit_id, func.count(StarEvent.id))
            .join(Volunteer, Volunteer.id == StarEvent.volunteer_id)
            .where(StarEvent.to_level > StarEvent.from_level, StarEvent.at >= start, StarEvent.at < end)
            .group_by(Volunteer.unit_id)
        ),
    }


def top_volunteers(month: Month, limit: int = TOP) -> dict[int | None, list[dict]]:
    """The month's volunteers with the most approved hours (masked names), per unit (their
    own) and for the city (key None): one windowed query, whatever the number of units."""
    start, end = month.bounds()
    total = func.sum(ServiceRecord.seconds)
    order = (total.desc(), Volunteer.volunteer_no)
    per_volunteer = (
        select(
            Volunteer.name,
            Volunteer.volunteer_no,
            Volunteer.unit_id,
            total.label("seconds"),
            func.row_number().over(partition_by=Volunteer.unit_id, order_by=order).label("in_unit"),
            func.row_number().over(order_by=order).label("in_city"),
        )
        .join(ServiceRecord, ServiceRecord.volunteer_id == Volunteer.id)
        .where(*_approved_in(start, end))
        .group_by(Volunteer.id, Volunteer.name, Volunteer.volunteer_no, Volunteer.unit_id)
    ).subquery()
    rows = db.session.execute(
        select(per_volunteer)
        .where((per_volunteer.c.in_unit <= limit) | (per_volunteer.c.in_city <= limit))
        .order_by(per_volunteer.c.in_city)
    ).all()
    result: dict[int | None, list[dict]] = {None: []}
    for name, number, unit, seconds, in_unit, in_city in rows:  # at most limit × (units + 1) rows
        entry = {
            "name": _mask(name),
            "volunteer_no": number,
            "unit_id": unit,
            "hours": round(seconds / 3600, 2),
        }
        if in_unit <= limit:
            result.setdefault(unit, []).append(entry)
        if in_city <= limit:
            result[None].append(entry)
    return result


def _mask(name: str) -> str:
    if len(name) <= 1:
        return "*"
    return name[0] + "*" * (len(name) - 2) + name[-1] if len(name) > 2 else name[0] + "*"


SUMMED = (
    "registered_volunteers",
    "new_volunteers",
    "active_volunteers",
    "records",
    "other_units_records",
    "hosted_records",
    "late_records",
    "activities",
    "trainings",
    "training_attendances",
    "star_upgrades",
)
SUMMED_HOURS = ("service_hours", "other_units_hours", "hosted_hours", "late_hours")


def compute(month: Month, late_until=None) -> dict[int | None, dict]:
    """The figures of every unit's bulletin and of the city's for a month: {unit_id: figures,
    None: city figures}. A fixed number of set-based queries, whatever the data. Each city
    figure is the sum of the units' (every volunteer has exactly one home unit)."""
    units = {u.id: u.name for u in db.session.scalars(select(Unit).order_by(Unit.id))}
    this = month_aggregates(month, late_until)
    before = hours_by_unit(*month.previous().bounds())[0]
    year_start, month_end = month.january().start, month.end
    hours_ytd = hours_by_unit(year_start, month_end)[0]
    attended_ytd = _by_unit(_attendances(year_start, month_end))
    chart_months = month.back(CHART_MONTHS)
    series = {
        m: (hours_by_unit(*m.bounds())[0] if m != month else this["service_hours"]) for m in chart_months
    }
    goal = targets()
    elapsed = month.number / 12

    ranking = sorted(units, key=lambda u: (-this["service_hours"].get(u, 0), u))
    ranking_list = [
        {"unit_id": u, "unit": units[u], "hours": this["service_hours"].get(u, 0)} for u in ranking
    ]
    tops = top_volunteers(month)
    needs = need_figures.month_figures(month)
    by_campaign = campaign_figures.month_figures(month)
    result: dict[int | None, dict] = {}
    for unit_id in list(units) + [None]:

        def pick(key, unit_id=unit_id):
            values = this[key]
            if unit_id is None:
                return sum(values.get(u, 0) for u in units)
            return values.get(unit_id, 0)

        figures = {key: pick(key) for key in SUMMED}
        figures.update({key: round(pick(key), 2) for key in SUMMED_HOURS})
        registered, active, hours = (
            figures["registered_volunteers"],
            figures["active_volunteers"],
            figures["service_hours"],
        )
        previous = round(
            sum(before.get(u, 0) for u in units) if unit_id is None else before.get(unit_id, 0), 2
        )
        figures.update(
            {
                "unit": units[unit_id] if unit_id is not None else _("全市"),
                "month": str(month),
                "participation_rate": round(active / registered, 4) if registered else 0.0,
                "rank": report_format.rank_of(
                    this["service_hours"].get(unit_id, 0), [r["hours"] for r in ranking_list]
                )
                if unit_id is not None
                else None,
                "units_ranked": len(ranking),
                "previous_hours": previous,
                "change_hours": round(hours - previous, 2),
                "change_rate": round((hours - previous) / previous, 4) if previous else None,
                "hours_by_month": [
                    {
                        "month": str(m),
                        "hours": round(
                            sum(series[m].get(u, 0) for u in units)
                            if unit_id is None
                            else series[m].get(unit_id, 0),
                            2,
                        ),
                    }
                    for m in chart_months
                ],
                "ranking": ranking_list,
                "top_volunteers": tops.get(unit_id, []),
                "targets": goal,
                "flags": [],
                "needs": needs.get(need_figures.CITY if unit_id is None else unit_id) or need_figures.empty(),
                "campaigns": by_campaign.get(campaign_figures.CITY if unit_id is None else unit_id, []),
            }
        )
        if unit_id is not None:
            hours_goal = goal["hours_per_volunteer_year"] * elapsed
            per_volunteer = hours_ytd.get(unit_id, 0) / registered if registered else 0
            items = figures["flag_items"] = []
            if registered and per_volunteer < hours_goal:
                items.append({"kind": "hours", "h": round(per_volunteer, 1), "g": round(hours_goal, 1)})
            trainings_goal = goal["trainings_per_year"] * elapsed
            attended = attended_ytd.get(unit_id, 0) / registered if registered else 0
            if registered and attended < trainings_goal:
                items.append(
                    {
                        "kind": "trainings",
                        "n": number_text(attended),
                        "g": number_text(trainings_goal),
                        "y": number_text(goal["trainings_per_year"]),
                    }
                )
            figures["flags"] = [flag_text(item) for item in items]
            figures["hours_ytd"] = round(hours_ytd.get(unit_id, 0), 2)
        result[unit_id] = figures
    return result


def volunteer_rows(bulletin: Bulletin) -> list[tuple]:
    """The rows behind a bulletin's hours: each volunteer's approved hours of the month, as
    reviewed by the time the bulletin was made, per unit whose post the service was at."""
    start, end = Month.parse(bulletin.month).bounds()
    total = func.sum(ServiceRecord.seconds)
    stmt = (
        select(Volunteer.volunteer_no, Volunteer.name, Unit.name, func.count(ServiceRecord.id), total)
        .join(ServiceRecord, ServiceRecord.volunteer_id == Volunteer.id)
        .join(Unit, Unit.id == ServiceRecord.unit_id)
        .where(
            ServiceRecord.status == "approved",
            ServiceRecord.started_at >= start,
            ServiceRecord.started_at < end,
            and_(ServiceRecord.reviewed_at.is_(None) | (ServiceRecord.reviewed_at <= bulletin.generated_at)),
        )
        .group_by(Volunteer.volunteer_no, Volunteer.name, Unit.name)
        .order_by(total.desc(), Volunteer.volunteer_no)
    )
    if bulletin.unit_id is not None:  # the unit's own volunteers, wherever they served
        stmt = stmt.where(Volunteer.unit_id == bulletin.unit_id)
    return [
        (no, _mask(name), unit, n, round(s / 3600, 2)) for no, name, unit, n, s in db.session.execute(stmt)
    ]


def month_choices(count: int = 12) -> list[Month]:
    """The months a bulletin can be made for from the page: the last `count` ended ones, newest first."""
    return Month.current().previous().back(count)[::-1]
