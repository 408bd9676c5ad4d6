"""Monthly bulletins (月通报) for member units and the city, and quarterly reviews (季点评).

Every figure comes from set-based SQL aggregates grouped by unit — never from Python loops
over records — so the same queries run on a read replica or a partitioned ledger unchanged.
Every figure of a unit's bulletin has one base, the volunteer's home unit (service at other
units' posts is shown as its own line), so participation cannot exceed 100 %; only activities
held count by the organising unit. A record belongs to the month, in the deployment's zone, in
which it started. docs/bulletin-figures.md defines every figure. Bulletins are snapshots:
(scope, month, revision) is unique, so generating again is a no-op; a revision is a new row.
"""
from __future__ import annotations

import io
import logging
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from sqlalchemy import and_, case, func, select
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import (
    Activity,
    ActivitySignup,
    Bulletin,
    QuarterReview,
    ServiceRecord,
    Setting,
    StarEvent,
    Unit,
    User,
    Volunteer,
)
from app.services import audit, report_format
from app.services.clock import local, month_bounds, now, parse_month, previous_month
from app.services.errors import Forbidden, NotFound, ValidationFailed
from app.services.inputs import SERVICE_MIN_YEAR, service_year_ok
from app.services.spreadsheets import append_row

log = logging.getLogger(__name__)

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
    value: dict[str, Any] = {"hours_per_volunteer_year": hours_per_volunteer_year,
                             "trainings_per_year": trainings_per_year}
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
    return (ServiceRecord.status == "approved", ServiceRecord.started_at >= start, ServiceRecord.started_at < end)


def hours_by_unit(start, end) -> tuple[dict[int, float], dict[int, int]]:
    """Approved hours and record counts per home unit of the volunteer, for records started
    in [start, end)."""
    rows = db.session.execute(
        select(Volunteer.unit_id, func.sum(ServiceRecord.seconds), func.count(ServiceRecord.id))
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(*_approved_in(start, end))
        .group_by(Volunteer.unit_id)).all()
    return ({u: round((s or 0) / 3600, 2) for u, s, _n in rows}, {u: n for u, _s, n in rows})


def _service_by_unit(start, end) -> dict[str, dict[int, float]]:
    """Hours and records per home unit, with the part given at other units' posts: one statement."""
    elsewhere = ServiceRecord.unit_id != Volunteer.unit_id
    rows = db.session.execute(
        select(Volunteer.unit_id, func.sum(ServiceRecord.seconds), func.count(ServiceRecord.id),
               func.sum(case((elsewhere, ServiceRecord.seconds), else_=0)),
               func.sum(case((elsewhere, 1), else_=0)))
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(*_approved_in(start, end))
        .group_by(Volunteer.unit_id)).all()
    return {"service_hours": {u: round((s or 0) / 3600, 2) for u, s, _n, _o, _c in rows},
            "records": {u: n for u, _s, n, _o, _c in rows},
            "other_units_hours": {u: round((o or 0) / 3600, 2) for u, _s, _n, o, _c in rows},
            "other_units_records": {u: c or 0 for u, _s, _n, _o, c in rows}}


def _hosted_by_unit(start, end) -> dict[str, dict[int, float]]:
    """Service at each unit's posts by volunteers of other units (counted in their home unit)."""
    rows = db.session.execute(
        select(ServiceRecord.unit_id, func.sum(ServiceRecord.seconds), func.count(ServiceRecord.id))
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(*_approved_in(start, end), ServiceRecord.unit_id != Volunteer.unit_id)
        .group_by(ServiceRecord.unit_id)).all()
    return {"hosted_hours": {u: round((s or 0) / 3600, 2) for u, s, _n in rows},
            "hosted_records": {u: n for u, _s, n in rows}}


def _attendances(start, end):
    """Attended sign-ups to training activities held in [start, end), per home unit."""
    return (select(Volunteer.unit_id, func.count(ActivitySignup.id))
            .join(Activity, Activity.id == ActivitySignup.activity_id)
            .join(Volunteer, Volunteer.id == ActivitySignup.volunteer_id)
            .where(ActivitySignup.attended_at.is_not(None), Activity.kind == "training",
                   Activity.is_cancelled.is_(False), Activity.starts_at >= start, Activity.starts_at < end)
            .group_by(Volunteer.unit_id))


def late_window(month: str, until) -> tuple:
    """(after, until]: approvals that no earlier bulletin saw. `after` is when last month's
    original bulletins were made (the earliest of them), or the month's start if none were."""
    previous = db.session.scalar(select(func.min(Bulletin.generated_at)).where(
        Bulletin.month == previous_month(month), Bulletin.revision == 0))
    return previous or month_bounds(month)[0], until


