"""Half-year (半年) and annual (年度) reviews: for every unit and the city, the period's sums on
the bulletins' bases (figures.period_aggregates), the scores with their breakdown (scores.py),
the months in which a unit held no activity or had no approved service, the lagging units
(后进单位) by the rule kept in the review, and the office's written comments.

A draft is made by the scheduler when a period ends (or by the office at any time: a draft of
a period still running is marked partial) and may be refreshed; publishing freezes it. A
correction is the next numbered revision, made from today's ledger, published in its turn."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from app.extensions import db
from app.models import Activity, PeriodReview, ServiceRecord, Unit, User, Volunteer
from app.services import audit, contributions, scores
from app.services.bulletins import campaigns as campaign_figures
from app.services.bulletins.figures import CITY, period_aggregates, scope_of
from app.services.clock import local, now
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.services.periods import Period

KINDS = ("half", "year")
COMMENT_MAX = 5000
DEFAULT_RULE = {"kind": "bottom", "value": 3}
BOTTOM_MAX = 50
SUMS = (
    "registered_volunteers",
    "active_volunteers",
    "records",
    "other_units_records",
    "activities",
    "trainings",
    "training_attendances",
)
HOURS = ("service_hours", "other_units_hours")
NO_CONTRIBUTIONS = contributions.NOTHING


def review_period(text: str | None, field: str = "period") -> Period:
    """A half-year (2026-H1) or a year (2026)."""
    period = Period.parse(text, field)
    if period.kind not in KINDS:
        raise ValidationFailed(fields={field: [_("点评期间应为半年（如 2026-H1）或年度（如 2026）")]})
    return period


def _monthly(period: Period) -> dict[str, dict[int, list[int]]]:
    """Approved records (by the volunteer's home unit, as the bulletins count them) and activities
    held (by the organising unit) in each month of the period, per unit: one statement each."""
    months = period.month_list()
    start, end = period.bounds()

    def per_month(column):
        return [func.sum(case(((column >= m.start) & (column < m.end), 1), else_=0)) for m in months]

    records = db.session.execute(
        select(Volunteer.unit_id, *per_month(ServiceRecord.started_at))
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(
            ServiceRecord.status == "approved",
            ServiceRecord.started_at >= start,
            ServiceRecord.started_at < end,
        )
        .group_by(Volunteer.unit_id)
    ).all()
    activities = db.session.execute(
        select(Activity.unit_id, *per_month(Activity.starts_at))
        .where(Activity.starts_at >= start, Activity.starts_at < end, Activity.is_cancelled.is_(False))
        .group_by(Activity.unit_id)
    ).all()
    return {
        "records": {row[0]: [n or 0 for n in row[1:]] for row in records},
        "activities": {row[0]: [n or 0 for n in row[1:]] for row in activities},
    }


def _sums(values: dict[str, float | int]) -> dict:
    registered = values["registered_volunteers"]
    return {
        **values,
        "participation_rate": round(values["active_volunteers"] / registered, 4) if registered else 0.0,
        "hours_per_volunteer": round(values["service_hours"] / registered, 2) if registered else 0.0,
    }


def compute(period: Period) -> dict:
    """The review's figures as of now: every unit's row (sums, score, rank, breakdown, quiet
    months) and the city's sums (the units' sums, as in the bulletins)."""
    start, end = period.bounds()
    at = now()
    figures = period_aggregates(start, end)
    by_campaign = campaign_figures.figures(start, end)
    monthly = _monthly(period)
    given = contributions.period_figures(period)  # never hours: shown beside them
    scored = scores.scores(period)
    by_unit = {row["unit_id"]: row for row in scored["units"]}
    months = period.month_list()
    units = list(db.session.scalars(select(Unit).where(Unit.created_at < end).order_by(Unit.id)))
    rows = []
    for unit in units:
        values = {k: figures[k].get(unit.id, 0) for k in SUMS}
        values.update({k: round(figures[k].get(unit.id, 0), 2) for k in HOURS})
        quiet = []
        for i, month in enumerate(months):
            if month.end > at or month.start < unit.created_at:  # running, or before the unit existed
                continue
            no_activity = not monthly["activities"].get(unit.id, [0] * len(months))[i]
            no_service = not monthly["records"].get(unit.id, [0] * len(months))[i]
            if no_activity or no_service:
                quiet.append({"month": str(month), "no_activity": no_activity, "no_service": no_service})
        score = by_unit.get(unit.id)
        rows.append(
            {
                "unit_id": unit.id,
                "unit": unit.name,
                **_sums(values),
                **given.get(unit.id, NO_CONTRIBUTIONS),
                "score": score["score"] if score else None,
                "rank": score["rank"] if score else None,
                "breakdown": score["breakdown"] if score else [],
                "quiet": quiet,
                "campaigns": by_campaign.get(unit.id, []),
            }
        )
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["unit_id"]))
    city: dict[str, Any] = {k: sum(figures[k].values()) for k in SUMS}
    city.update({k: round(sum(figures[k].values()), 2) for k in HOURS})
    for key in ("money", "goods", "donations", "blood", "donations_target", "blood_target"):
        known = [r[key] for r in rows if r[key] is not None]
        city[key] = round(sum(known), 2) if known else None
    for key in ("donations", "blood"):
        goal = city[f"{key}_target"]
        city[f"{key}_rate"] = round(city[key] / goal, 4) if goal else None
    return {
        "period": str(period),
        "kind": period.kind,
        "months": [str(m) for m in months],
        "scheme_version": scored["scheme_version"],
        "indicators": scored["indicators"],
        "scores_kept": scored.get("kept", False),
        "city": _sums(city),
        "campaigns": by_campaign.get(campaign_figures.CITY, []),
        "units": rows,
    }


def check_rule(kind: str | None, value) -> dict:
    """后进单位: the bottom N units by score (ties with the N-th included), or those below a score."""
    if kind == "bottom":
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= BOTTOM_MAX:
            raise ValidationFailed(fields={"value": [_("末位单位数应为1到%(n)d的整数", n=BOTTOM_MAX)]})
        return {"kind": kind, "value": value}
    if kind == "below":
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= 100:
            raise ValidationFailed(fields={"value": [_("分数线应在0到100之间")]})
        return {"kind": kind, "value": float(value)}
    raise ValidationFailed(fields={"kind": [_("请选择后进单位的认定规则")]})


def lagging(figures: dict, rule: dict) -> list[dict]:
    """The units the rule names, lowest score first."""
    scored = sorted(
        (r for r in figures["units"] if r["score"] is not None), key=lambda r: (r["score"], r["unit_id"])
    )
    if not scored:
        return []
    if rule["kind"] == "bottom":
        line = scored[min(rule["value"], len(scored)) - 1]["score"]
        return [r for r in scored if r["score"] <= line]
    return [r for r in scored if r["score"] < rule["value"]]


def rule_text(rule: dict) -> str:
    if rule["kind"] == "bottom":
        return _("得分末位 %(n)d 名（同分并列）", n=rule["value"])
    return _("得分低于 %(s)s 分", s=f"{rule['value']:g}")


# The review's life -------------------------------------------------------------------------


def _office(by: User | None) -> None:
    if by is not None and by.role != "platform_admin":
        raise Forbidden(_("只有文明办可以编制和发布点评"))


def _draft_only(review: PeriodReview) -> None:
    if review.published_at is not None:
        raise Conflict(_("点评已发布，不能再修改；如需更正，请发布修订版"))


def _fill(review: PeriodReview, period: Period, figures: dict) -> None:
    review.figures = figures
    review.partial = not period.has_ended()
    review.computed_at = now()


def latest(period: Period) -> PeriodReview | None:
    return db.session.scalar(
        select(PeriodReview)
        .where(PeriodReview.period == str(period))
        .order_by(PeriodReview.revision.desc())
        .limit(1)
    )


def make_draft(period: Period, *, by: User | None = None) -> PeriodReview:
    """The period's draft: made, or refreshed from today's ledger when one exists. A published
    period is corrected with revise()."""
    _office(by)
    review = latest(period)
    if review is not None and review.published_at is not None:
        raise Conflict(_("该期间的点评已发布；如需更正，请发布修订版"))
    figures = compute(period)  # before the new row joins the session (autoflush)
    if review is None:
        review = PeriodReview(
            period=str(period),
            revision=0,
            rule=dict(DEFAULT_RULE),
            comments={},
            created_by_id=by.id if by else None,
        )
        db.session.add(review)
    _fill(review, period, figures)
    db.session.flush()
    audit.log("review.drafted", review, by=by, period=str(period), partial=review.partial)
    return review


def refresh(review: PeriodReview, *, by: User) -> PeriodReview:
    _office(by)
    _draft_only(review)
    return make_draft(Period.parse(review.period), by=by)


def set_rule(review: PeriodReview, kind: str | None, value, *, by: User) -> PeriodReview:
    _office(by)
    _draft_only(review)
    review.rule = check_rule(kind, value)
    db.session.flush()
    audit.log("review.rule_set", review, by=by, rule=review.rule)
    return review


def save_comment(review: PeriodReview, unit_id: int | None, text: str | None, *, by: User) -> PeriodReview:
    """The office's written comment on the city's review or one unit's; saving again replaces it."""
    _office(by)
    _draft_only(review)
    text = (text or "").strip()
    if len(text) > COMMENT_MAX:
        raise ValidationFailed(fields={"comment": [_("点评不能超过%(n)d字", n=COMMENT_MAX)]})
    if unit_id is not None and all(r["unit_id"] != unit_id for r in review.figures["units"]):
        raise NotFound(_("成员单位不存在"))
    review.comments = {**review.comments, scope_of(unit_id): text}
    db.session.flush()
    audit.log("review.commented", review, by=by, unit_id=unit_id)
    return review


