"""Residents' needs (微心愿): a resident asks (点单), the centre dispatches (派单), volunteers take
it (接单), the resident rates it (评单). This module takes a need in and reads it; its status
changes are in app.services.need_workflow, the volunteers' sign-ups in app.services.need_signups.

The resident's name and phone are personal data: shown masked, read in full only by the
admins of the need (and that reading is audited), erased RETENTION_DAYS after the need is
closed. The resident's tracking code is handed out once and kept only as a keyed hash.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from app.extensions import db, execute_dml
from app.models import Need, Unit, User
from app.services import audit, categories, identity, sms, units
from app.services.clock import local_today, now
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed, get_or_404

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
CODE_LENGTH = 10
TEXT_MAX, PLACE_MAX, NAME_MAX, REASON_MAX = 500, 200, 50, 500
CAPACITY_MAX = 100
STATUSES = ("submitted", "accepted", "declined", "merged", "published", "served", "rated")
OPEN_STATUSES = ("submitted", "accepted")  # waiting for the centre
CLOSED_STATUSES = ("declined", "merged", "rated")
DEFAULT_RETENTION_DAYS = 30
DEFAULT_WAITING_DAYS = 3


@dataclass
class NeedInput:
    category_id: int | None
    text: str
    place: str
    wished_date: date | None
    name: str
    phone: str
    unit_id: int | None = None


def normalize_code(code: str | None) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:40]


def _code_hash(code: str) -> str:
    return identity.keyed_hash("need:" + normalize_code(code))


def _validated(data: NeedInput) -> NeedInput:
    fields: dict[str, list[str]] = {}
    data.text, data.place, data.name = ((v or "").strip() for v in (data.text, data.place, data.name))
    if not data.text or len(data.text) > TEXT_MAX:
        fields["text"] = [_("请简要说明需求（不超过500字）")]
    if not data.place or len(data.place) > PLACE_MAX:
        fields["place"] = [_("请填写地点（不超过200字）")]
    if data.wished_date is None:
        fields["wished_date"] = [_("请选择希望完成的日期")]
    elif not local_today() <= data.wished_date <= local_today() + timedelta(days=366):
        fields["wished_date"] = [_("希望完成的日期应在今天到一年之内")]
    if not data.name or len(data.name) > NAME_MAX:
        fields["name"] = [_("请填写称呼（不超过50字）")]
    try:
        data.phone = identity.normalize_phone(data.phone)
    except ValueError as exc:
        fields["phone"] = [str(exc)]
    if data.category_id is None:
        fields["category_id"] = [_("请选择需求类别")]
    elif bad := categories.check_choice(data.category_id):
        fields["category_id"] = bad
    if data.unit_id is not None:
        unit = db.session.get(Unit, data.unit_id)
        if unit is None or not unit.is_active:
            fields["unit_id"] = [_("成员单位不存在")]
    if fields:
        raise ValidationFailed(fields=fields)
    return data


def submit_need(data: NeedInput, *, by: User | None = None) -> tuple[Need, str]:
    """点单: a resident's need (or one a unit admin takes down from a phone call, for that unit).
    Returns the need and its tracking code, which is shown once and stored only hashed."""
    if by is not None:
        if by.role not in ("platform_admin", "unit_admin"):
            raise Forbidden()
        if by.role == "unit_admin":
            data.unit_id = by.unit_id
    data = _validated(data)
    code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    need = Need(
        code_hash=_code_hash(code),
        source="phone" if by else "public",
        category_id=data.category_id,
        text=data.text,
        place=data.place,
        wished_date=data.wished_date,
        resident_name=data.name,
        resident_phone=data.phone,
        unit_id=data.unit_id,
        created_by_id=by.id if by else None,
        created_at=now(),
    )
    db.session.add(need)
    db.session.flush()
    audit.log("need.submitted", need, by=by, unit_id=need.unit_id, source=need.source)
    if sms.is_configured():
        sms.send(
            data.phone,
            _(
                "您的需求已收到，编号%(n)s，查询码%(c)s。查询与评价：%(u)s",
                n=need.number,
                c=code,
                u=tracking_url(),
            ),
        )
    return need, code


def tracking_url(code: str | None = None) -> str:
    """The page a resident follows the need on; the code travels after #, never to a log."""
    base = f"{current_app.config['BASE_URL']}/needs/track"
    return f"{base}#{code}" if code else base


