"""Real-name volunteer registration and look-ups."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Unit, User, Volunteer
from app.services import accounts, audit, guardians, identity, login_sessions
from app.services.clock import local_today, now
from app.services.errors import Conflict, NotFound, ValidationFailed
from app.services.pages import Page, paginate

MIN_AGE = 14
ADULT_AGE = 18
# What every public registration answer says, new person or known one (README: Security).
REGISTRATION_NOTICE = _l(
    "如果您尚未注册，账号已创建，请用手机号和密码登录；如果您已有账号，请直接登录，"
    "忘记密码或更换了手机号请联系所在单位管理员当面核验后重新绑定。"
)


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


@dataclass
class Registered:
    """The answer to a registration, alike whether or not the person was registered before:
    `volunteer` is None when nothing was created (the ID number or phone was known)."""

    volunteer: Volunteer | None
    id: int
    volunteer_no: str
    name: str
    star_level: int = 0
    hours: float = 0.0


def register(reg: Registration) -> Volunteer:
    """Register a volunteer by real name (demo data, the CLI, tests): a known ID number or
    phone is a Conflict. Public doors use register_public()."""
    volunteer = _register(reg, public=False).volunteer
    assert volunteer is not None, "a repeated registration is refused with Conflict when not public"
    return volunteer


def register_public(reg: Registration) -> Registered:
    """Self-registration (the phone page and registerVolunteer): a known ID number or phone
    creates nothing and is answered like a new registration, so the answer never tells who
    is registered; the attempt is audited."""
    return _register(reg, public=True)


@dataclass
class _Checked:
    fields: dict[str, list[str]]
    name: str
    resident: identity.ResidentId | None = None
    phone: str | None = None
    unit: Unit | None = None
    guardian_name: str | None = None
    guardian_phone: str | None = None


def registration_problems(reg: Registration) -> dict[str, list[str]]:
    """Every field's objection to a registration at once, writing nothing (a form shows them
    all together, even where its own checks already refused another field)."""
    return _check(reg).fields


def _check(reg: Registration) -> _Checked:
    """Check a registration by real name; under 14 refused, 14–17 need a guardian."""
    fields: dict[str, list[str]] = {}
    name = (reg.name or "").strip()
    if not 2 <= len(name) <= 30:
        fields["name"] = [_("请填写真实姓名（2到30个字）")]
    resident = identity.resident_or_field_error(reg.id_number, fields, today=local_today())
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
    return _Checked(fields, name, resident, phone, unit, guardian_name, guardian_phone)


def _register(reg: Registration, *, public: bool) -> Registered:
    """Register a volunteer by real name; under 14 refused, 14–17 need a guardian."""
    checked = _check(reg)
    if checked.fields:
        raise ValidationFailed(fields=checked.fields)
    name, resident, phone, unit = checked.name, checked.resident, checked.phone, checked.unit
    guardian_name, guardian_phone = checked.guardian_name, checked.guardian_phone
    assert resident is not None and phone is not None and unit is not None, "each was validated above"

    id_hash = identity.keyed_hash(resident.number)
    existing = db.session.scalar(
        select(Volunteer).where(Volunteer.id_number_hash == id_hash)
    ) or db.session.scalar(select(Volunteer).where(Volunteer.phone == phone))
    taken = (
        existing is not None or db.session.scalar(select(User.id).where(User.username == phone)) is not None
    )
    if taken and not public:
        raise Conflict(_("该身份证号码或手机号码已注册"))
    if taken:
        # Say nothing about who is registered: same work (the password hash dominates),
        # same answer; the person is asked to log in or to have their unit admin re-bind it.
        accounts.hash_password(reg.password)
        audit.log(
            "volunteer.registration_repeated",
            existing,
            unit_id=existing.unit_id if existing else None,
            same_id_number=existing is not None and existing.id_number_hash == id_hash,
        )
        return Registered(
            volunteer=None, id=_allocate_volunteer_id(), volunteer_no=_new_volunteer_no(), name=name
        )

    user = accounts.create_user(username=phone, password=reg.password, role="volunteer", name=name)
    volunteer = new_volunteer(user, name, resident, phone, unit.id, guardian_name, guardian_phone)
    audit.log(
        "volunteer.registered", volunteer, by=user, unit_id=unit.id, volunteer_no=volunteer.volunteer_no
    )
    if guardians.needs_consent(volunteer):
        guardians.send_consent_link(volunteer, by=user)
    return Registered(volunteer=volunteer, id=volunteer.id, volunteer_no=volunteer.volunteer_no, name=name)


def new_volunteer(
    user: User, name: str, resident, phone: str, unit_id: int, guardian_name, guardian_phone
) -> Volunteer:
    """The volunteer row of a real-name registration (the ID number kept encrypted, hashed and
    masked), with a new id and volunteer number; consent given now."""
    volunteer = Volunteer(
        id=_allocate_volunteer_id(),
        user_id=user.id,
        volunteer_no=_new_volunteer_no(),
        name=name,
        **identity.person_columns(resident),
        phone=phone,
        unit_id=unit_id,
        guardian_name=guardian_name if guardian_phone else None,
        guardian_phone=guardian_phone,
        consent_at=now(),
    )
    db.session.add(volunteer)
    db.session.flush()
    return volunteer


ID_HIGH_WATER = "volunteer_id_high_water"


def _allocate_volunteer_id() -> int:
    """The id a registration answers with, taken the same way whether or not a volunteer is then
    created: a repeated registration moves the counter exactly as a new one does, so comparing
    the ids of successive answers tells nobody which was which. PostgreSQL draws from the
    table's sequence; SQLite, which reuses max(id)+1, keeps a high-water mark in settings."""
    from sqlalchemy import func, text

    from app.models import Setting

    if db.session.get_bind().dialect.name == "postgresql":
        return int(db.session.scalar(text("SELECT nextval(pg_get_serial_sequence('volunteers', 'id'))")))
    mark = db.session.get(Setting, ID_HIGH_WATER)
    highest = db.session.scalar(select(func.max(Volunteer.id))) or 0
    new_id = max(highest, int((mark.value or {}).get("id", 0)) if mark else 0) + 1
    if mark is None:
        db.session.add(Setting(key=ID_HIGH_WATER, value={"id": new_id}, updated_at=now()))
    else:
        mark.value = {"id": new_id}
    db.session.flush()
    return new_id


