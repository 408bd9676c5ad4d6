"""Objections to a posted commendation list (公示异议): anyone may send one during the posting,
with a name and a contact (a mobile number or an e-mail address) that only the office sees; the
office answers each. The doors are rate-limited per address and per contact."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Commendation, Objection, User
from app.services import audit, commendations, identity
from app.services.clock import now
from app.services.errors import Conflict, Forbidden, ValidationFailed, get_or_404

TEXT_MAX = 1000
NAME_MAX = 50
ANSWER_MAX = 1000
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,90}\.[^@\s]{2,}$")


def _contact(value: str | None) -> str:
    value = (value or "").strip()
    try:
        return identity.normalize_phone(value)
    except ValueError:
        pass
    if _EMAIL.match(value) and len(value) <= 100:
        return value
    raise ValidationFailed(fields={"contact": [_("请填写手机号或电子邮箱，以便答复")]})


def send(
    item: Commendation, *, text: str, contact_name: str, contact: str, nominee_id: int | None = None
) -> Objection:
    """An objection during the posting period; about one nominee of the list or the whole list."""
    if not commendations.is_open(item):
        raise Conflict(_("公示期已结束，不再受理异议"))
    fields: dict[str, list[str]] = {}
    text = (text or "").strip()
    name = (contact_name or "").strip()
    if not text or len(text) > TEXT_MAX:
        fields["text"] = [_("请填写异议内容（不超过%(n)d字）", n=TEXT_MAX)]
    if not name or len(name) > NAME_MAX:
        fields["contact_name"] = [_("请填写姓名（不超过%(n)d字）", n=NAME_MAX)]
    if nominee_id is not None and nominee_id not in {n.id for n in item.nominees}:
        fields["nominee_id"] = [_("请选择名单中的人选")]
    try:
        contact = _contact(contact)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    if fields:
        raise ValidationFailed(fields=fields)
    objection = Objection(
        commendation_id=item.id,
        nominee_id=nominee_id,
        text=text,
        contact_name=name,
        contact=contact,
        created_at=now(),
    )
    db.session.add(objection)
    db.session.flush()
    audit.log("commendation.objection", item, by=None, objection_id=objection.id)
    return objection


def answer(objection: Objection, *, text: str, by: User) -> Objection:
    if by.role != "platform_admin":
        raise Forbidden(_("只有文明办可以答复异议"))
    if objection.answered_at is not None:
        raise Conflict(_("该异议已答复"))
    text = (text or "").strip()
    if not text or len(text) > ANSWER_MAX:
        raise ValidationFailed(fields={"answer": [_("请填写答复（不超过%(n)d字）", n=ANSWER_MAX)]})
    objection.answer = text
    objection.answered_by_id = by.id
    objection.answered_at = now()
    db.session.flush()
    audit.log("commendation.objection_answered", objection, by=by)
    return objection


def of(item: Commendation) -> list[Objection]:
    return list(
        db.session.scalars(
            select(Objection).where(Objection.commendation_id == item.id).order_by(Objection.id)
        )
    )


def get(item: Commendation, objection_id: int) -> Objection:
    return get_or_404(Objection, objection_id, _("异议不存在"), commendation_id=item.id)
