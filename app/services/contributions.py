"""Contributions other than hours: donations of money or goods (in yuan, goods at their
estimated value) and blood drives (献血人次), recorded by a unit with evidence files, counted
against the yearly targets the office sets, and shown in the reviews. They are kept apart from
the ledger: they never count as hours or stars."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Contribution, ContributionFile, ContributionTarget, Unit, User
from app.services import audit, evidence_files
from app.services.clock import local_today, now
from app.services.errors import Forbidden, NotFound, ValidationFailed
from app.services.inputs import SERVICE_MIN_YEAR, Upload
from app.services.periods import Period

KINDS = {"money": _l("捐款"), "goods": _l("捐物"), "blood": _l("献血")}
DESCRIPTION_MAX = 200
AMOUNT_MAX = Decimal("100000000")  # yuan
PERSONS_MAX = 100_000


def _amount(value, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(fields={field: [_("请填写金额")]}) from None
    if not Decimal("0") < amount <= AMOUNT_MAX:
        raise ValidationFailed(fields={field: [_("金额应大于0且不超过一亿元")]})
    return amount


def _persons(value, field: str = "persons") -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= PERSONS_MAX:
        raise ValidationFailed(fields={field: [_("人次应为1到%(n)d的整数", n=PERSONS_MAX)]})
    return value


def _day(day: date | None) -> date:
    if day is None:
        raise ValidationFailed(fields={"day": [_("请填写日期")]})
    if day > local_today():
        raise ValidationFailed(fields={"day": [_("日期不能晚于今天")]})
    if day.year < SERVICE_MIN_YEAR:
        raise ValidationFailed(fields={"day": [_("日期不能早于%(y)d年", y=SERVICE_MIN_YEAR)]})
    return day


def record(
    unit_id: int,
    *,
    kind: str,
    day: date | None,
    by: User,
    description: str | None = None,
    amount=None,
    persons: int | None = None,
    files: list[Upload] | None = None,
) -> Contribution:
    """A unit admin records a contribution of its unit (the office may record for any unit),
    with at least one evidence file."""
    if not (by.role == "platform_admin" or (by.role == "unit_admin" and by.unit_id == unit_id)):
        raise Forbidden(_("只能登记本单位的捐赠和献血"))
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(_("成员单位不存在"))
    if kind not in KINDS:
        raise ValidationFailed(fields={"kind": [_("请选择类型")]})
    description = (description or "").strip() or None
    if description and len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(fields={"description": [_("不能超过%(n)d个字", n=DESCRIPTION_MAX)]})
    if kind == "goods" and not description:
        raise ValidationFailed(fields={"description": [_("请写明捐赠的物品")]})
    checked = evidence_files.check(files or [])
    if not checked:
        raise ValidationFailed(fields={"files": [_("请上传证明材料（PDF或图片）")]})
    item = Contribution(
        unit_id=unit.id,
        kind=kind,
        day=_day(day),
        description=description,
        amount=_amount(amount) if kind != "blood" else None,
        persons=_persons(persons) if kind == "blood" else None,
        recorded_by_id=by.id,
        recorded_at=now(),
    )
    item.files = [
        ContributionFile(filename=f.filename, content_type=f.content_type, size=len(f.data), data=f.data)
        for f in checked
    ]
    db.session.add(item)
    db.session.flush()
    audit.log(
        "contribution.recorded", item, by=by, unit_id=unit.id, kind=kind, files=[f.filename for f in checked]
    )
    return item


def set_target(
    unit_id: int, year: int, *, donations=None, blood: int | None = None, by: User
) -> ContributionTarget:
    """The office's yearly targets for a unit; an empty one means none."""
    if by.role != "platform_admin":
        raise Forbidden(_("只有文明办可以设置年度目标"))
    if db.session.get(Unit, unit_id) is None:
        raise NotFound(_("成员单位不存在"))
    if not SERVICE_MIN_YEAR <= year <= local_today().year + 1:
        raise ValidationFailed(fields={"year": [_("年份应在%(a)d年至明年之间", a=SERVICE_MIN_YEAR)]})
    donations = None if donations in (None, "") else _amount(donations, "donations")
    blood = None if blood is None else _persons(blood, "blood")
    target = db.session.scalar(
        select(ContributionTarget).where(
            ContributionTarget.unit_id == unit_id, ContributionTarget.year == year
        )
    )
    if target is None:
        target = ContributionTarget(unit_id=unit_id, year=year)
        db.session.add(target)
    target.donations, target.blood = donations, blood
    target.updated_by_id, target.updated_at = by.id, now()
    db.session.flush()
    audit.log(
        "contribution.target_set",
        target,
        by=by,
        unit_id=unit_id,
        year=year,
        donations=str(donations),
        blood=blood,
    )
    return target


