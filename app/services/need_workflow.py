"""A need's way through the centre: dispatch (accept, assign to a unit, merge, decline), publish
as a task with its own check-in code, served, rated by the resident. Every status change is a
conditional UPDATE from the states it may leave (so two admins pressing at once change it once)
and an audit entry."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, select

from app.extensions import db
from app.models import Need, ServiceRecord, Unit, User
from app.services import audit, moves, posts
from app.services.clock import local, now
from app.services.errors import Conflict, NotFound, ValidationFailed
from app.services.needs import CAPACITY_MAX, OPEN_STATUSES, REASON_MAX, by_code, can_manage, status_label


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
    if not moves.move(need, from_statuses, **values):
        raise Conflict(_("该需求当前的状态不能进行此操作（当前：%(s)s）", s=status_label(need.status)))
    told = {k: v for k, v in values.items() if k in ("merged_into_id", "capacity")}
    audit.changed(f"need.{action}", need, by=by, reason=reason, was=was, status=need.status, **told)
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
