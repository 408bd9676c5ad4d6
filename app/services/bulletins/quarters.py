"""Quarterly reviews (季点评): a quarter's three original bulletins side by side and summed,
the targets pro-rated to a quarter, the units' ranking, and the office's written comment."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Bulletin, QuarterReview, Unit, User
from app.services import audit, report_format
from app.services.bulletins import campaigns as campaign_figures
from app.services.bulletins.figures import scope_of, targets
from app.services.bulletins.labels import number_text
from app.services.clock import now
from app.services.errors import Forbidden, NotFound, ValidationFailed
from app.services.months import Month
from app.services.periods import Period


def last_complete_quarter(today) -> tuple[int, int]:
    """(year, quarter) of the last quarter that has ended by `today` (a local date)."""
    current = (today.month - 1) // 3 + 1
    return (today.year, current - 1) if current > 1 else (today.year - 1, 4)


def _quarter_months(year: int, quarter: int) -> list[str]:
    if not 1 <= quarter <= 4:
        raise ValidationFailed(fields={"quarter": [_("季度应为1到4")]})
    if not 2000 <= year <= 2100:
        raise ValidationFailed(fields={"year": [_("年份应在2000到2100之间")]})
    return [str(month) for month in Month.of_quarter(year, quarter)]  # as the bulletins store them


QUARTER_SUMS = (
    "records",
    "new_volunteers",
    "star_upgrades",
    "activities",
    "trainings",
    "training_attendances",
    "late_records",
    "other_units_records",
    "hosted_records",
)
QUARTER_HOURS = ("service_hours", "late_hours", "other_units_hours", "hosted_hours")


def quarter_review(unit_id: int | None, year: int, quarter: int) -> dict:
    """季点评: the three original bulletins of a quarter side by side and their sums, the late
    records they carried (补录至以往月份), the target flags pro-rated to a quarter, the units'
    ranking by the quarter's hours, and the office's written review."""
    months = _quarter_months(year, quarter)
    originals = list(
        db.session.scalars(select(Bulletin).where(Bulletin.month.in_(months), Bulletin.revision == 0))
    )
    found = {b.month: b.figures for b in originals if b.scope == scope_of(unit_id)}
    rows = [
        {
            "month": m,
            **{
                k: found[m].get(k, 0)
                for k in (
                    "service_hours",
                    "records",
                    "active_volunteers",
                    "new_volunteers",
                    "star_upgrades",
                    "activities",
                    "training_attendances",
                    "late_records",
                    "late_hours",
                    "rank",
                    "participation_rate",
                )
            },
        }
        if m in found
        else {"month": m, "missing": True}
        for m in months
    ]
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
            hours[bulletin.unit_id] = hours.get(bulletin.unit_id, 0) + bulletin.figures.get(
                "service_hours", 0
            )
            names[bulletin.unit_id] = bulletin.figures["unit"]
    ranking = [
        {"unit_id": u, "unit": names[u], "hours": round(h, 2)}
        for u, h in sorted(hours.items(), key=lambda item: (-item[1], item[0]))
    ]

    # Target flags, pro-rated: a quarter is a quarter of the year's targets.
    flags = []
    hours_goal = goal["hours_per_volunteer_year"] / 4
    trainings_goal = goal["trainings_per_year"] / 4
    per_volunteer_hours = round(review["service_hours"] / registered, 2) if registered else 0
    per_volunteer_trainings = round(review["training_attendances"] / registered, 2) if registered else 0
    if registered and per_volunteer_hours < hours_goal:
        flags.append(
            _(
                "本季度人均服务时长 %(h)s 小时，低于季度目标 %(g)s 小时（全年 %(y)s 小时的四分之一）",
                h=number_text(per_volunteer_hours),
                g=number_text(hours_goal),
                y=number_text(goal["hours_per_volunteer_year"]),
            )
        )
    if registered and per_volunteer_trainings < trainings_goal:
        flags.append(
            _(
                "本季度人均参加培训 %(n)s 次，低于季度目标 %(g)s 次（全年 %(y)s 次的四分之一）",
                n=number_text(per_volunteer_trainings),
                g=number_text(trainings_goal),
                y=number_text(goal["trainings_per_year"]),
            )
        )
    comment = db.session.scalar(
        select(QuarterReview).where(
            QuarterReview.scope == scope_of(unit_id),
            QuarterReview.year == year,
            QuarterReview.quarter == quarter,
        )
    )
    return {
        "year": year,
        "quarter": quarter,
        "unit_id": unit_id,
        "unit": found[months[-1]]["unit"]
        if months[-1] in found
        else (present[-1]["unit"] if present else None),
        "months": rows,
        **review,
        "registered_volunteers": registered,
        "average_active_volunteers": round(sum(f["active_volunteers"] for f in present) / len(present), 1)
        if present
        else 0,
        "hours_per_volunteer": per_volunteer_hours,
        "trainings_per_volunteer": per_volunteer_trainings,
        "hours_goal": round(hours_goal, 2),
        "trainings_goal": round(trainings_goal, 2),
        "flags": flags,
        "ranking": ranking,
        "rank": next(
            (
                report_format.rank_of(r["hours"], [x["hours"] for x in ranking])
                for r in ranking
                if r["unit_id"] == unit_id
            ),
            None,
        ),
        # themes and campaigns over the whole quarter (not three months added: a volunteer
        # serving in two of its months counts once)
        "campaigns": campaign_figures.figures(*Period("quarter", year, quarter).bounds()).get(
            campaign_figures.CITY if unit_id is None else unit_id, []
        ),
        "comment": comment.comment if comment else "",
        "comment_at": comment.updated_at if comment else None,
        "complete": len(present) == 3,
    }


def save_quarter_comment(
    unit_id: int | None, year: int, quarter: int, comment: str, *, by: User
) -> QuarterReview:
    """The office's written review of a quarter (platform admin only); saving again replaces it."""
    if by.role != "platform_admin":
        raise Forbidden(_("只有文明办管理员可以撰写季度点评"))
    _quarter_months(year, quarter)
    comment = (comment or "").strip()
    if len(comment) > 5000:
        raise ValidationFailed(fields={"comment": [_("点评不能超过5000字")]})
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        raise NotFound(_("成员单位不存在"))
    row = db.session.scalar(
        select(QuarterReview).where(
            QuarterReview.scope == scope_of(unit_id),
            QuarterReview.year == year,
            QuarterReview.quarter == quarter,
        )
    )
    if row is None:
        row = QuarterReview(
            scope=scope_of(unit_id), unit_id=unit_id, year=year, quarter=quarter, comment=comment
        )
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
    ("service_hours", _l("服务时长（小时）")),
    ("records", _l("服务记录（条）")),
    ("registered_volunteers", _l("注册志愿者（季末）")),
    ("average_active_volunteers", _l("月均活跃志愿者")),
    ("hours_per_volunteer", _l("人均服务时长（小时）")),
    ("hours_goal", _l("季度人均时长目标（小时）")),
    ("training_attendances", _l("参加培训（人次）")),
    ("trainings_per_volunteer", _l("人均参加培训（次）")),
    ("trainings_goal", _l("季度人均培训目标（次）")),
    ("new_volunteers", _l("新增志愿者")),
    ("star_upgrades", _l("星级晋升（人次）")),
    ("activities", _l("开展活动（场）")),
    ("late_records", _l("补录至以往月份（条）")),
    ("late_hours", _l("补录至以往月份（小时）")),
    ("other_units_hours", _l("其中在其他单位服务岗的服务（小时）")),
    ("rank", _l("全市排名")),
]


def quarter_rows(review: dict) -> list[tuple[str, object]]:
    return [
        (str(label), review[key])
        for key, label in QUARTER_LABELS
        if not (key == "rank" and review["rank"] is None)
    ]
