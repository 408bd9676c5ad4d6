"""The service-category catalogue (服务类别), kept by the platform admin.

Posts and activities (and whatever else later carries a `category_id` that refers to
`service_categories`) choose from it; a category in use cannot be removed, only retired
(made inactive), so that what already carries it keeps its figures.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, func, select

from app.extensions import db
from app.models import ServiceCategory, User
from app.services import audit
from app.services.errors import Conflict, Forbidden, ValidationFailed

NAME_MAX = 30
NAME_EN_MAX = 60


def _ensure_platform_admin(by: User | None) -> None:
    if by is not None and by.role != "platform_admin":
        raise Forbidden(_("只有平台管理员可以维护服务类别"))


def list_categories(active_only: bool = False) -> list[ServiceCategory]:
    stmt = select(ServiceCategory).order_by(ServiceCategory.position, ServiceCategory.id)
    if active_only:
        stmt = stmt.where(ServiceCategory.active.is_(True))
    return list(db.session.scalars(stmt))


def _clean(
    name: str | None, name_en: str | None, *, keep: ServiceCategory | None = None
) -> tuple[str, str | None]:
    name = " ".join((name or "").split())
    name_en = " ".join((name_en or "").split()) or None
    fields: dict[str, list[str]] = {}
    if not name or len(name) > NAME_MAX:
        fields["name"] = [_("请填写类别名称（不超过%(n)d字）", n=NAME_MAX)]
    else:
        clash = select(ServiceCategory.id).where(func.lower(ServiceCategory.name) == name.lower())
        if keep is not None:
            clash = clash.where(ServiceCategory.id != keep.id)
        if db.session.scalar(clash) is not None:
            fields["name"] = [_("已有同名的服务类别")]
    if name_en is not None and len(name_en) > NAME_EN_MAX:
        fields["name_en"] = [_("英文名称不能超过%(n)d个字符", n=NAME_EN_MAX)]
    if fields:
        raise ValidationFailed(fields=fields)
    return name, name_en


def create_category(name: str, name_en: str | None = None, *, by: User | None) -> ServiceCategory:
    _ensure_platform_admin(by)
    name, name_en = _clean(name, name_en)
    position = (db.session.scalar(select(func.max(ServiceCategory.position))) or 0) + 1
    category = ServiceCategory(name=name, name_en=name_en, position=position, active=True)
    db.session.add(category)
    db.session.flush()
    audit.log("category.created", category, by=by, name=name)
    return category


def rename_category(
    category: ServiceCategory, name: str, name_en: str | None = None, *, by: User | None
) -> ServiceCategory:
    _ensure_platform_admin(by)
    name, name_en = _clean(name, name_en, keep=category)
    old = category.name
    category.name, category.name_en = name, name_en
    db.session.flush()
    audit.log("category.renamed", category, by=by, old=old, name=name)
    return category


def set_active(category: ServiceCategory, active: bool, *, by: User | None) -> ServiceCategory:
    """Retire a category (offered for nothing new; what carries it keeps it) or bring it back."""
    _ensure_platform_admin(by)
    category.active = active
    db.session.flush()
    audit.log("category.enabled" if active else "category.disabled", category, by=by)
    return category


def _referring_columns():
    """Every column of every table that refers to service_categories.id."""
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == ServiceCategory.__tablename__:
                yield fk.parent


def in_use(category: ServiceCategory) -> bool:
    return any(
        db.session.scalar(select(exists().where(column == category.id))) for column in _referring_columns()
    )


def remove_category(category: ServiceCategory, *, by: User | None) -> None:
    """Delete a category nothing carries; one in use is refused (retire it instead)."""
    _ensure_platform_admin(by)
    if in_use(category):
        raise Conflict(_("服务类别“%(n)s”已被服务岗、活动等使用，不能删除；可以停用它", n=category.name))
    audit.log("category.removed", category, by=by, name=category.name)
    db.session.delete(category)
    db.session.flush()


def check_choice(category_id: int | None, *, current: int | None = None) -> list[str]:
    """Messages for a chosen category id: it must exist and be active (a retired one only
    when the thing already carries it). Empty when the choice is fine (None = 未分类)."""
    if category_id is None:
        return []
    category = db.session.get(ServiceCategory, category_id)
    if category is None or (not category.active and category_id != current):
        return [_("请从目录中选择服务类别")]
    return []


def choices(current: int | None = None) -> list[tuple[int, str]]:
    """(id, label) of the active categories, and of the current one when it is retired."""
    return [(c.id, c.label) for c in list_categories() if c.active or c.id == current]