def late_by_unit(month: str, until) -> dict[str, dict[int, float]]:
    """补录至以往月份: approved records that started before the month and were approved in the
    late window, per home unit — they were in no bulletin of their own month."""
    start = month_bounds(month)[0]
    after, until = late_window(month, until)
    rows = db.session.execute(
        select(Volunteer.unit_id, func.sum(ServiceRecord.seconds), func.count(ServiceRecord.id))
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(ServiceRecord.status == "approved", ServiceRecord.started_at < start,
               ServiceRecord.reviewed_at > after, ServiceRecord.reviewed_at <= until)
        .group_by(Volunteer.unit_id)).all()
    return {"late_hours": {u: round((s or 0) / 3600, 2) for u, s, _n in rows},
            "late_records": {u: n for u, _s, n in rows}}


def month_aggregates(month: str, late_until=None) -> dict[str, dict[int, float]]:
    """Every per-unit figure of a month, each from one GROUP BY statement."""
    start, end = month_bounds(month)
    registered_by_end = Volunteer.created_at < end
    # Active: registered by the month's end and with approved service in it, so active ⊆ registered.
    active_volunteers = (select(Volunteer.unit_id, func.count(func.distinct(ServiceRecord.volunteer_id)))
                         .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
                         .where(*_approved_in(start, end), registered_by_end)
                         .group_by(Volunteer.unit_id))
    held = (Activity.starts_at >= start) & (Activity.starts_at < end) & Activity.is_cancelled.is_(False)
    return {
        "registered_volunteers": _by_unit(select(Volunteer.unit_id, func.count(Volunteer.id))
                                          .where(registered_by_end).group_by(Volunteer.unit_id)),
        "new_volunteers": _by_unit(select(Volunteer.unit_id, func.count(Volunteer.id))
                                   .where(Volunteer.created_at >= start, Volunteer.created_at < end)
                                   .group_by(Volunteer.unit_id)),
        "active_volunteers": _by_unit(active_volunteers),
        **_service_by_unit(start, end),
        **_hosted_by_unit(start, end),
        **late_by_unit(month, late_until or now()),
        "activities": _by_unit(select(Activity.unit_id, func.count(Activity.id)).where(held)
                               .group_by(Activity.unit_id)),
        "trainings": _by_unit(select(Activity.unit_id, func.count(Activity.id))
                              .where(held, Activity.kind == "training").group_by(Activity.unit_id)),
        "training_attendances": _by_unit(_attendances(start, end)),
        "star_upgrades": _by_unit(select(Volunteer.unit_id, func.count(StarEvent.id))
                                  .join(Volunteer, Volunteer.id == StarEvent.volunteer_id)
                                  .where(StarEvent.to_level > StarEvent.from_level, StarEvent.at >= start,
                                         StarEvent.at < end).group_by(Volunteer.unit_id)),
    }


def top_volunteers(month: str, limit: int = TOP) -> dict[int | None, list[dict]]:
    """The month's volunteers with the most approved hours (masked names), per unit (their
    own) and for the city (key None): one windowed query, whatever the number of units."""
    start, end = month_bounds(month)
    total = func.sum(ServiceRecord.seconds)
    order = (total.desc(), Volunteer.volunteer_no)
    per_volunteer = (
        select(Volunteer.name, Volunteer.volunteer_no, Volunteer.unit_id, total.label("seconds"),
               func.row_number().over(partition_by=Volunteer.unit_id, order_by=order).label("in_unit"),
               func.row_number().over(order_by=order).label("in_city"))
        .join(ServiceRecord, ServiceRecord.volunteer_id == Volunteer.id)
        .where(*_approved_in(start, end))
        .group_by(Volunteer.id, Volunteer.name, Volunteer.volunteer_no, Volunteer.unit_id)).subquery()
    rows = db.session.execute(
        select(per_volunteer).where((per_volunteer.c.in_unit <= limit) | (per_volunteer.c.in_city <= limit))
        .order_by(per_volunteer.c.in_city)).all()
    result: dict[int | None, list[dict]] = {None: []}
    for name, number, unit, seconds, in_unit, in_city in rows:  # at most limit × (units + 1) rows
        entry = {"name": _mask(name), "volunteer_no": number, "unit_id": unit, "hours": round(seconds / 3600, 2)}
        if in_unit <= limit:
            result.setdefault(unit, []).append(entry)
        if in_city <= limit:
            result[None].append(entry)
    return result


def _mask(name: str) -> str:
    if len(name) <= 1:
        return "*"
    return name[0] + "*" * (len(name) - 2) + name[-1] if len(name) > 2 else name[0] + "*"


def _months_back(month: str, count: int) -> list[str]:
    months = [month]
    while len(months) < count:
        months.insert(0, previous_month(months[0]))
    return months


SUMMED = ("registered_volunteers", "new_volunteers", "active_volunteers", "records", "other_units_records",
          "hosted_records", "late_records", "activities", "trainings", "training_attendances", "star_upgrades")