def publish(review: PeriodReview, *, by: User) -> PeriodReview:
    """The draft as it stands becomes the published review: never changed again."""
    _office(by)
    _draft_only(review)
    period = Period.parse(review.period)
    if not period.has_ended():
        raise Conflict(_("期间结束后才能发布点评"))
    if review.partial:
        raise Conflict(_("草稿是期间结束前生成的，请先刷新数据再发布"))
    review.published_at = now()
    review.published_by_id = by.id
    db.session.flush()
    audit.log("review.published", review, by=by, period=review.period, revision=review.revision)
    return review


def revise(review: PeriodReview, *, by: User) -> PeriodReview:
    """A correction of the latest published review: the next revision, a draft from today's
    ledger with the same rule and comments, to be published in its turn."""
    _office(by)
    period = Period.parse(review.period)
    current = latest(period)
    if current is None or current.published_at is None:
        raise Conflict(_("已有未发布的修订草稿"))
    figures = compute(period)
    draft = PeriodReview(
        period=current.period,
        revision=current.revision + 1,
        rule=dict(current.rule),
        comments=dict(current.comments),
        created_by_id=by.id,
    )
    db.session.add(draft)
    _fill(draft, period, figures)
    db.session.flush()
    audit.log("review.revised", draft, by=by, period=draft.period, revision=draft.revision)
    return draft


