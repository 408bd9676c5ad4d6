"""Residents' needs (微心愿): a resident asks (点单), the centre dispatches (派单), volunteers take
it (接单), the resident rates it (评单). Every status change is a conditional UPDATE from the
states it may leave (so two admins pressing at once change it once) and an audit entry.

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
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.extensions import db, execute_dml
from app.models import Need, NeedSignup, Post, ServiceRecord, Unit, User, Volunteer
from app.services import audit, categories, identity, ledger, posts, sms, units
from app.services.clock import local, local_today, now
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed

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
    need = db.session.get(Need, need_id)
    if need is None:
        raise NotFound(_("需求不存在"))
    return need


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


# Status changes ------------------------------------------------------------------------------


def _transition(
    need: Need,
    from_statuses: tuple[str, ...],
    action: str,
    *,
    by: User | None,
    reason: str | None = None,
    **values,
) -> Need:
    """Move the need from one of from_statuses, once, and write the audit entry."""
    was = need.status
    done = execute_dml(
        update(Need)
        .where(Need.id == need.id, Need.status.in_(from_statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(need)
    if not done:
        raise Conflict(_("该需求当前的状态不能进行此操作（当前：%(s)s）", s=status_label(need.status)))
    audit.log(
        f"need.{action}",
        need,
        by=by,
        unit_id=need.unit_id,
        reason=reason,
        was=was,
        status=need.status,
        **{k: v for k, v in values.items() if k in ("merged_into_id", "capacity")},
    )
    return need


def dispatch(
    need: Need,
    action: str,
    *,
    by: User,
    unit_id: int | None = None,
    into_id: int | None = None,
    reason: str | None = None,
) -> Need:
    """派单: accept (optionally to a unit), assign to a unit, merge into another need, or decline
    with a reason the resident sees."""
    if not can_manage(by, need):
        raise NotFound(_("需求不存在"))
    at = now()
    if action in ("accept", "assign"):
        if unit_id is not None:
            target = db.session.get(Unit, unit_id)
            if target is None or not target.is_active:
                raise NotFound(fields={"unit_id": [_("成员单位不存在")]})
        elif action == "assign":
            raise ValidationFailed(fields={"unit_id": [_("请选择派往的成员单位")]})
        values: dict = {"status": "accepted", "accepted_at": need.accepted_at or at}
        if unit_id is not None:
            values["unit_id"] = unit_id
        return _transition(
            need, OPEN_STATUSES, "assigned" if unit_id is not None else "accepted", by=by, **values
        )
    if action == "decline":
        reason = (reason or "").strip()
        if not reason or len(reason) > REASON_MAX:
            raise ValidationFailed(fields={"reason": [_("请填写不受理的原因（群众可见，不超过500字）")]})
        return _transition(
            need,
            OPEN_STATUSES,
            "declined",
            by=by,
            reason=reason,
            status="declined",
            decline_reason=reason,
            closed_at=at,
        )
    if action == "merge":
        other = db.session.get(Need, into_id) if into_id else None
        if (
            other is None
            or other.id == need.id
            or not can_manage(by, other)
            or other.status in ("declined", "merged")
        ):
            raise ValidationFailed(fields={"into_id": [_("请填写要合并到的另一条有效需求的编号")]})
        return _transition(
            need, OPEN_STATUSES, "merged", by=by, status="merged", merged_into_id=other.id, closed_at=at
        )
    raise ValidationFailed(fields={"action": [_("无效的操作")]})


def publish(need: Need, capacity: int, *, by: User) -> Need:
    """The unit publishes an accepted need as a task with a capacity and its own check-in code
    (a post of the unit, retired once the need is served)."""
    if not can_manage(by, need) or need.unit_id is None:
        raise NotFound(_("需求不存在"))
    if not isinstance(capacity, int) or not 1 <= capacity <= CAPACITY_MAX:
        raise ValidationFailed(fields={"capacity": [_("招募人数应在1到100之间")]})
    if need.status != "accepted":
        raise Conflict(_("该需求当前的状态不能进行此操作（当前：%(s)s）", s=status_label(need.status)))
    post = posts.create_post(
        need.unit_id,
        posts.PostInput(
            name=f"{_('微心愿')} {need.number}",
            address=need.place[:200],
            auto_approve=True,
            min_minutes=0,
            category_id=need.category_id,
        ),
        by=by,
    )
    return _transition(
        need,
        ("accepted",),
        "published",
        by=by,
        status="published",
        capacity=capacity,
        post_id=post.id,
        published_at=now(),
    )


def sign_up(volunteer: Volunteer, need: Need) -> NeedSignup:
    """接单: take one place of a published need; the capacity holds under simultaneous sign-ups."""
    if need.status != "published":
        raise Conflict(_("该需求当前不在招募中"))
    if db.session.scalar(
        select(exists().where(NeedSignup.need_id == need.id, NeedSignup.volunteer_id == volunteer.id))
    ):
        raise Conflict(_("您已报名该需求"))
    signup = NeedSignup(need_id=need.id, volunteer_id=volunteer.id, created_at=now())
    taken = execute_dml(
        update(Need)
        .where(Need.id == need.id, Need.status == "published", Need.signup_count < Need.capacity)
        .values(signup_count=Need.signup_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        raise Conflict(_("该需求的名额已满"))
    try:
        with db.session.begin_nested():
            db.session.add(signup)
    except IntegrityError:
        raise Conflict(_("您已报名该需求")) from None
    db.session.refresh(need)
    audit.log("need.signed_up", need, by=volunteer.user, unit_id=need.unit_id, volunteer_id=volunteer.id)
    return signup


def signups(need: Need) -> list[NeedSignup]:
    return list(
        db.session.scalars(
            select(NeedSignup)
            .options(selectinload(NeedSignup.volunteer))
            .where(NeedSignup.need_id == need.id)
            .order_by(NeedSignup.id)
        )
    )


def confirm(need: Need, signup_id: int, *, by: User) -> NeedSignup:
    """The unit confirms a volunteer who signed up."""
    if not can_manage(by, need):
        raise NotFound(_("需求不存在"))
    signup = db.session.get(NeedSignup, signup_id)
    if signup is None or signup.need_id != need.id:
        raise NotFound(_("报名不存在"))
    done = execute_dml(
        update(NeedSignup)
        .where(NeedSignup.id == signup.id, NeedSignup.status == "pending")
        .values(status="confirmed", confirmed_at=now())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(signup)
    if not done:
        raise Conflict(_("该志愿者已确认"))
    audit.log("need.volunteer_confirmed", need, by=by, unit_id=need.unit_id, volunteer_id=signup.volunteer_id)
    return signup


def _confirmed(need: Need, volunteer_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    NeedSignup.need_id == need.id,
                    NeedSignup.volunteer_id == volunteer_id,
                    NeedSignup.status == "confirmed",
                )
            )
        )
    )


def ensure_may_serve(volunteer: Volunteer, post: Post) -> None:
    """A need's own code checks in only the volunteers the unit confirmed, while it is published."""
    need = db.session.scalar(select(Need).where(Need.post_id == post.id))
    if need is None:
        return
    if need.status != "published" or not _confirmed(need, volunteer.id):
        raise Forbidden(_("只有单位确认的志愿者可以在此需求签到"))


