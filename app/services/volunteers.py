"""Real-name volunteer registration and look-ups."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Unit, User, Volunteer
from app.services import accounts, audit, guardians, identity
from app.services.clock import local_today, now
from app.services.errors import Conflict, NotFound, ValidationFailed

MIN_AGE = 14
ADULT_AGE = 18


@dataclass
class Registration:
    name: str
    id_number: str
    phone: str
    password: str
    consent: bool
    unit_id: int | None = None
    guardian_name: str | None = None
    guardian_phone: str | None = None


def _new_volunteer_no() -> str:
    """A public identifier that reveals nothing about the person."""
    while True:
        number = "ZY" + "".join(secrets.choice("0123456789") for _ in range(10))
        if db.session.scalar(select(Volunteer.id).where(Volunteer.volunteer_no == number)) is None:
            return number


def register(reg: Registration) -> Volunteer:
    """Register a volunteer by real name; under 14 refused, 14–17 need a guardian."""
    fields: dict[str, list[str]] = {}
    name = (reg.name or "").strip()
    if not 2 <= len(name) <= 30:
        fields["name"] = [_("请填写真实姓名（2到30个字）")]
    resident = None
    try:
        resident = identity.parse_resident_id(reg.id_number, today=local_today())
    except ValueError as exc:
        fields["id_number"] = [str(exc)]
    phone = None
    try:
        phone = identity.normalize_phone(reg.phone)
    except ValueError as exc:
        fields["phone"] = [str(exc)]
    if reg.consent is not True:
        fields["consent"] = [_("请阅读并同意隐私政策")]
    unit = None
    if reg.unit_id is not None:
        unit = db.session.get(Unit, reg.unit_id)
        if unit is None or not unit.is_active:
            fields["unit_id"] = [_("请选择有效的成员单位")]
    else:
        unit = db.session.scalar(select(Unit).where(Unit.is_active.is_(True)).order_by(Unit.id))
        if unit is None:
            fields["unit_id"] = [_("请选择成员单位")]
    guardian_name = (reg.guardian_name or "").strip() or None
    guardian_phone = None
    if resident is not None:
        age = resident.age_on(local_today())
        if age < MIN_AGE:
            fields["id_number"] = [_("未满14周岁暂不能注册为志愿者")]
        elif age < ADULT_AGE:
            if not guardian_name or len(guardian_name) > 30:
                fields["guardian_name"] = [_("未满18周岁需填写监护人姓名")]
            try:
                guardian_phone = identity.normalize_phone(reg.guardian_phone or "")
            except ValueError:
                fields["guardian_phone"] = [_("未满18周岁需填写监护人手机号码")]
    try:
        accounts.validate_password(reg.password)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    if fields:
        raise ValidationFailed(fields=fields)

    id_hash = identity.keyed_hash(resident.number)
    if db.session.scalar(select(Volunteer.id).where(Volunteer.id_number_hash == id_hash)) is not None:
        raise Conflict(_("该身份证号码已注册"), fields={"id_number": [_("该身份证号码已注册")]})
    taken = db.session.scalar(select(User.id).where(User.username == phone))
    if taken is not None or db.session.scalar(select(Volunteer.id).where(Volunteer.phone == phone)):
        raise Conflict(_("该手机号码已注册"), fields={"phone": [_("该手机号码已注册")]})

    user = accounts.create_user(username=phone, password=reg.password, role="volunteer", name=name)
    volunteer = Volunteer(
        user_id=user.id, volunteer_no=_new_volunteer_no(), name=name,
        id_number_encrypted=identity.encrypt(resident.number), id_number_hash=id_hash,
        id_number_masked=identity.mask_id_number(resident.number), phone=phone,
        birth_date=resident.birth_date, sex=resident.sex, unit_id=unit.id,
        guardian_name=guardian_name if guardian_phone else None, guardian_phone=guardian_phone,
        consent_at=now(),
    )
    db.session.add(volunteer)
    db.session.flush()
    audit.log("volunteer.registered", volunteer, by=user, unit_id=unit.id,
               volunteer_no=volunteer.volunteer_no)
    if guardians.needs_consent(volunteer):
        guardians.send_consent_link(volunteer, by=user)
    return volunteer


def get_volunteer(volunteer_id: int) -> Volunteer:
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(_("志愿者不存在"))
    return volunteer


def by_number(volunteer_no: str, field: str = "volunteer_no") -> Volunteer:
    """The volunteer with this public number; a per-field error when there is none."""
    volunteer = db.session.scalar(select(Volunteer).where(Volunteer.volunteer_no == (volunteer_no or "").strip()))
    if volunteer is None:
        raise NotFound(_("志愿者不存在"), fields={field: [_("未找到该编号的志愿者")]})
    return volunteer


def volunteer_of(user: User) -> Volunteer:
    if user.role != "volunteer" or user.volunteer is None:
        raise NotFound(_("当前账号不是志愿者"))
    return user.volunteer


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search(*, unit_id: int | None, query: str = "", page: int = 1, per_page: int = 50) -> Page:
    """Volunteers of a unit (or all), by name, volunteer number or phone."""
    from sqlalchemy import func, or_
    stmt = select(Volunteer)
    if unit_id is not None:
        stmt = stmt.where(Volunteer.unit_id == unit_id)
    if query:
        like = f"%{query}%"
        stmt = stmt.where(or_(Volunteer.name.like(like), Volunteer.volunteer_no == query,
                              Volunteer.phone == query))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    page = max(1, page)
    items = list(db.session.scalars(
        stmt.options(selectinload(Volunteer.unit))
        .order_by(Volunteer.id.desc()).limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total, page, per_page)
