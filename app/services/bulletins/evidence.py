"""The evidence figures of a month's bulletins (台账): people served (服务人次) per unit, from
set-based aggregates (one GROUP BY each). docs/bulletin-figures.md defines them.

- beneficiaries: people served by the unit's activities held in the month (not cancelled) and
  on its posts' days in the month (a day is a calendar day in the deployment's zone);
- stations: per practice station (实践站) the month's activities, volunteers, hours and people
  served there; a unit's bulletin lists the stations it is paired with (结对包保, directly or
  through their institute), the city's every station.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import func, or_, select

from app.extensions import db
from app.models import Activity, PlacePairing, Post, PostDay, PracticePlace, ServiceRecord
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


def _sums(stmt) -> dict[int, tuple]:
    return {row[0]: tuple(row[1:]) for row in db.session.execute(stmt)}


def station_figures(month: Month) -> list[dict]:
    """Every station's figures of the month, in id order, from one GROUP BY per figure: the
    activities held there (not cancelled); the volunteers and hours of approved service there
    (an activity's station, else its post's); the people served by its activities and on its
    posts' days."""
    start, end = month.bounds()
    first, after = month.first_day(), month.next().first_day()
    held = (Activity.starts_at >= start, Activity.starts_at < end, Activity.is_cancelled.is_(False))
    activities = _sums(
        select(Activity.station_id, func.count(Activity.id), func.sum(Activity.beneficiaries))
        .where(Activity.station_id.is_not(None), *held)
        .group_by(Activity.station_id)
    )
    station = func.coalesce(Activity.station_id, Post.station_id)
    service = _sums(
        select(
            station, func.count(func.distinct(ServiceRecord.volunteer_id)), func.sum(ServiceRecord.seconds)
        )
        .select_from(ServiceRecord)
        .outerjoin(Activity, Activity.id == ServiceRecord.activity_id)
        .outerjoin(Post, Post.id == ServiceRecord.post_id)
        .where(
            ServiceRecord.status == "approved",
            ServiceRecord.started_at >= start,
            ServiceRecord.started_at < end,
            station.is_not(None),
        )
        .group_by(station)
    )
    days = _sums(
        select(Post.station_id, func.sum(PostDay.beneficiaries))
        .join(Post, Post.id == PostDay.post_id)
        .where(Post.station_id.is_not(None), PostDay.day >= first, PostDay.day < after)
        .group_by(Post.station_id)
    )
    rows = []
    for station_id, name in db.session.execute(
        select(PracticePlace.id, PracticePlace.name)
        .where(PracticePlace.level == "station")
        .order_by(PracticePlace.id)
    ):
        held_count, held_served = activities.get(station_id, (0, None))
        volunteers, seconds = service.get(station_id, (0, None))
        (day_served,) = days.get(station_id, (None,))
        rows.append(
            {
                "station_id": station_id,
                "name": name,
                "activities": int(held_count),
                "volunteers": int(volunteers),
                "hours": round(int(seconds or 0) / 3600, 2),
                "beneficiaries": int(held_served or 0) + int(day_served or 0),
            }
        )
    return rows


def paired_stations() -> dict[int, set[int]]:
    """{unit_id: ids of the stations it is paired with, directly or through their institute}."""
    found: dict[int, set[int]] = {}
    for unit_id, station_id in db.session.execute(
        select(PlacePairing.unit_id, PracticePlace.id)
        .join(
            PracticePlace,
            or_(PracticePlace.id == PlacePairing.place_id, PracticePlace.parent_id == PlacePairing.place_id),
        )
        .where(PracticePlace.level == "station")
        .distinct()
    ):
        found.setdefault(unit_id, set()).add(station_id)
    return found


def compute(month: Month, unit_ids: list[int | None]) -> dict[int | None, dict]:
    """{unit_id: this module's figures, None: the city's} for a month's bulletins."""
    served = beneficiaries_by_unit(month.first_day(), month.next().first_day())
    stations = station_figures(month)
    pairs = paired_stations()
    position = {row["station_id"]: i for i, row in enumerate(stations)}
    result: dict[int | None, dict] = {}
    for unit_id in unit_ids:
        if unit_id is None:
            result[None] = {"beneficiaries": sum(served.values()), "stations": stations}
        else:  # the city's list, in its order, kept to the unit's paired stations
            mine = sorted(position[s] for s in pairs.get(unit_id, ()) if s in position)
            result[unit_id] = {
                "beneficiaries": served.get(unit_id, 0),
                "stations": [stations[i] for i in mine],
            }
    return result


def rows(figures: dict) -> list[tuple[str, str]]:
    """This module's figure rows in the reader's language (none for bulletins made before)."""
    if "beneficiaries" not in figures:
        return []
    return [(str(BENEFICIARIES_LABEL), str(figures["beneficiaries"]))]


def station_headers() -> list[str]:
    return [_("实践站"), _("开展活动（场）"), _("参与服务的志愿者"), _("服务时长（小时）"), _("服务人次")]


def station_table(figures: dict) -> list[list]:
    """The stations' rows of a bulletin (none for bulletins made before, or without stations)."""
    return [
        [row["name"], row["activities"], row["volunteers"], row["hours"], row["beneficiaries"]]
        for row in figures.get("stations", [])
    ]


def add_xlsx_sheet(workbook, figures: dict) -> None:
    from app.services.spreadsheets import append_row

    table = station_table(figures)
    if not table:
        return
    sheet = workbook.create_sheet(_("实践站"))
    append_row(sheet, station_headers())
    for row in table:
        append_row(sheet, row)
    sheet.column_dimensions["A"].width = 30


def pdf_flow(figures: dict) -> list:
    from app.services import pdf

    table = station_table(figures)
    if not table:
        return []
    return [
        pdf.paragraph(_("各实践站本月情况"), "heading"),
        pdf.table([station_headers()] + [[str(cell) for cell in row] for row in table]),
    ]