def record_service(
    need: Need, volunteer_id: int, *, started_at: datetime, ended_at: datetime, by: User
) -> ServiceRecord:
    """The unit enters a confirmed volunteer's service on the need (the ledger's manual entry)."""
    if not can_manage(by, need) or need.unit_id is None:
        raise NotFound(_("需求不存在"))
    if need.status != "published":
        raise Conflict(_("该需求当前不在服务中"))
    if not _confirmed(need, volunteer_id):
        raise ValidationFailed(fields={"volunteer_id": [_("请选择单位已确认的志愿者")]})
    volunteer = db.session.get(Volunteer, volunteer_id)
    assert volunteer is not None, "a sign-up's volunteer exists"
    return ledger.create_record(
        volunteer,
        started_at=started_at,
        ended_at=ended_at,
        by=by,
        source="manual",
        post=need.post,
        note=f"{_('微心愿')} {need.number}",
        unit_id=need.unit_id,
    )


def mark_served(need: Need, *, by: User) -> Need:
    """The unit reports the need served: at least one record of service on it must exist."""
    if not can_manage(by, need):
        raise NotFound(_("需求不存在"))
    served = need.post_id is not None and db.session.scalar(
        select(
            exists().where(
                ServiceRecord.post_id == need.post_id, ServiceRecord.status.in_(("pending", "approved"))
            )
        )
    )
    if need.status == "published" and not served:
        raise Conflict(_("还没有志愿者的服务记录，不能标记为已服务"))
    at = now()
    _transition(
        need,
        ("published",),
        "served",
        by=by,
        status="served",
        served_at=at,
        served_on_time=local(at).date() <= need.wished_date,
    )
    if need.post is not None:
        posts.set_active(need.post, False, by=by)
    return need


def rate(code: str, rating: int, comment: str | None) -> Need:
    """评单: the resident, by the tracking code, marks the need done and rates it 1–5 — only once
    the unit has reported it served."""
    need = by_code(code)
    comment = (comment or "").strip() or None
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationFailed(fields={"rating": [_("请选择1到5颗星")]})
    if comment and len(comment) > REASON_MAX:
        raise ValidationFailed(fields={"comment": [_("评价不能超过500字")]})
    if need.status != "served":
        raise Conflict(_("服务完成后才能评价") if need.status != "rated" else _("您已评价过该需求"))
    at = now()
    return _transition(
        need,
        ("served",),
        "rated",
        by=None,
        status="rated",
        rating=rating,
        rating_comment=comment,
        rated_at=at,
        closed_at=at,
    )


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


# Volunteers' side ----------------------------------------------------------------------------


def open_tasks(volunteer: Volunteer) -> list[Need]:
    """Published needs with places left, the volunteer's own unit first, then by wished date."""
    return list(
        db.session.scalars(
            select(Need)
            .options(selectinload(Need.category), selectinload(Need.unit))
            .where(Need.status == "published", Need.signup_count < Need.capacity)
            .order_by((Need.unit_id == volunteer.unit_id).desc(), Need.wished_date, Need.id)
            .limit(100)
        )
    )


def my_signups(volunteer: Volunteer) -> list[NeedSignup]:
    return list(
        db.session.scalars(
            select(NeedSignup)
            .options(selectinload(NeedSignup.need).selectinload(Need.category))
            .where(NeedSignup.volunteer_id == volunteer.id)
            .order_by(NeedSignup.id.desc())
            .limit(100)
        )
    )


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
