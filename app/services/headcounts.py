"""Organisations and headcounts: a unit's kind, its staff on the books (在册人数) and its
registration rate (registered volunteers ÷ headcount) against the platform's target.

A headcount below the registered count is accepted but flagged; a rate never shows above 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import Setting, Unit, User, Volunteer
from app.services import audit, settings
from app.services.errors import Forbidden, ValidationFailed

UNIT_KINDS = {
    "government": _l("党政机关"),
    "institution": _l("事业单位"),
    "enterprise": _l("企业"),
    "school": _l("学校"),
    "community": _l("社区/村"),
    "organisation": _l("志愿服务组织"),
}
HEADCOUNT_MAX = 10_000_000
TARGET_KEY = "registration_target"
DEFAULT_TARGET = 100  # percent


def kind_label(kind: str | None) -> str:
    return str(UNIT_KINDS[kind]) if kind in UNIT_KINDS else _("未设置")


def set_profile(unit: Unit, *, kind: str | None, headcount: int | None, by: User) -> Unit:
    """The unit's kind and headcount; its own admins or the platform admin set them."""
    if by.role != "platform_admin" and not (by.role == "unit_admin" and by.unit_id == unit.id):
        raise Forbidden(_("您只能管理本单位的数据"))
    fields: dict[str, list[str]] = {}
    if kind is not None and kind not in UNIT_KINDS:
        fields["kind"] = [_("请从列表中选择单位类型")]
    if headcount is not None and not 1 <= headcount <= HEADCOUNT_MAX:
        fields["headcount"] = [_("在册人数应在1到%(n)d之间", n=HEADCOUNT_MAX)]
    if fields:
        raise ValidationFailed(fields=fields)
    changes = {k: v for k, v in (("kind", kind), ("headcount", headcount)) if getattr(unit, k) != v}
    for key, value in changes.items():
        setattr(unit, key, value)
    db.session.flush()
    audit.log("unit.profile_set", unit, by=by, unit_id=unit.id, changes=changes)
    return unit


def target() -> int:
    """The platform's registration-rate target, in percent (100 unless the admin set one)."""
    setting = db.session.get(Setting, TARGET_KEY)
    return int(setting.value.get("percent", DEFAULT_TARGET)) if setting else DEFAULT_TARGET


def set_target(percent: int, *, by: User) -> int:
    if by.role != "platform_admin":
        raise Forbidden(_("只有平台管理员可以设置登记率目标"))
    if not 1 <= percent <= 100:
        raise ValidationFailed(fields={"percent": [_("目标应在1%到100%之间")]})
    settings.put(TARGET_KEY, {"percent": percent})
    audit.log("registration.target_set", None, by=by, percent=percent)
    return percent


@dataclass(frozen=True)
class Registration:
    registered: int
    headcount: int | None
    target: int  # percent

    @property
    def rate(self) -> float | None:
        """registered ÷ headcount, at most 1.0; None without a headcount."""
        if not self.headcount:
            return None
        return min(1.0, self.registered / self.headcount)

    @property
    def percent(self) -> float | None:
        return None if self.rate is None else round(self.rate * 100, 1)

    @property
    def flagged(self) -> bool:
        """More registered than on the books: the headcount is probably out of date."""
        return self.headcount is not None and self.headcount < self.registered

    @property
    def meets_target(self) -> bool | None:
        return None if self.percent is None else self.percent >= self.target


def registered_counts(unit_ids: list[int] | None = None) -> dict[int, int]:
    stmt = select(Volunteer.unit_id, func.count(Volunteer.id)).group_by(Volunteer.unit_id)
    if unit_ids is not None:
        stmt = stmt.where(Volunteer.unit_id.in_(unit_ids))
    return {unit_id: n for unit_id, n in db.session.execute(stmt)}


def registration(unit: Unit) -> Registration:
    return Registration(registered_counts([unit.id]).get(unit.id, 0), unit.headcount, target())


def registrations(units: list[Unit]) -> dict[int, Registration]:
    counts, goal = registered_counts([u.id for u in units]), target()
    return {u.id: Registration(counts.get(u.id, 0), u.headcount, goal) for u in units}


def units_by_kind(active_only: bool = True) -> list[tuple[str | None, str, int]]:
    """(kind, label, units) for every kind in catalogue order, then those not set."""
    stmt = select(Unit.kind, func.count(Unit.id)).group_by(Unit.kind)
    if active_only:
        stmt = stmt.where(Unit.is_active.is_(True))
    counts = {kind: n for kind, n in db.session.execute(stmt)}
    rows: list[tuple[str | None, str, int]] = [
        (kind, str(label), counts.get(kind, 0)) for kind, label in UNIT_KINDS.items()
    ]
    if counts.get(None):
        rows.append((None, _("未设置"), counts[None]))
    return rows