def draft_ended(at) -> list[str]:
    """The scheduler's run after a half-year ends: the drafts of the half-year (and of the year
    in January) that just ended, made once; a draft made before the end is refreshed."""
    last = local(at).date().replace(day=1) - timedelta(days=1)
    periods = []
    if last.month % 6 == 0:
        periods.append(Period("half", last.year, last.month // 6))
    if last.month == 12:
        periods.append(Period("year", last.year, 1))
    made = []
    for period in periods:
        review = latest(period)
        if review is None or (review.published_at is None and review.partial):
            make_draft(period)
            made.append(str(period))
    return made


# Reading -----------------------------------------------------------------------------------


def list_reviews(user: User) -> list[PeriodReview]:
    """Newest period first; a unit admin sees published ones only."""
    stmt = select(PeriodReview).order_by(PeriodReview.period.desc(), PeriodReview.revision.desc())
    if user.role != "platform_admin":
        stmt = stmt.where(PeriodReview.published_at.is_not(None))
    return list(db.session.scalars(stmt))


def get_review(user: User, review_id: int) -> PeriodReview:
    review = db.session.get(PeriodReview, review_id)
    if review is None or (user.role != "platform_admin" and review.published_at is None):
        raise NotFound(_("点评不存在"))
    return review


def view(review: PeriodReview, unit_id: int | None, user: User) -> dict:
    """What one scope of the review shows: the city's or a unit's sums, its quiet months, the
    lagging units, the ranking (a unit admin sees other units' scores only), the comment."""
    if user.role != "platform_admin" and (user.unit_id is None or unit_id != user.unit_id):
        raise Forbidden(_("只能查看本单位的点评"))
    figures = review.figures
    row = next((r for r in figures["units"] if r["unit_id"] == unit_id), None)
    if unit_id is not None and row is None:
        raise NotFound(_("该单位不在本期点评中"))
    names = lagging(figures, review.rule)
    ranking = [
        r
        if user.role == "platform_admin" or r["unit_id"] == unit_id
        else {"unit_id": r["unit_id"], "unit": r["unit"], "score": r["score"], "rank": r["rank"]}
        for r in figures["units"]
    ]
    period = Period.parse(review.period)
    return {
        "review": review,
        "period": period,
        "unit_id": unit_id,
        "name": row["unit"] if row else _("全市"),
        "sums": row or figures["city"],
        "row": row,
        "quiet": [
            q | {"unit": r["unit"], "unit_id": r["unit_id"]}
            for r in figures["units"]
            for q in r["quiet"]
            if unit_id is None or r["unit_id"] == unit_id
        ],
        "lagging": names,
        "is_lagging": row is not None and any(r["unit_id"] == unit_id for r in names),
        "rule": rule_text(review.rule),
        "ranking": ranking,
        # reviews made before campaigns were counted have none
        "campaigns": (row or figures).get("campaigns", []),
        "comment": review.comments.get(scope_of(unit_id) if unit_id is not None else CITY, ""),
        "title": title(review, row["unit"] if row else _("全市"), period),
    }


def title(review: PeriodReview, name: str, period: Period | None = None) -> str:
    period = period or Period.parse(review.period)
    text = _("%(name)s %(period)s志愿服务点评", name=name, period=period.label())
    if review.revision:
        text += _("（修订版 %(n)d）", n=review.revision)
    return text


def quiet_text(item: dict) -> str:
    if item["no_activity"] and item["no_service"]:
        return _("%(m)s 未开展活动，也无审核通过的服务记录", m=item["month"])
    if item["no_activity"]:
        return _("%(m)s 未开展活动", m=item["month"])
    return _("%(m)s 无审核通过的服务记录", m=item["month"])
