"""Member units and who may act on them."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Unit, User
from app.services import audit
from app.services.errors import Conflict, Forbidden, ValidationFailed


def can_manage_unit(user: User | None, unit_id: int | None) -> bool:
    """Platform admins act on every unit; a unit admin only on their own."""
    if user is None or not user.is_authenticated:
        return False
    if user.role == "platform_admin":
        return True
    return user.role == "unit_admin" and unit_id is not None and user.unit_id == unit_id


def ensure_can_manage_unit(user: User, unit_id: int | None) -> None:
    if not can_manage_unit(user, unit_id):
        raise Forbidden(_("您只能管理本单位的数据"))


def ensure_office(user: User | None, message: Any) -> None:
    """Steps only the office (the platform's admins) takes; `message` names the step refused."""
    if user is None or user.role != "platform_admin":
        raise Forbidden(message)


def list_units(active_only: bool = False) -> list[Unit]:
    stmt = select(Unit).order_by(Unit.id)
    if active_only:
        stmt = stmt.where(Unit.is_active.is_(True))
    return list(db.session.scalars(stmt))


def _validate(name: str, contact_email: str | None, unit_id: int | None = None) -> tuple[str, str | None]:
    name = (name or "").strip()
    email = (contact_email or "").strip() or None
    fields = {}
    if not name or len(name) > 100:
        fields["name"] = [_("请填写单位名称（不超过100字）")]
    if email and ("@" not in email or len(email) > 200):
        fields["contact_email"] = [_("邮箱格式不正确")]
    if fields:
        raise ValidationFailed(fields=fields)
    # Case-folded in Python: SQL's lower() folds only ASCII on SQLite ('Ÿ' vs 'ÿ').
    folded = name.casefold()
    clash = next(
        (uid for uid, other in db.session.execute(select(Unit.id, Unit.name)) if other.casefold() == folded),
        None,
    )
    if clash is not None and clash != unit_id:
        raise Conflict(_("已有同名的成员单位"), fields={"name": [_("已有同名的成员单位")]})
    return name, email


def create_unit(*, name: str, contact_email: str | None = None, by: User) -> Unit:
    name, email = _validate(name, contact_email)
    unit = Unit(name=name, contact_email=email)
    db.session.add(unit)
    db.session.flush()
    audit.log("unit.created", unit, by=by, unit_id=unit.id, name=name)
    return unit


def update_unit(unit: Unit, *, name: str, contact_email: str | None, is_active: bool, by: User) -> Unit:
    name, email = _validate(name, contact_email, unit.id)
    changes: dict[str, Any]
    changes = {
        k: v
        for k, v in (("name", name), ("contact_email", email), ("is_active", is_active))
        if getattr(unit, k) != v
    }
    for key, value in changes.items():
        setattr(unit, key, value)
    audit.log("unit.updated", unit, by=by, unit_id=unit.id, **changes)
    return unit


def unit_admins(unit_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role == "unit_admin", User.unit_id == unit_id).order_by(User.id)
        )
    )


def visible_to_admin(model, user: User | None):
    """A select of `model`'s rows an admin may see: all for the platform admin, their own
    unit's (model.unit_id) for a unit admin, none for anyone else."""
    stmt = select(model)
    if user is not None and user.role == "platform_admin":
        return stmt
    if user is not None and user.role == "unit_admin" and user.unit_id is not None:
        return stmt.where(model.unit_id == user.unit_id)
    return stmt.where(model.id.is_(None))