def totals(first: date, after: date) -> dict[int, dict[str, float]]:
    """Per unit, contributions dated in [first, after): money, goods, donations (both) in yuan
    and blood in persons — one GROUP BY."""
    rows = db.session.execute(
        select(
            Contribution.unit_id,
            func.sum(case((Contribution.kind == "money", Contribution.amount), else_=0)),
            func.sum(case((Contribution.kind == "goods", Contribution.amount), else_=0)),
            func.sum(case((Contribution.kind == "blood", Contribution.persons), else_=0)),
        )
        .where(Contribution.day >= first, Contribution.day < after)
        .group_by(Contribution.unit_id)
    ).all()
    return {
        u: {
            "money": round(float(m or 0), 2),
            "goods": round(float(g or 0), 2),
            "donations": round(float((m or 0) + (g or 0)), 2),
            "blood": int(b or 0),
        }
        for u, m, g, b in rows
    }


def targets(year: int) -> dict[int, ContributionTarget]:
    return {
        t.unit_id: t
        for t in db.session.scalars(select(ContributionTarget).where(ContributionTarget.year == year))
    }


EMPTY = {"money": 0.0, "goods": 0.0, "donations": 0.0, "blood": 0}
NOTHING = {
    **EMPTY,
    "donations_target": None,
    "blood_target": None,
    "donations_rate": None,
    "blood_rate": None,
}


def period_figures(period: Period) -> dict[int, dict]:
    """Each unit's contributions in a period, and the year's targets pro-rated to it."""
    done = totals(period.first_day(), period.next_first_day())
    goals = targets(period.year)
    share = period.months / 12
    result = {}
    for unit_id in set(done) | set(goals):
        target = goals.get(unit_id)
        row: dict[str, Any] = dict(done.get(unit_id, EMPTY))
        donations_goal = float(target.donations) * share if target and target.donations else None
        blood_goal = target.blood * share if target and target.blood else None
        row.update(
            {
                "donations_target": round(donations_goal, 2) if donations_goal else None,
                "blood_target": round(blood_goal, 1) if blood_goal else None,
                "donations_rate": round(row["donations"] / donations_goal, 4) if donations_goal else None,
                "blood_rate": round(row["blood"] / blood_goal, 4) if blood_goal else None,
            }
        )
        result[unit_id] = row
    return result


def overview(year: int) -> list[dict]:
    """Every active unit's contributions in the year against its targets (the office's page)."""
    figures = period_figures(Period("year", year, 1))
    return [
        {
            "unit_id": u.id,
            "unit": u.name,
            **figures.get(u.id, NOTHING),
        }
        for u in db.session.scalars(select(Unit).where(Unit.is_active.is_(True)).order_by(Unit.id))
    ]


def list_for(user: User, year: int) -> list[Contribution]:
    stmt = (
        select(Contribution)
        .options(  # no query per row, and not the files' bytes
            selectinload(Contribution.files).load_only(
                ContributionFile.id, ContributionFile.contribution_id, ContributionFile.filename
            ),
            selectinload(Contribution.unit),
        )
        .where(Contribution.day >= date(year, 1, 1), Contribution.day < date(year + 1, 1, 1))
        .order_by(Contribution.day.desc(), Contribution.id.desc())
    )
    if user.role != "platform_admin":
        stmt = stmt.where(Contribution.unit_id == user.unit_id)
    return list(db.session.scalars(stmt))


def get_file(user: User, contribution_id: int, file_id: int) -> ContributionFile:
    found = db.session.get(ContributionFile, file_id)
    if (
        found is None
        or found.contribution_id != contribution_id
        or (user.role != "platform_admin" and found.contribution.unit_id != user.unit_id)
    ):
        raise NotFound(_("附件不存在"))
    return found


def period_figures_for_unit(unit_id: int | None, year: int) -> dict:
    """One unit's year against its targets (the unit admin's page)."""
    return period_figures(Period("year", year, 1)).get(unit_id, NOTHING) if unit_id else NOTHING