def get_for_admin(user: User, volunteer_id: int | None, field: str = "volunteer_id") -> Volunteer:
    """A volunteer the admin may act on. One of another unit answers exactly like a missing
    id, so bare ids outside the admin's unit reveal nothing."""
    from app.services import units

    volunteer = db.session.get(Volunteer, volunteer_id) if volunteer_id else None
    if volunteer is None or not units.can_manage_unit(user, volunteer.unit_id):
        raise NotFound(_("志愿者不存在"), fields={field: [_("未找到该志愿者")]})
    return volunteer


def by_number(volunteer_no: str, field: str = "volunteer_no") -> Volunteer:
    """The volunteer with this public number; a per-field error when there is none."""
    volunteer = db.session.scalar(
        select(Volunteer).where(Volunteer.volunteer_no == (volunteer_no or "").strip())
    )
    if volunteer is None:
        raise NotFound(_("志愿者不存在"), fields={field: [_("未找到该编号的志愿者")]})
    return volunteer


def volunteer_of(user: User) -> Volunteer:
    if user.role != "volunteer" or user.volunteer is None:
        raise NotFound(_("当前账号不是志愿者"))
    return user.volunteer


def searchable_unit(user: User, unit_id: int | None) -> int | None:
    """The unit whose volunteers an admin may search: a unit admin only their own (another
    unit's id is not found), the platform admin the one named (it must exist) or all (None)."""
    from app.services.errors import get_or_404

    if user.role == "unit_admin":
        if unit_id is not None and unit_id != user.unit_id:
            raise NotFound()
        return user.unit_id
    if unit_id is not None:
        get_or_404(Unit, unit_id)
    return unit_id


def search(
    *, unit_id: int | None, query: str = "", page: int = 1, per_page: int = 50, filters: dict | None = None
) -> Page:
    """Volunteers of a unit (or all), by name, volunteer number or phone (`query`: any of
    them), and by `filters`: name, volunteer_no, phone, skill_id, category_id (served in it)."""
    from sqlalchemy import or_

    from app.services import people_search

    stmt = select(Volunteer)
    if unit_id is not None:
        stmt = stmt.where(Volunteer.unit_id == unit_id)
    if query:
        like = f"%{query}%"
        stmt = stmt.where(
            or_(Volunteer.name.like(like), Volunteer.volunteer_no == query, Volunteer.phone == query)
        )
    stmt = people_search.filtered(stmt, filters or {})
    return paginate(
        stmt,
        page=page,
        per_page=per_page,
        order_by=(Volunteer.id.desc(),),
        load=(selectinload(Volunteer.unit), selectinload(Volunteer.skills)),
    )


def rebind(volunteer: Volunteer, *, phone: str, password: str, by: User, identity_checked: bool) -> Volunteer:
    """Admin-assisted recovery (as the national system does): after checking the person's
    identity document face to face, an admin of the volunteer's unit gives the account a new
    phone (its login name) and a temporary password; every session and token of it ends."""
    if volunteer.guardian_id is not None:
        raise Conflict(_("儿童志愿者没有登录账号，不能重新绑定"))
    from app.services import units

    units.ensure_can_manage_unit(by, volunteer.unit_id)
    fields: dict[str, list[str]] = {}
    if identity_checked is not True:
        fields["identity_checked"] = [_("请先当面核验本人身份证件")]
    try:
        phone = identity.normalize_phone(phone)
    except ValueError as exc:
        fields["phone"] = [str(exc)]
    try:
        accounts.validate_password(password)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    if fields:
        raise ValidationFailed(fields=fields)
    user = volunteer.user
    if phone != volunteer.phone or phone != user.username:
        clash_user = db.session.scalar(select(User.id).where(User.username == phone, User.id != user.id))
        clash_volunteer = db.session.scalar(
            select(Volunteer.id).where(Volunteer.phone == phone, Volunteer.id != volunteer.id)
        )
        if clash_user is not None or clash_volunteer is not None:
            raise Conflict(
                _("该手机号码已被其他账号使用"), fields={"phone": [_("该手机号码已被其他账号使用")]}
            )
    old_phone = volunteer.phone
    volunteer.phone = phone
    user.username = phone
    user.password_hash = accounts.hash_password(password)
    login_sessions.end_all_sessions(user)
    from app.services import tap_devices

    tap_devices.revoke_all(volunteer, by=by)  # the lost phone's key signs nothing more
    audit.log(
        "volunteer.rebound",
        volunteer,
        by=by,
        unit_id=volunteer.unit_id,
        old_phone=identity.mask_phone(old_phone or ""),
        new_phone=identity.mask_phone(phone),
    )
    return volunteer
