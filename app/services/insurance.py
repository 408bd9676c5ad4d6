"""Volunteer insurance (志愿者保险): covers recorded by admins, whether a volunteer is covered
on a day, the insured list for the insurer (masked IDs; full IDs for the platform admin only,
every access audited), and activities that require cover."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select

from app.extensions import db
from app.models import InsuranceCover, InsuranceCoverMember, Unit, User, Volunteer
from app.services import audit, identity, units
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed, get_or_404
from app.services.spreadsheets import append_row


class CoverRequired(Conflict):
    """A sign-up to an activity that requires cover, by a volunteer without one that day."""

    code = "cover_required"
    default_message = _l("该活动要求志愿者保险：您在活动当天没有保险保障，请联系本单位管理员")


MAX_LIST = 5000
MAX_DAYS = 3 * 366


@dataclass
class CoverInput:
    insurer: str
    policy_no: str
    starts_on: date | None
    ends_on: date | None
    scope: str  # 'unit' or 'list'
    unit_id: int | None
    volunteer_nos: list[str] = field(default_factory=list)  # for a list


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def create_cover(data: CoverInput, *, by: User) -> InsuranceCover:
    """A cover for a unit's volunteers, or for a list of them (by volunteer number)."""
    fields: dict[str, list[str]] = {}
    insurer, policy_no = _clean(data.insurer), _clean(data.policy_no)
    if not insurer or len(insurer) > 100:
        fields["insurer"] = [_("请填写保险公司（不超过100字）")]
    if not policy_no or len(policy_no) > 50:
        fields["policy_no"] = [_("请填写保单号（不超过50字）")]
    if data.starts_on is None or data.ends_on is None or data.ends_on < data.starts_on:
        fields["ends_on"] = [_("请填写保险期间，结束日期不能早于开始日期")]
    elif (data.ends_on - data.starts_on).days > MAX_DAYS:
        fields["ends_on"] = [_("保险期间不能超过三年")]
    if data.scope not in ("unit", "list"):
        fields["scope"] = [_("请选择保障范围")]
    if data.unit_id is None:
        fields["unit_id"] = [_("请选择成员单位")]
    else:
        get_or_404(Unit, data.unit_id)
        units.ensure_can_manage_unit(by, data.unit_id)
    members: list[Volunteer] = []
    if data.scope == "list" and data.unit_id is not None:
        numbers = list(dict.fromkeys(_clean(n) for n in data.volunteer_nos if _clean(n)))
        if not numbers or len(numbers) > MAX_LIST:
            fields["volunteer_nos"] = [_("请填写被保险志愿者的编号（1到%(n)d个）", n=MAX_LIST)]
        else:
            found = {
                v.volunteer_no: v
                for v in db.session.scalars(
                    select(Volunteer).where(
                        Volunteer.volunteer_no.in_(numbers), Volunteer.unit_id == data.unit_id
                    )
                )
            }
            missing = [n for n in numbers if n not in found]
            if missing:
                fields["volunteer_nos"] = [_("本单位没有这些编号的志愿者：%(n)s", n="、".join(missing[:10]))]
            members = [found[n] for n in numbers if n in found]
    if fields:
        raise ValidationFailed(fields=fields)
    cover = InsuranceCover(
        insurer=insurer,
        policy_no=policy_no,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        scope=data.scope,
        unit_id=data.unit_id,
        created_by_id=by.id,
    )
    cover.members = [InsuranceCoverMember(volunteer_id=v.id) for v in members]
    audit.added("insurance.cover_created", cover, by=by, scope=cover.scope, members=len(members))
    return cover


def get_cover(cover_id: int, *, by: User) -> InsuranceCover:
    cover = db.session.get(InsuranceCover, cover_id)
    if cover is None or not units.can_manage_unit(by, cover.unit_id):
        raise NotFound(_("保险记录不存在"))
    return cover


def list_covers(unit_id: int | None) -> list[InsuranceCover]:
    stmt = select(InsuranceCover).order_by(InsuranceCover.starts_on.desc(), InsuranceCover.id.desc())
    if unit_id is not None:
        stmt = stmt.where(InsuranceCover.unit_id == unit_id)
    return list(db.session.scalars(stmt.limit(500)))


def cover_on(volunteer: Volunteer, day: date) -> InsuranceCover | None:
    """A cover in force for the volunteer on the day, or None."""
    listed = exists(
        select(InsuranceCoverMember.id).where(
            InsuranceCoverMember.cover_id == InsuranceCover.id,
            InsuranceCoverMember.volunteer_id == volunteer.id,
        )
    )
    return db.session.scalar(
        select(InsuranceCover)
        .where(
            InsuranceCover.unit_id == volunteer.unit_id,
            InsuranceCover.starts_on <= day,
            InsuranceCover.ends_on >= day,
            or_(InsuranceCover.scope == "unit", listed),
        )
        .order_by(InsuranceCover.ends_on.desc())
        .limit(1)
    )


def insured(cover: InsuranceCover) -> list[Volunteer]:
    stmt = select(Volunteer).order_by(Volunteer.volunteer_no)
    if cover.scope == "unit":
        stmt = stmt.where(Volunteer.unit_id == cover.unit_id)
    else:
        stmt = stmt.join(InsuranceCoverMember, InsuranceCoverMember.volunteer_id == Volunteer.id).where(
            InsuranceCoverMember.cover_id == cover.id
        )
    return list(db.session.scalars(stmt))


def export_xlsx(cover: InsuranceCover, *, by: User, full_ids: bool) -> bytes:
    """The insured list for the insurer. Masked ID numbers; full ones only for the platform
    admin. Every export is audited (with which kind it was)."""
    from openpyxl import Workbook

    if full_ids and by.role != "platform_admin":
        raise Forbidden(_("只有平台管理员可以导出完整身份证号"))
    people = insured(cover)
    audit.log(
        "insurance.list_exported", cover, by=by, unit_id=cover.unit_id, full_ids=full_ids, rows=len(people)
    )
    book = Workbook()
    sheet = book.active
    sheet.title = "insured"
    append_row(
        sheet,
        [
            _("保险公司"),
            cover.insurer,
            _("保单号"),
            cover.policy_no,
            _("保险期间"),
            f"{cover.starts_on:%Y-%m-%d} – {cover.ends_on:%Y-%m-%d}",
        ],
    )
    append_row(sheet, [_("志愿者编号"), _("姓名"), _("性别"), _("出生日期"), _("身份证号"), _("成员单位")])
    for v in people:
        number = identity.decrypt(v.id_number_encrypted) if full_ids else v.id_number_masked
        append_row(
            sheet,
            [
                v.volunteer_no,
                v.name,
                _("男") if v.sex == "M" else _("女"),
                f"{v.birth_date:%Y-%m-%d}",
                number,
                cover.unit.name,
            ],
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