SUMMED_HOURS = ("service_hours", "other_units_hours", "hosted_hours", "late_hours")


def compute(month: str, late_until=None) -> dict[int | None, dict]:
    """The figures of every unit's bulletin and of the city's for a month: {unit_id: figures,
    None: city figures}. A fixed number of set-based queries, whatever the data. Each city
    figure is the sum of the units' (every volunteer has exactly one home unit)."""
    parse_month(month)
    units = {u.id: u.name for u in db.session.scalars(select(Unit).order_by(Unit.id))}
    this = month_aggregates(month, late_until)
    before = hours_by_unit(*month_bounds(previous_month(month)))[0]
    year = int(month[:4])
    year_start = month_bounds(f"{year}-01")[0]
    month_end = month_bounds(month)[1]
    hours_ytd = hours_by_unit(year_start, month_end)[0]
    attended_ytd = _by_unit(_attendances(year_start, month_end))
    chart_months = _months_back(month, CHART_MONTHS)
    series = {m: (hours_by_unit(*month_bounds(m))[0] if m != month else this["service_hours"]) for m in chart_months}
    goal = targets()
    elapsed = int(month[5:7]) / 12

    ranking = sorted(units, key=lambda u: (-this["service_hours"].get(u, 0), u))
    ranking_list = [{"unit_id": u, "unit": units[u], "hours": this["service_hours"].get(u, 0)} for u in ranking]
    tops = top_volunteers(month)
    result: dict[int | None, dict] = {}
    for unit_id in list(units) + [None]:
        def pick(key, unit_id=unit_id):
            values = this[key]
            if unit_id is None:
                return sum(values.get(u, 0) for u in units)
            return values.get(unit_id, 0)

        figures = {key: pick(key) for key in SUMMED}
        figures.update({key: round(pick(key), 2) for key in SUMMED_HOURS})
        registered, active, hours = (figures["registered_volunteers"], figures["active_volunteers"],
                                     figures["service_hours"])
        previous = round(sum(before.get(u, 0) for u in units) if unit_id is None else before.get(unit_id, 0), 2)
        figures.update({
            "unit": units[unit_id] if unit_id is not None else _("全市"),
            "month": month,
            "participation_rate": round(active / registered, 4) if registered else 0.0,
            "rank": report_format.rank_of(this["service_hours"].get(unit_id, 0), [r["hours"] for r in ranking_list])
            if unit_id is not None else None,
            "units_ranked": len(ranking),
            "previous_hours": previous,
            "change_hours": round(hours - previous, 2),
            "change_rate": round((hours - previous) / previous, 4) if previous else None,
            "hours_by_month": [{"month": m, "hours": round(sum(series[m].get(u, 0) for u in units) if unit_id is None
                                                           else series[m].get(unit_id, 0), 2)} for m in chart_months],
            "ranking": ranking_list,
            "top_volunteers": tops.get(unit_id, []),
            "targets": goal,
            "flags": [],
        })
        if unit_id is not None:
            hours_goal = goal["hours_per_volunteer_year"] * elapsed
            per_volunteer = hours_ytd.get(unit_id, 0) / registered if registered else 0
            items = figures["flag_items"] = []
            if registered and per_volunteer < hours_goal:
                items.append({"kind": "hours", "h": round(per_volunteer, 1), "g": round(hours_goal, 1)})
            trainings_goal = goal["trainings_per_year"] * elapsed
            attended = attended_ytd.get(unit_id, 0) / registered if registered else 0
            if registered and attended < trainings_goal:
                items.append({"kind": "trainings", "n": _num(attended), "g": _num(trainings_goal),
                              "y": _num(goal["trainings_per_year"])})
            figures["flags"] = [_flag_text(item) for item in items]
            figures["hours_ytd"] = round(hours_ytd.get(unit_id, 0), 2)
        result[unit_id] = figures
    return result


# Snapshots ---------------------------------------------------------------------------------

def _insert_ignoring_duplicates(rows: list[dict]) -> int:
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = (module.insert(Bulletin).values(rows).on_conflict_do_nothing(index_elements=["scope", "month", "revision"])
            .returning(Bulletin.id))
    return len(db.session.execute(stmt).all())


