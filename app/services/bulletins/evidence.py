"""The evidence figures of a month's bulletins (台账): people served (服务人次) per unit, from
set-based aggregates (one GROUP BY each). docs/bulletin-figures.md defines them.

- beneficiaries: people served by the unit's activities held in the month (not cancelled) and
  on its posts' days in the month (a day is a calendar day in the deployment's zone).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from flask_babel import lazy_pgettext as _lp
from sqlalchemy import func, select

from app.extensions import db
from app.models import Activity, Post, PostDay
from app.services.clock import start_of_day
from app.services.months import Month

BENEFICIARIES_LABEL = _lp("bulletin figure", "服务人次")


def beneficiaries_by_unit(first_day: date, next_first_day: date) -> dict[int, int]:
    """People served per unit in the days [first_day, next_first_day): its activities that
    start in them (not cancelled) and its posts' days among them."""
    start, end = start_of_day(first_day), start_of_day(next_first_day)
    total: Counter[int] = Counter()
    for unit_id, served in db.session.execute(
        select(Activity.unit_id, func.sum(Activity.beneficiaries))
        .where(
            Activity.starts_at >= start,
            Activity.starts_at < end,
            Activity.is_cancelled.is_(False),
            Activity.beneficiaries.is_not(None),
        )
        .group_by(Activity.unit_id)
    ):
        total[unit_id] += int(served or 0)
    for unit_id, served in db.session.execute(
        select(Post.unit_id, func.sum(PostDay.beneficiaries))
        .join(Post, Post.id == PostDay.post_id)
        .where(PostDay.day >= first_day, PostDay.day < next_first_day, PostDay.beneficiaries.is_not(None))
        .group_by(Post.unit_id)
    ):
        total[unit_id] += int(served or 0)
    return dict(total)


def compute(month: Month, unit_ids: list[int | None]) -> dict[int | None, dict]:
    """{unit_id: this module's figures, None: the city's} for a month's bulletins."""
    served = beneficiaries_by_unit(month.first_day(), month.next().first_day())
    return {
        unit_id: {"beneficiaries": sum(served.values()) if unit_id is None else served.get(unit_id, 0)}
        for unit_id in unit_ids
    }


def rows(figures: dict) -> list[tuple[str, str]]:
    """This module's figure rows in the reader's language (none for bulletins made before)."""
    if "beneficiaries" not in figures:
        return []
    return [(str(BENEFICIARIES_LABEL), str(figures["beneficiaries"]))]