# Reading -------------------------------------------------------------------------------------


def can_manage(user: User | None, need: Need) -> bool:
    """The platform admin handles every need; a unit admin the needs with their unit."""
    return (
        user is not None
        and units.can_manage_unit(user, need.unit_id)
        and (user.role == "platform_admin" or need.unit_id is not None)
    )


def get_need(need_id: int) -> Need:
    return get_or_404(Need, need_id, _("需求不存在"))


def need_for_admin(user: User, need_id: int) -> Need:
    """A need its admins may handle; to anyone else it does not exist."""
    need = db.session.get(Need, need_id)
    if need is None or not can_manage(user, need):
        raise NotFound(_("需求不存在"))
    return need


def by_code(code: str) -> Need:
    need = (
        db.session.scalar(select(Need).where(Need.code_hash == _code_hash(code)))
        if normalize_code(code)
        else None
    )
    if need is None:
        raise NotFound(_("查询码不正确"), fields={"code": [_("查询码不正确，请核对")]})
    return need


def resident_contact(need: Need, user: User | None) -> tuple[str, str]:
    """The resident's full name and phone, for the need's admins only; each reading is audited."""
    if not can_manage(user, need):
        raise Forbidden(_("只有负责该需求的管理员可以查看群众的联系方式"))
    if need.purged_at is not None or need.resident_phone is None:
        raise Conflict(_("保存期已过，群众的个人信息已删除"))
    audit.log("need.contact_viewed", need, by=user, unit_id=need.unit_id)
    return need.resident_name or "", need.resident_phone


def list_needs(user: User, *, status: str | None = None, page: int = 1, per_page: int = 50):
    """A page of the needs the admin handles, newest first."""
    from app.services.volunteers import Page

    stmt = select(Need)
    if user.role != "platform_admin":
        stmt = stmt.where(Need.unit_id == user.unit_id)
    if status:
        stmt = stmt.where(Need.status == status)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, page)
    items = list(
        db.session.scalars(
            stmt.options(selectinload(Need.category), selectinload(Need.unit))
            .order_by(Need.created_at.desc(), Need.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return Page(items, total, page, per_page)


def waiting_needs(unit_id: int | None, *, days: int | None = None, at: datetime | None = None) -> list[Need]:
    """Needs still waiting for dispatch or publication longer than `days` (NEED_WAITING_DAYS)."""
    days = (
        days if days is not None else int(current_app.config.get("NEED_WAITING_DAYS", DEFAULT_WAITING_DAYS))
    )
    stmt = (
        select(Need)
        .options(selectinload(Need.category))
        .where(Need.status.in_(OPEN_STATUSES), Need.created_at < (at or now()) - timedelta(days=days))
    )
    if unit_id is not None:
        stmt = stmt.where(Need.unit_id == unit_id)
    return list(db.session.scalars(stmt.order_by(Need.created_at).limit(100)))


def purge_resident_data(at: datetime) -> int:
    """Erase the resident's name and phone from needs closed (or served and left unrated) more than
    NEED_RETENTION_DAYS ago. One statement."""
    cutoff = at - timedelta(days=int(current_app.config.get("NEED_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)))
    return execute_dml(
        update(Need)
        .where(
            Need.purged_at.is_(None),
            or_(Need.closed_at < cutoff, (Need.status == "served") & (Need.served_at < cutoff)),
        )
        .values(resident_name=None, resident_phone=None, purged_at=at)
        .execution_options(synchronize_session=False)
    ).rowcount


def status_label(status: str) -> str:
    return {
        "submitted": _("待受理"),
        "accepted": _("已受理"),
        "declined": _("未受理"),
        "merged": _("已合并"),
        "published": _("招募志愿者中"),
        "served": _("已服务，待评价"),
        "rated": _("已评价"),
    }.get(status, status)


def action_label(action: str) -> str:
    """How an audit entry of a need reads in its trail."""
    return {
        "need.submitted": _("提交"),
        "need.accepted": _("受理"),
        "need.assigned": _("派单"),
        "need.declined": _("不受理"),
        "need.merged": _("合并"),
        "need.published": _("发布为任务"),
        "need.signed_up": _("志愿者报名"),
        "need.volunteer_confirmed": _("确认志愿者"),
        "need.served": _("标记已服务"),
        "need.rated": _("群众评价"),
        "need.contact_viewed": _("查看联系方式"),
    }.get(action, action)