def generate_bulletins(month: str | None = None, unit_id: int | None = None, *, by: User | None = None,
                       revise: bool = False) -> int:
    """Make the month's bulletins (default: last month) for every unit and the city, or for
    one unit; those that exist are left as they are. With revise, issue the next numbered
    revision (修订版 1, 2, …) of each, recomputed from today's ledger; the original and earlier
    revisions are kept. Returns how many were created."""
    month = month or previous_month()
    _start, end = month_bounds(month)
    if not service_year_ok(parse_month(month)[0]):
        raise ValidationFailed(fields={"month": [_("通报月份应在%(a)d年至明年之间", a=SERVICE_MIN_YEAR)]})
    if end > now():  # a snapshot is final, so a month still running has none yet
        raise ValidationFailed(fields={"month": [_("只能生成已经结束的月份的通报")]})
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        raise NotFound(_("成员单位不存在"))
    at = now()
    revision_of: dict[str, int] = {}
    late_until = at
    if revise:
        existing = db.session.execute(select(Bulletin.scope, func.max(Bulletin.revision), func.min(Bulletin.generated_at))
                                      .where(Bulletin.month == month).group_by(Bulletin.scope)).all()
        revision_of = {scope: latest + 1 for scope, latest, _first in existing}
        # a revision's late figure keeps the original's window: later approvals belong to the next month's
        late_until = min((first for _s, _l, first in existing), default=at)
    all_figures = compute(month, late_until=late_until)
    rows = []
    for u, figures in all_figures.items():
        if unit_id is not None and u != unit_id:
            continue
        revision = revision_of.get(scope_of(u), 0)
        rows.append({"scope": scope_of(u), "unit_id": u, "month": month, "revision": revision,
                     "figures": {**figures, "revision": revision}, "generated_at": at})
    created = _insert_ignoring_duplicates(rows)
    if created:
        audit.log("bulletins.revised" if revise else "bulletins.generated", None, by=by, month=month,
                  created=created)
    return created


def get_bulletin(bulletin_id: int) -> Bulletin:
    bulletin = db.session.get(Bulletin, bulletin_id)
    if bulletin is None:
        raise NotFound(_("通报不存在"))
    return bulletin


def list_bulletins(unit_id: int | None, include_city: bool = False) -> list[Bulletin]:
    stmt = select(Bulletin).order_by(Bulletin.month.desc(), Bulletin.unit_id, Bulletin.revision)
    if unit_id is not None:
        stmt = stmt.where(Bulletin.unit_id == unit_id)
    elif not include_city:
        stmt = stmt.where(Bulletin.unit_id.is_not(None))
    return list(db.session.scalars(stmt))


def can_read(user: User, bulletin: Bulletin) -> bool:
    if user.role == "platform_admin":
        return True
    return user.role == "unit_admin" and bulletin.unit_id is not None and bulletin.unit_id == user.unit_id


def last_complete_quarter(today) -> tuple[int, int]:
    """(year, quarter) of the last quarter that has ended by `today` (a local date)."""
    current = (today.month - 1) // 3 + 1
    return (today.year, current - 1) if current > 1 else (today.year - 1, 4)


def _quarter_months(year: int, quarter: int) -> list[str]:
    if not 1 <= quarter <= 4:
        raise ValidationFailed(fields={"quarter": [_("季度应为1到4")]})
    if not 2000 <= year <= 2100:
        raise ValidationFailed(fields={"year": [_("年份应在2000到2100之间")]})
    return [f"{year:04d}-{m:02d}" for m in range(3 * quarter - 2, 3 * quarter + 1)]


QUARTER_SUMS = ("records", "new_volunteers", "star_upgrades", "activities", "trainings", "training_attendances",
                "late_records", "other_units_records", "hosted_records")
QUARTER_HOURS = ("service_hours", "late_hours", "other_units_hours", "hosted_hours")


