"""Pupils under 14 (红领巾 / 美德少年): a guardian who is a registered adult volunteer adds a
child to their own account. The child gets a volunteer number but no login; the consent and
the relationship are recorded. A child is signed up (by an admin) only for activities marked
适合未成年人, and their records are entered by an admin, never by a scan. The guardian sees the
child's hours and downloads the child's certificate."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import Activity, ActivitySignup, User, Volunteer
from app.services import accounts, audit, guardians, identity, posts, units, volunteers
from app.services.clock import local_today, now
from app.services.errors import Conflict, Forbidden, ValidationFailed, get_or_404

CHILD_MAX_AGE = 14  # under this age: added by a guardian; from it: normal registration
DEFAULT_MAX_CHILDREN = 5
RELATIONSHIPS = {
    "father": _l("父亲"),
    "mother": _l("母亲"),
    "grandparent": _l("祖父母/外祖父母"),
    "other": _l("其他监护人"),
}


@dataclass
class ChildInput:
    name: str
    id_number: str
    relationship: str
    consent: bool


def max_children() -> int:
    return int(current_app.config.get("CHILDREN_PER_GUARDIAN", DEFAULT_MAX_CHILDREN))


def children_of(guardian: Volunteer) -> list[Volunteer]:
    return list(
        db.session.scalars(
            select(Volunteer).where(Volunteer.guardian_id == guardian.id).order_by(Volunteer.id)
        )
    )


def register_child(guardian: Volunteer, data: ChildInput, *, by: User) -> Volunteer:
    if by.id != guardian.user_id or guardian.is_child:
        raise Forbidden(_("只能为本人账号添加儿童"))
    if guardians.age_on(guardian, local_today()) < guardians.ADULT_AGE:
        raise Forbidden(_("监护人须为年满18周岁的注册志愿者"))
    fields: dict[str, list[str]] = {}
    name = " ".join((data.name or "").split())
    if not 2 <= len(name) <= 30:
        fields["name"] = [_("请填写儿童的真实姓名（2到30个字）")]
    resident = identity.resident_or_field_error(data.id_number, fields, today=local_today())
    if resident is not None and resident.age_on(local_today()) >= CHILD_MAX_AGE:
        fields["id_number"] = [_("已满14周岁，请本人按正常流程注册志愿者")]
    if data.relationship not in RELATIONSHIPS:
        fields["relationship"] = [_("请选择与儿童的关系")]
    if data.consent is not True:
        fields["consent"] = [_("请确认您是该儿童的监护人并同意其参加志愿服务")]
    if fields:
        raise ValidationFailed(fields=fields)
    assert resident is not None
    count = (
        db.session.scalar(select(func.count(Volunteer.id)).where(Volunteer.guardian_id == guardian.id)) or 0
    )
    if count >= max_children():
        raise Conflict(_("每位监护人最多添加%(n)d名儿童", n=max_children()))
    id_hash = identity.keyed_hash(resident.number)
    if db.session.scalar(select(Volunteer.id).where(Volunteer.id_number_hash == id_hash)) is not None:
        raise Conflict(_("该身份证号码已注册"), fields={"id_number": [_("该身份证号码已注册")]})
    number = volunteers._new_volunteer_no()
    # A login row that can never be used: no password verifies against it and it is inactive.
    user = accounts.create_user(
        username=f"child-{number}", password=secrets.token_urlsafe(32), role="volunteer", name=name
    )
    user.active = False
    user.password_hash = "!"
    at = now()
    child = Volunteer(
        id=volunteers._allocate_volunteer_id(),
        user_id=user.id,
        volunteer_no=number,
        name=name,
        **identity.person_columns(resident),
        phone=None,
        unit_id=guardian.unit_id,
        guardian_id=guardian.id,
        guardian_relationship=data.relationship,
        guardian_name=guardian.name,
        guardian_phone=guardian.phone,
        consent_at=at,
        guardian_consent_at=at,
    )
    audit.added(
        "volunteer.child_registered",
        child,
        by=by,
        guardian_id=guardian.id,
        relationship=data.relationship,
        volunteer_no=number,
    )
    return child


def child_of(guardian: Volunteer, child_id: int) -> Volunteer:
    """The guardian's own child; any other id answers like a missing one."""
    return get_or_404(Volunteer, child_id, _("未找到该儿童"), guardian_id=guardian.id)


def sign_up(child: Volunteer, activity: Activity, *, by: User) -> ActivitySignup:
    """An admin of the activity's unit signs a pupil up, only for an activity 适合未成年人."""
    if not units.can_manage_unit(by, activity.unit_id) or not units.can_manage_unit(by, child.unit_id):
        raise Forbidden(_("只能为本单位的儿童报名本单位的活动"))
    if not child.is_child:
        raise ValidationFailed(fields={"volunteer_no": [_("该编号不是儿童志愿者")]})
    if not activity.for_minors:
        raise Conflict(_("该活动未标记为适合未成年人，不能为儿童报名"))
    signup = posts.sign_up(child, activity)
    audit.log("activity.child_signed_up", activity, by=by, unit_id=activity.unit_id, volunteer_id=child.id)
    return signup
