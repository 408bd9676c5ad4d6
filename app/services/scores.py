"""Unit scores (测评): a versioned scheme of weighted indicators, each computed set-based from
figures the product already has, scored linearly to its target and capped; every unit gets a
score out of 100 for any period, with a breakdown and a rank.

- Targets of counts over time (hours and trainings per volunteer, activities held) are yearly
  and pro-rated to the period's months; rates (participation, on-time review, rectification
  on time) are not.
- Points of an indicator = weight × min(1, value ÷ target); the weights sum to 100.
- A unit with nothing to measure for a rate (no records reviewed, no item due) has met it.
- The registration rate (registered volunteers at the period's end ÷ the unit's headcount, at
  most 1) needs a headcount: a unit without one has the indicator marked not applicable, and
  its weight is spread over the unit's other indicators in proportion to their weights (each
  applicable weight × 100 ÷ the applicable weights' sum), so the score stays out of 100.
- An ended period is scored with the scheme in force at its end. The scheduler keeps it on the
  1st (or the office does, with a button): kept scores (ScoreSnapshot) never change, whatever
  scheme or record comes later. Until then it is computed on each look; a period still running
  is marked partial.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from app.extensions import db
from app.models import Rectification, ScoreScheme, ScoreSnapshot, ServiceRecord, Unit, User
from app.services import audit
from app.services.bulletins.figures import period_aggregates
from app.services.clock import local_today, now
from app.services.errors import Conflict, Forbidden, ValidationFailed
from app.services.periods import Period

REVIEW_DAYS = 7  # a record reviewed within this many days of its end was reviewed on time
# key: (label, yearly: pro-rated to the period, unit of the value)
INDICATORS = {
    "hours_per_volunteer": (_l("人均服务时长（小时/年）"), True, "h"),
    "participation_rate": (_l("志愿者参与率"), False, "%"),
    "trainings_per_volunteer": (_l("人均参加培训（次/年）"), True, ""),
    "activities_held": (_l("开展活动（场/年）"), True, ""),
    "records_reviewed_on_time": (_l("服务记录7日内审核率"), False, "%"),
    "rectifications_on_time": (_l("整改事项按期完成率"), False, "%"),
    "registration_rate": (_l("志愿者注册率（注册人数÷在册人数）"), False, "%"),
}
DEFAULT_SCHEME: list[dict] = [
    {"key": "hours_per_volunteer", "weight": 30, "target": 25},
    {"key": "participation_rate", "weight": 20, "target": 0.6},
    {"key": "trainings_per_volunteer", "weight": 15, "target": 2},
    {"key": "activities_held", "weight": 15, "target": 24},
    {"key": "records_reviewed_on_time", "weight": 10, "target": 0.9},
    {"key": "rectifications_on_time", "weight": 10, "target": 1},
]


def validate_indicators(indicators: list[dict]) -> list[dict]:
    """Keys from the catalogue, once each; positive targets (rates at most 1); whole weights
    summing to 100."""
    cleaned, problems = [], []
    seen = set()
    for row in indicators:
        key, weight, target = row.get("key"), row.get("weight"), row.get("target")
        if key not in INDICATORS or key in seen:
            problems.append(_("指标无效或重复"))
            continue
        seen.add(key)
        if not isinstance(weight, int) or isinstance(weight, bool) or not 0 < weight <= 100:
            problems.append(_("“%(n)s”的权重应为1–100的整数", n=INDICATORS[key][0]))
            continue
        if (
            not isinstance(target, int | float)
            or isinstance(target, bool)
            or not 0 < target <= 1_000_000
            or (INDICATORS[key][2] == "%" and target > 1)
        ):
            problems.append(_("“%(n)s”的目标值应为正数（比率不超过1）", n=INDICATORS[key][0]))
            continue
        cleaned.append({"key": key, "weight": weight, "target": float(target)})
    if not problems and sum(r["weight"] for r in cleaned) != 100:
        problems.append(_("各指标权重之和应为100，现在是%(n)d", n=sum(r["weight"] for r in cleaned)))
    if not cleaned and not problems:
        problems.append(_("至少需要一个指标"))
    if problems:
        raise ValidationFailed(fields={"indicators": problems})
    return cleaned


def save_scheme(indicators: list[dict], *, by: User) -> ScoreScheme:
    """A new version, in force from today (in the zone): periods already scored keep theirs."""
    if by.role != "platform_admin":
        raise Forbidden(_("只有文明办可以设置测评指标"))
    cleaned = validate_indicators(indicators)
    version = (db.session.scalar(select(func.max(ScoreScheme.version))) or 0) + 1
    scheme = ScoreScheme(
        version=version,
        indicators=cleaned,
        effective_from=local_today(),
        created_by_id=by.id,
        created_at=now(),
    )
    db.session.add(scheme)
    db.session.flush()
    audit.log("scores.scheme_saved", scheme, by=by, version=version, indicators=cleaned)
    return scheme


def scheme_for(period: Period) -> tuple[int, list[dict]]:
    """(version, indicators) in force at the period's end; the built-in scheme (version 0)
    before the office saved any."""
    last_day = period.next_first_day() - timedelta(days=1)
    scheme = db.session.scalar(
        select(ScoreScheme)
        .where(ScoreScheme.effective_from <= last_day)
        .order_by(ScoreScheme.version.desc())
        .limit(1)
    )
    if scheme is None:
        return 0, DEFAULT_SCHEME
    return scheme.version, scheme.indicators


def current_scheme() -> tuple[int, list[dict]]:
    scheme = db.session.scalar(select(ScoreScheme).order_by(ScoreScheme.version.desc()).limit(1))
    return (0, DEFAULT_SCHEME) if scheme is None else (scheme.version, scheme.indicators)


def _within_days(later, earlier, days: int):
    if db.session.get_bind().dialect.name == "postgresql":
        return later - earlier <= func.make_interval(0, 0, 0, days)
    return func.julianday(later) - func.julianday(earlier) <= days


def _rates(start, end) -> dict[str, dict[int, float]]:
    """On-time review (records of each unit's posts reviewed in the period) and rectification
    items due in the period closed by their deadline, per unit: one statement each."""
    reviewed = db.session.execute(
        select(
            ServiceRecord.unit_id,
            func.count(ServiceRecord.id),
            func.sum(
                case(
                    (_within_days(ServiceRecord.reviewed_at, ServiceRecord.ended_at, REVIEW_DAYS), 1), else_=0
                )
            ),
        )
        .where(
            ServiceRecord.reviewed_at >= start,
            ServiceRecord.reviewed_at < end,
            ServiceRecord.ended_at.is_not(None),
            ServiceRecord.status.in_(("approved", "rejected")),
        )
        .group_by(ServiceRecord.unit_id)
    ).all()
    items = db.session.execute(
        select(
            Rectification.unit_id,
            func.count(Rectification.id),
            func.sum(
                case(
                    (
                        (Rectification.status == "closed")
                        & (Rectification.closed_at <= Rectification.due_at),
                        1,
                    ),
                    else_=0,
                )
            ),
        )
        .where(Rectification.due_at > start, Rectification.due_at <= end)
        .group_by(Rectification.unit_id)
    ).all()
    return {
        "records_reviewed_on_time": {u: (on or 0) / n for u, n, on in reviewed if n},
        "rectifications_on_time": {u: (on or 0) / n for u, n, on in items if n},
    }


def _values(period: Period) -> tuple[list[Unit], dict[int, dict[str, float | None]]]:
    start, end = period.bounds()
    units = list(
        db.session.scalars(
            select(Unit).where(Unit.is_active.is_(True), Unit.created_at < end).order_by(Unit.id)
        )
    )
    figures = period_aggregates(start, end)
    rates = _rates(start, end)
    years = period.months / 12
    values = {}
    for unit in units:
        registered = figures["registered_volunteers"].get(unit.id, 0)
        values[unit.id] = {
            "hours_per_volunteer": figures["service_hours"].get(unit.id, 0) / registered / years
            if registered
            else 0,
            "participation_rate": figures["active_volunteers"].get(unit.id, 0) / registered
            if registered
            else 0,
            "trainings_per_volunteer": (
                figures["training_attendances"].get(unit.id, 0) / registered / years if registered else 0
            ),
            "activities_held": figures["activities"].get(unit.id, 0) / years,
            "records_reviewed_on_time": rates["records_reviewed_on_time"].get(unit.id, 1.0),
            "rectifications_on_time": rates["rectifications_on_time"].get(unit.id, 1.0),
            # not applicable without a headcount (None): see _score
            "registration_rate": min(1.0, registered / unit.headcount) if unit.headcount else None,
        }
    return units, values


def _score(indicators: list[dict], values: dict[str, float | None]) -> tuple[float, list[dict]]:
    applicable = sum(row["weight"] for row in indicators if values[row["key"]] is not None)
    breakdown = []
    for row in indicators:
        value = values[row["key"]]
        # an indicator not applicable to the unit scores nothing and its weight goes to the others
        weight = row["weight"] * 100 / applicable if value is not None else 0
        points = weight * min(1.0, value / row["target"]) if value is not None else 0
        breakdown.append(
            {
                "key": row["key"],
                "value": round(value, 4) if value is not None else None,
                "target": row["target"],
                "weight": row["weight"],
                "effective_weight": round(weight, 2),
                "points": round(points, 2),
            }
        )
    return min(100.0, round(sum(b["points"] for b in breakdown), 2)), breakdown  # rounding never tips over


def compute(period: Period) -> dict:
    """Every unit's score of the period, its breakdown and its rank (ties share a rank)."""
    version, indicators = scheme_for(period)
    units, values = _values(period)
    rows: list[dict] = []
    for unit in units:
        total, breakdown = _score(indicators, values[unit.id])
        rows.append({"unit_id": unit.id, "unit": unit.name, "score": total, "breakdown": breakdown})
    rows.sort(key=lambda r: (-r["score"], r["unit_id"]))
    for i, row in enumerate(rows):
        row["rank"] = rows[i - 1]["rank"] if i and row["score"] == rows[i - 1]["score"] else i + 1
    return {"period": str(period), "scheme_version": version, "indicators": indicators, "units": rows}


def scores(period: Period) -> dict:
    """A period's kept scores when it has them; otherwise computed now (changes nothing), and
    marked partial while the period runs."""
    kept = db.session.scalar(select(ScoreSnapshot).where(ScoreSnapshot.period == str(period)))
    if kept is not None:
        return {**kept.scores, "partial": False, "kept": True}
    return {**compute(period), "partial": not period.has_ended(), "kept": False}


def keep(period: Period, *, by: User | None = None) -> ScoreSnapshot:
    """Score an ended period with the scheme in force at its end and keep it: a later scheme
    or a late record never changes it. Keeping it again returns the kept one."""
    if by is not None and by.role != "platform_admin":
        raise Forbidden(_("只有文明办可以确定测评得分"))
    if not period.has_ended():
        raise Conflict(_("期间结束后才能确定得分"))
    kept = db.session.scalar(select(ScoreSnapshot).where(ScoreSnapshot.period == str(period)))
    if kept is None:
        result = compute(period)
        kept = ScoreSnapshot(
            period=str(period), scheme_version=result["scheme_version"], scores=result, computed_at=now()
        )
        db.session.add(kept)
        db.session.flush()
        audit.log("scores.kept", kept, by=by, period=str(period), scheme_version=result["scheme_version"])
    return kept


def keep_ended(at) -> list[str]:
    """The scheduler's run on the 1st: keep the month that just ended, and the quarter, half-year
    and year that ended with it."""
    from app.services.clock import local

    last = local(at).date().replace(day=1) - timedelta(days=1)
    periods = [Period("month", last.year, last.month)]
    if last.month % 3 == 0:
        periods.append(Period("quarter", last.year, last.month // 3))
    if last.month % 6 == 0:
        periods.append(Period("half", last.year, last.month // 6))
    if last.month == 12:
        periods.append(Period("year", last.year, 1))
    for period in periods:
        keep(period)
    return [str(p) for p in periods]


def visible_scores(result: dict, user: User) -> dict:
    """A unit admin sees the city ranking, and the breakdown of its own unit only."""
    if user.role == "platform_admin":
        return result
    rows = [row if row["unit_id"] == user.unit_id else {**row, "breakdown": []} for row in result["units"]]
    return {**result, "units": rows}
