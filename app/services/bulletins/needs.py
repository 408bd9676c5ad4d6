"""The residents' needs figures of a month's bulletins, per unit (one GROUP BY each):

- received: needs with the unit that were submitted in the month;
- answered: needs of the unit reported served in the month;
- on_time: of those, served by the resident's wished date (in the deployment's zone);
- average_rating: the mean of the ratings residents gave in the month (None when none).

A need counts for the unit that holds it when the bulletin is made. The city's figures count
every need, also those not yet assigned to a unit. docs/bulletin-figures.md defines them.
"""

from __future__ import annotations

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import Need
from app.services.months import Month

CITY = "city"


def _figures(received: int, answered: int, on_time: int, rated: int, rating_sum: int) -> dict:
    return {
        "received": received,
        "answered": answered,
        "on_time": on_time,
        "on_time_rate": round(on_time / answered, 4) if answered else None,
        "rated": rated,
        "average_rating": round(rating_sum / rated, 2) if rated else None,
    }


def month_figures(month: Month) -> dict[int | str, dict]:
    """{unit_id: figures, CITY: the city's} for a month; units without any need are left out."""
    start, end = month.bounds()
    received = dict(
        db.session.execute(
            select(Need.unit_id, func.count(Need.id))
            .where(Need.created_at >= start, Need.created_at < end)
            .group_by(Need.unit_id)
        ).all()
    )
    answered = {
        unit_id: (n, on_time or 0)
        for unit_id, n, on_time in db.session.execute(
            select(
                Need.unit_id, func.count(Need.id), func.sum(case((Need.served_on_time.is_(True), 1), else_=0))
            )
            .where(Need.served_at >= start, Need.served_at < end)
            .group_by(Need.unit_id)
        ).all()
    }
    rated = {
        unit_id: (n, total or 0)
        for unit_id, n, total in db.session.execute(
            select(Need.unit_id, func.count(Need.id), func.sum(Need.rating))
            .where(Need.rated_at >= start, Need.rated_at < end, Need.rating.is_not(None))
            .group_by(Need.unit_id)
        ).all()
    }
    keys = set(received) | set(answered) | set(rated)
    result: dict[int | str, dict] = {}
    for unit_id in keys:
        if unit_id is None:
            continue
        result[unit_id] = _figures(
            received.get(unit_id, 0), *answered.get(unit_id, (0, 0)), *rated.get(unit_id, (0, 0))
        )
    result[CITY] = _figures(
        sum(received.values()),
        sum(n for n, _t in answered.values()),
        sum(t for _n, t in answered.values()),
        sum(n for n, _s in rated.values()),
        sum(s for _n, s in rated.values()),
    )
    return result


def empty() -> dict:
    return _figures(0, 0, 0, 0, 0)