def _num(value: float) -> str:
    """A figure in a sentence: at most two decimals, no trailing zeros (0.5, 6.25, 9)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def quarter_review(unit_id: int | None, year: int, quarter: int) -> dict:
    """季点评: the three original bulletins of a quarter side by side and their sums, the late
    records they carried (补录至以往月份), the target flags pro-rated to a quarter, the units'
    ranking by the quarter's hours, and the office's written review."""
    months = _quarter_months(year, quarter)
    originals = list(db.session.scalars(select(Bulletin).where(Bulletin.month.in_(months), Bulletin.revision == 0)))
    found = {b.month: b.figures for b in originals if b.scope == scope_of(unit_id)}
    rows = [{"month": m, **{k: found[m].get(k, 0) for k in (
        "service_hours", "records", "active_volunteers", "new_volunteers", "star_upgrades", "activities",
        "training_attendances", "late_records", "late_hours", "rank", "participation_rate")}}
            if m in found else {"month": m, "missing": True} for m in months]
    present = [found[m] for m in months if m in found]
    review = {key: sum(f.get(key, 0) for f in present) for key in QUARTER_SUMS}
    review.update({key: round(sum(f.get(key, 0) for f in present), 2) for key in QUARTER_HOURS})
    registered = present[-1]["registered_volunteers"] if present else 0
    goal = present[-1].get("targets", targets()) if present else targets()

    # Ranking across units: each unit's hours over the quarter's original bulletins.
    hours: dict[int, float] = {}
    names: dict[int, str] = {}
    for bulletin in originals:
        if bulletin.unit_id is not None:
            hours[bulletin.unit_id] = hours.get(bulletin.unit_id, 0) + bulletin.figures.get("service_hours", 0)
            names[bulletin.unit_id] = bulletin.figures["unit"]
    ranking = [{"unit_id": u, "unit": names[u], "hours": round(h, 2)}
               for u, h in sorted(hours.items(), key=lambda item: (-item[1], item[0]))]

    # Target flags, pro-rated: a quarter is a quarter of the year's targets.
    flags = []
    hours_goal = goal["hours_per_volunteer_year"] / 4
    trainings_goal = goal["trainings_per_year"] / 4
    per_volunteer_hours = round(review["service_hours"] / registered, 2) if registered else 0
    per_volunteer_trainings = round(review["training_attendances"] / registered, 2) if registered else 0
    if registered and per_volunteer_hours < hours_goal:
        flags.append(_("本季度人均服务时长 %(h)s 小时，低于季度目标 %(g)s 小时（全年 %(y)s 小时的四分之一）",
                       h=_num(per_volunteer_hours), g=_num(hours_goal), y=_num(goal["hours_per_volunteer_year"])))
    if registered and per_volunteer_trainings < trainings_goal:
        flags.append(_("本季度人均参加培训 %(n)s 次，低于季度目标 %(g)s 次（全年 %(y)s 次的四分之一）",
                       n=_num(per_volunteer_trainings), g=_num(trainings_goal), y=_num(goal["trainings_per_year"])))
    comment = db.session.scalar(select(QuarterReview).where(
        QuarterReview.scope == scope_of(unit_id), QuarterReview.year == year, QuarterReview.quarter == quarter))
    return {
        "year": year, "quarter": quarter, "unit_id": unit_id,
        "unit": found[months[-1]]["unit"] if months[-1] in found else (present[-1]["unit"] if present else None),
        "months": rows,
        **review,
        "registered_volunteers": registered,
        "average_active_volunteers": round(sum(f["active_volunteers"] for f in present) / len(present), 1)
        if present else 0,
        "hours_per_volunteer": per_volunteer_hours,
        "trainings_per_volunteer": per_volunteer_trainings,
        "hours_goal": round(hours_goal, 2),
        "trainings_goal": round(trainings_goal, 2),
        "flags": flags,
        "ranking": ranking,
        "rank": next((report_format.rank_of(r["hours"], [x["hours"] for x in ranking]) for r in ranking
                      if r["unit_id"] == unit_id), None),
        "comment": comment.comment if comment else "",
        "comment_at": comment.updated_at if comment else None,
        "complete": len(present) == 3,
    }


def save_quarter_comment(unit_id: int | None, year: int, quarter: int, comment: str, *, by: User) -> QuarterReview:
    """The office's written review of a quarter (platform admin only); saving again replaces it."""
    if by.role != "platform_admin":
        raise Forbidden(_("只有文明办管理员可以撰写季度点评"))
    _quarter_months(year, quarter)
    comment = (comment or "").strip()
    if len(comment) > 5000:
        raise ValidationFailed(fields={"comment": [_("点评不能超过5000字")]})
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        raise NotFound(_("成员单位不存在"))
    row = db.session.scalar(select(QuarterReview).where(
        QuarterReview.scope == scope_of(unit_id), QuarterReview.year == year, QuarterReview.quarter == quarter))
    if row is None:
        row = QuarterReview(scope=scope_of(unit_id), unit_id=unit_id, year=year, quarter=quarter, comment=comment)
        db.session.add(row)
    row.comment = comment
    row.updated_at = now()
    row.updated_by_id = by.id
    db.session.flush()
    audit.log("quarter_review.commented", None, by=by, unit_id=unit_id, year=year, quarter=quarter)
    return row


def quarter_title(review: dict, name: str) -> str:
    return _("%(name)s %(y)d年第%(q)d季度点评", name=name, y=review["year"], q=review["quarter"])


QUARTER_LABELS = [
    ("service_hours", _l("服务时长（小时）")), ("records", _l("服务记录（条）")),
    ("registered_volunteers", _l("注册志愿者（季末）")), ("average_active_volunteers", _l("月均活跃志愿者")),
    ("hours_per_volunteer", _l("人均服务时长（小时）")), ("hours_goal", _l("季度人均时长目标（小时）")),
    ("training_attendances", _l("参加培训（人次）")), ("trainings_per_volunteer", _l("人均参加培训（次）")),
    ("trainings_goal", _l("季度人均培训目标（次）")), ("new_volunteers", _l("新增志愿者")),
    ("star_upgrades", _l("星级晋升（人次）")), ("activities", _l("开展活动（场）")),
    ("late_records", _l("补录至以往月份（条）")), ("late_hours", _l("补录至以往月份（小时）")),
    ("other_units_hours", _l("其中在其他单位服务岗的服务（小时）")), ("rank", _l("全市排名")),
]


