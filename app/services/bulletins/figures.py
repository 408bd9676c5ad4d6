"""The figures of a month's bulletins for every unit and the city: the per-unit aggregates
(bulletins.aggregates, from the ledger's monthly rollups), the top volunteers, the units'
ranking, the flags against the targets (bulletins.targets), and the rows behind a bulletin's
hours. docs/bulletin-figures.md defines every figure."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from app.extensions import db
from app.models import Bulletin, ServiceRecord, Unit, Volunteer
from app.services import report_format, rollups
from app.services.bulletins import campaigns as campaign_figures
from app.services.bulletins import needs as need_figures
from app.services.bulletins.aggregates import (  # noqa: F401  (public here too)
    attendances,
    hours_by_unit,
    late_by_unit,
    late_window,
    month_aggregates,
    period_aggregates,
)
from app.services.bulletins.labels import flag_text, number_text
from app.services.bulletins.targets import DEFAULT_TARGETS, set_targets, targets  # noqa: F401
from app.services.months import Month

CITY = "city"
TOP = 10
CHART_MONTHS = 6


def scope_of(unit_id: int | None) -> str:
    return CITY if unit_id is None else f"unit:{unit_id}"


def top_volunteers(month: Month, limit: int = TOP) -> dict[int | None, list[dict]]:
    """The month's volunteers with the most approved hours (masked names), per unit (their
    own) and for the city (key None), ties broken by volunteer number: the candidates come from
    the volunteers' monthly rollup (the top of each unit, by index), whatever the number of units."""
    candidates = sorted(rollups.top_candidates(str(month), limit), key=lambda c: (-c[3], c[2]))
    result: dict[int | None, list[dict]] = {None: []}
    for unit, name, number, seconds in candidates:
        entry = {
            "name": _mask(name),
            "volunteer_no": number,
            "unit_id": unit,
            "hours": round(seconds / 3600, 2),
        }
        in_unit = result.setdefault(unit, [])
        if len(in_unit) < limit:
            in_unit.append(entry)
        if len(result[None]) < limit:
            result[None].append(entry)
    return {u: entries for u, entries in result.items() if entries or u is None}


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


def compute(month: Month, late_until=None, counts=None) -> dict[int | None, dict]:
    """The figures of every unit's bulletin and of the city's for a month: {unit_id: figures,
    None: city figures}. A fixed number of set-based queries, whatever the data. Each city
    figure is the sum of the units' (every volunteer has exactly one home unit)."""
    units = {u.id: u.name for u in db.session.scalars(select(Unit).order_by(Unit.id))}
    this = month_aggregates(month, late_until, counts)
    before = hours_by_unit(*month.previous().bounds())[0]
    year_start, month_end = month.january().start, month.end
    hours_ytd = hours_by_unit(year_start, month_end)[0]
    attended_ytd = {u: n or 0 for u, n in db.session.execute(attendances(year_start, month_end)).all()}
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
    # shared ranks (60, 60, 50 → 1, 1, 3), once for every unit
    rank_by_unit = dict(
        zip(ranking, report_format.shared_ranks([r["hours"] for r in ranking_list]), strict=True)
    )
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
                "rank": rank_by_unit[unit_id] if unit_id is not None else None,
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