def quarter_rows(review: dict) -> list[tuple[str, object]]:
    return [(str(label), review[key]) for key, label in QUARTER_LABELS
            if not (key == "rank" and review["rank"] is None)]


def quarter_xlsx_bytes(review: dict, name: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("季点评")
    append_row(sheet, [quarter_title(review, name)])
    append_row(sheet, [_("指标"), _("数值")])
    for label, value in quarter_rows(review):
        append_row(sheet, [label, value])
    append_row(sheet, [_("目标说明"), _("培训目标为全年 %(n)s 次，按季度折算为四分之一", n=_num(review["trainings_goal"] * 4))])
    for flag in review["flags"]:
        append_row(sheet, [_("需关注"), flag])
    append_row(sheet, [_("文明办点评"), review["comment"]])
    sheet.column_dimensions["A"].width = 40
    months = workbook.create_sheet(_("各月通报"))
    append_row(months, [_("月份"), _("服务时长（小时）"), _("服务记录（条）"), _("活跃志愿者"), _("参加培训（人次）"),
                        _("补录至以往月份（条）"), _("补录至以往月份（小时）")])
    for m in review["months"]:
        append_row(months, [m["month"]] + ([_("未生成")] if m.get("missing") else [
            m["service_hours"], m["records"], m["active_volunteers"], m["training_attendances"], m["late_records"],
            m["late_hours"]]))
    ranking = workbook.create_sheet(_("单位排名"))
    append_row(ranking, [_("排名"), _("成员单位"), _("服务时长（小时）")])
    for rank, row in zip(report_format.shared_ranks([r["hours"] for r in review["ranking"]]), review["ranking"],
                         strict=True):
        append_row(ranking, [rank, row["unit"], row["hours"]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def quarter_pdf_bytes(review: dict, name: str) -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    from app.services import pdf
    pdf.register_font()
    title = quarter_title(review, name)
    flow = [pdf.paragraph(title, "title"), pdf.paragraph(_("生成时间：%(t)s", t=stamp(now())), "small")]
    if not review["complete"]:
        flow.append(pdf.paragraph(_("本季度的月通报尚未全部生成，以下只汇总已生成的月份。"), "small"))
    flow += [Spacer(1, 4 * mm),
             pdf.table([[_("指标"), _("数值")]] + [[label, _num(value) if isinstance(value, float) else str(value)]
                                                    for label, value in quarter_rows(review)],
                       col_widths=[80 * mm, 50 * mm]),
             pdf.paragraph(_("培训目标为全年 %(n)s 次，按季度折算为四分之一", n=_num(review["trainings_goal"] * 4)), "small")]
    if review["flags"]:
        flow += [pdf.paragraph(_("需关注"), "heading")] + [pdf.paragraph("• " + flag) for flag in review["flags"]]
    flow += [pdf.paragraph(_("各月通报"), "heading"),
             pdf.table([[_("月份"), _("服务时长（小时）"), _("服务记录（条）"), _("补录至以往月份（条）")]] +
                       [[m["month"]] + ([_("未生成"), "", ""] if m.get("missing") else
                                        [report_format.hours_text(m["service_hours"]), str(m["records"]), str(m["late_records"])])
                        for m in review["months"]])]
    if review["ranking"]:
        flow += [pdf.paragraph(_("成员单位服务时长排名"), "heading"),
                 pdf.table([[_("排名"), _("成员单位"), _("服务时长（小时）")]] +
                           [[str(rank), r["unit"], report_format.hours_text(r["hours"])] for rank, r in
                            zip(report_format.shared_ranks([r["hours"] for r in review["ranking"]]),
                                review["ranking"], strict=True)])]
    flow += [pdf.paragraph(_("文明办点评"), "heading"), pdf.paragraph(review["comment"] or _("（暂无点评）"))]
    return pdf.build(flow, title=title, on_page=pdf.page_footer(title))


def volunteer_rows(bulletin: Bulletin) -> list[tuple]:
    """The rows behind a bulletin's hours: each volunteer's approved hours of the month, as
    reviewed by the time the bulletin was made, per unit whose post the service was at."""
    start, end = month_bounds(bulletin.month)
    total = func.sum(ServiceRecord.seconds)
    stmt = (select(Volunteer.volunteer_no, Volunteer.name, Unit.name, func.count(ServiceRecord.id), total)
            .join(ServiceRecord, ServiceRecord.volunteer_id == Volunteer.id)
            .join(Unit, Unit.id == ServiceRecord.unit_id)
            .where(ServiceRecord.status == "approved", ServiceRecord.started_at >= start,
                   ServiceRecord.started_at < end,
                   and_(ServiceRecord.reviewed_at.is_(None) | (ServiceRecord.reviewed_at <= bulletin.generated_at)))
            .group_by(Volunteer.volunteer_no, Volunteer.name, Unit.name)
            .order_by(total.desc(), Volunteer.volunteer_no))
    if bulletin.unit_id is not None:  # the unit's own volunteers, wherever they served
        stmt = stmt.where(Volunteer.unit_id == bulletin.unit_id)
    return [(no, _mask(name), unit, n, round(s / 3600, 2)) for no, name, unit, n, s in db.session.execute(stmt)]


# The labels carry a context: "注册志愿者" on a bulletin counts volunteers, while the same
# words on a button invite one to register.
FIGURE_LABELS = [
    ("registered_volunteers", _lp("bulletin figure", "注册志愿者")),
    ("new_volunteers", _lp("bulletin figure", "本月新增志愿者")),
    ("active_volunteers", _lp("bulletin figure", "活跃志愿者")),
    ("participation_rate", _lp("bulletin figure", "参与率")),
    ("service_hours", _lp("bulletin figure", "服务时长（小时）")),
    ("records", _lp("bulletin figure", "服务记录（条）")),
    ("other_units_hours", _lp("bulletin figure", "其中在其他单位服务岗的服务（小时）")),
    ("other_units_records", _lp("bulletin figure", "其中在其他单位服务岗的服务（条）")),
    ("hosted_hours", _lp("bulletin figure", "本单位服务岗接待的外单位志愿者服务（小时）")),
    ("hosted_records", _lp("bulletin figure", "本单位服务岗接待的外单位志愿者服务（条）")),
    ("late_records", _lp("bulletin figure", "补录至以往月份（条）")),
    ("late_hours", _lp("bulletin figure", "补录至以往月份（小时）")),
    ("activities", _lp("bulletin figure", "开展活动（场）")),
    ("trainings", _lp("bulletin figure", "其中培训（场）")),
    ("training_attendances", _lp("bulletin figure", "参加培训（人次）")),
    ("star_upgrades", _lp("bulletin figure", "星级晋升（人次）")),
    ("rank", _lp("bulletin figure", "全市排名")),
    ("change_hours", _lp("bulletin figure", "较上月增减（小时）")),
]
CITY_HIDDEN = ("hosted_hours", "hosted_records")  # for the city, the same as service at other units' posts


def _shown(figures: dict, key: str) -> bool:
    if key == "rank" and figures.get("rank") is None:
        return False
    if figures.get("rank") is None and key in CITY_HIDDEN:
        return False
    return key in figures  # bulletins made before a figure existed do not show it


def _flag_text(item: dict) -> str:
    if item["kind"] == "hours":
        return _("人均服务时长 %(h)s 小时，低于截至本月的目标 %(g)s 小时", h=item["h"], g=item["g"])
    return _("今年人均参加培训 %(n)s 次，少于截至本月应达到的 %(g)s 次（全年 %(y)s 次按月折算）",
             n=item["n"], g=item["g"], y=item["y"])


def flag_texts(figures: dict) -> list[str]:
    """A bulletin's flags in the reader's language. The snapshot keeps each flag's numbers
    (flag_items); bulletins made before that keep only the sentences of their day."""
    items = figures.get("flag_items")
    return figures.get("flags", []) if items is None else [_flag_text(item) for item in items]


def figure_rows(figures: dict) -> list[tuple[str, str]]:
    rows = []
    for key, label in FIGURE_LABELS:
        if not _shown(figures, key):
            continue
        value = figures[key]  # _shown: the figure is there
        if key == "participation_rate":
            value = f"{value * 100:.1f}%"
        elif isinstance(value, float):
            value = report_format.hours_text(value)
        elif key == "rank":
            value = f"{value} / {figures['units_ranked']}"
        rows.append((str(label), str(value)))
    return rows


def title_of(bulletin: Bulletin) -> str:
    year, month = parse_month(bulletin.month)
    title = _("%(unit)s %(y)d年%(m)d月志愿服务月通报", unit=unit_name(bulletin), y=year, m=month)
    if bulletin.revision:
        title += _("（修订版 %(n)d）", n=bulletin.revision)
    return title


def unit_name(bulletin: Bulletin) -> str:
    """Whose bulletin: the unit's name as snapshotted, or the city's in the reader's language."""
    return bulletin.figures["unit"] if bulletin.unit_id is not None else _("全市")


def stamp(moment) -> str:
    """A moment as the deployment's zone reads it, with the zone's name: the page, the PDF and
    the XLSX all say the same."""
    return f"{local(moment):%Y-%m-%d %H:%M} {current_app.config['TIMEZONE']}"


def xlsx_bytes(bulletin: Bulletin) -> bytes:
    """The bulletin's figures, the rows behind its hours, and the units' ranking."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("月通报")
    append_row(sheet, [title_of(bulletin)])
    append_row(sheet, [_("指标"), _("数值")])
    figures = bulletin.figures
    for key, label in FIGURE_LABELS:
        if not _shown(figures, key):
            continue
        append_row(sheet, [str(label), figures.get(key)])
        if key == "participation_rate":
            sheet.cell(row=sheet.max_row, column=2).number_format = "0.0%"
    append_row(sheet, [_("生成时间"), stamp(bulletin.generated_at)])
    sheet.column_dimensions["A"].width = 40
    months = workbook.create_sheet(_("近期服务时长"))
    append_row(months, [_("月份"), _("服务时长（小时）")])
    for point in figures["hours_by_month"]:
        append_row(months, [point["month"], point["hours"]])
    chart = BarChart()
    chart.title = _("近%(n)d个月服务时长", n=len(figures["hours_by_month"]))
    chart.add_data(Reference(months, min_col=2, min_row=1, max_row=len(figures["hours_by_month"]) + 1),
                   titles_from_data=True)
    chart.set_categories(Reference(months, min_col=1, min_row=2, max_row=len(figures["hours_by_month"]) + 1))
    months.add_chart(chart, "D2")
    ranking = workbook.create_sheet(_("单位排名"))
    append_row(ranking, [_("排名"), _("成员单位"), _("服务时长（小时）")])
    for rank, row in zip(report_format.shared_ranks([r["hours"] for r in figures["ranking"]]), figures["ranking"],
                         strict=True):
        append_row(ranking, [rank, row["unit"], row["hours"]])
    people = workbook.create_sheet(_("志愿者时长明细"))
    append_row(people, [_("志愿者编号"), _("姓名"), _("服务单位"), _("记录数"), _("服务时长（小时）")])
    for row in volunteer_rows(bulletin):
        append_row(people, list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pdf_bytes(bulletin: Bulletin) -> bytes:
    """The bulletin as a PDF: figures, flags, charts of recent months and of the units' hours,
    top volunteers; Chinese in the embedded font."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    from app.services import pdf
    font = pdf.register_font()
    figures = bulletin.figures
    flow = [pdf.paragraph(title_of(bulletin), "title"),
            pdf.paragraph(_("生成时间：%(t)s", t=stamp(bulletin.generated_at)), "small"),
            Spacer(1, 4 * mm),
            pdf.table([[_("指标"), _("数值")]] + [list(r) for r in figure_rows(figures)], col_widths=[70 * mm, 60 * mm])]
    if figures.get("flags"):
        flow += [pdf.paragraph(_("需关注"), "heading")] + [pdf.paragraph("• " + flag) for flag in flag_texts(figures)]

    def bar_chart(title, labels, values, horizontal=False):
        drawing = Drawing(170 * mm, 70 * mm if not horizontal else max(40, 8 * len(values)) * mm)
        chart = HorizontalBarChart() if horizontal else VerticalBarChart()
        chart.x, chart.y = 30 * mm if horizontal else 15 * mm, 10 * mm
        chart.width = 125 * mm if horizontal else 145 * mm
        chart.height = drawing.height - 22 * mm
        chart.data = [values or [0]]
        chart.categoryAxis.categoryNames = labels or [""]
        chart.categoryAxis.labels.fontName = font
        chart.categoryAxis.labels.fontSize = 7
        chart.valueAxis.labels.fontName = font
        chart.valueAxis.valueMin = 0
        chart.bars[0].fillColor = colors.HexColor("#b3261e")
        drawing.add(chart)
        drawing.add(String(0, drawing.height - 8 * mm, title, fontName=font, fontSize=11))
        return drawing

    months = figures["hours_by_month"]
    flow += [pdf.paragraph(_("服务时长趋势"), "heading"),
             bar_chart(_("近%(n)d个月服务时长（小时）", n=len(months)), [m["month"] for m in months],
                       [m["hours"] for m in months])]
    ranking = figures["ranking"][:15]
    flow += [pdf.paragraph(_("成员单位服务时长排名"), "heading"),
             bar_chart(_("本月各单位服务时长（小时）"), [r["unit"] for r in reversed(ranking)],
                       [r["hours"] for r in reversed(ranking)], horizontal=True)]
    if figures["top_volunteers"]:
        flow += [pdf.paragraph(_("本月服务时长前十名"), "heading"),
                 pdf.table([[_("名次"), _("志愿者"), _("编号"), _("服务时长（小时）")]] +
                           [[str(rank), v["name"], v["volunteer_no"], report_format.hours_text(v["hours"])]
                            for rank, v in zip(report_format.shared_ranks([v["hours"] for v in figures["top_volunteers"]]),
                                               figures["top_volunteers"], strict=True)])]
    return pdf.build(flow, title=title_of(bulletin), on_page=pdf.page_footer(title_of(bulletin)))


def month_choices(count: int = 12) -> list[str]:
    return _months_back(previous_month(), count)[::-1]


def today_month() -> str:
    from app.services.clock import month_of
    return month_of(now())

