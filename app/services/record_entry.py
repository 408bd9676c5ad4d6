"""补录: whom an admin may enter a record for, and entering it (a unit's own volunteers count
at once; another unit's, named by number and name, wait in that unit's review list; service
dated before registration only as marked history, with a note). Records are written by
app.services.ledger."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Post, ServiceRecord, User, Volunteer
from app.services import ledger, units
from app.services.clock import local
from app.services.errors import NotFound, ValidationFailed, get_or_404
from app.services.inputs import service_year_ok

PRE_REGISTRATION = ledger.PRE_REGISTRATION


def find_volunteer_for_entry(
    by: User, *, volunteer_id: int | None = None, volunteer_no: str | None = None, name: str | None = None
) -> tuple[Volunteer, bool]:
    """Whom an admin may enter a record for: a volunteer of a unit the admin manages (by id or
    number), or a volunteer of another unit named by volunteer number AND name together, as on
    a paper sign-in sheet (returned with True: such a record goes to that unit for review).
    Anything else, including a bare id of another unit's volunteer, answers like a missing one."""
    missing = NotFound(
        _("志愿者不存在"),
        fields={"volunteer_id": [_("未找到该志愿者")]}
        if volunteer_id is not None
        else {"volunteer_no": [_("未找到该编号的志愿者")]},
    )
    volunteer = None
    if volunteer_id is not None:
        volunteer = db.session.get(Volunteer, volunteer_id)
    elif volunteer_no is not None and volunteer_no.strip():
        volunteer = db.session.scalar(select(Volunteer).where(Volunteer.volunteer_no == volunteer_no.strip()))
    if volunteer is None:
        raise missing
    if units.can_manage_unit(by, volunteer.unit_id):
        return volunteer, False
    if volunteer_id is None and (name or "").strip() and (name or "").strip() == volunteer.name:
        return volunteer, True
    raise missing


def enter_manual_record(
    by: User,
    *,
    unit_id: int | None = None,
    started_at: datetime,
    ended_at: datetime,
    volunteer_id: int | None = None,
    volunteer_no: str | None = None,
    name: str | None = None,
    post_id: int | None = None,
    note: str | None = None,
    before_registration: bool = False,
) -> ServiceRecord:
    """补录 by an admin, for unit_id (a unit admin's own unit when not given; the platform admin
    may leave it open, and the record then goes to the post's unit or the volunteer's). A post
    must be one of that unit. A record for the admin's own volunteers counts at once; one for
    another unit's volunteer (number and name) is pending in that unit's review list, flagged,
    until that unit approves it. Service dated before the volunteer registered is refused
    unless marked as such history, with a note."""
    if unit_id is None:
        unit_id = by.unit_id if by.role == "unit_admin" else None
    if unit_id is not None:
        units.ensure_can_manage_unit(by, unit_id)
    elif by.role != "platform_admin":
        raise NotFound(_("成员单位不存在"))
    post = get_or_404(Post, post_id) if post_id is not None else None
    volunteer, other_unit = find_volunteer_for_entry(
        by, volunteer_id=volunteer_id, volunteer_no=volunteer_no, name=name
    )
    if post is not None and unit_id is not None and post.unit_id != unit_id:
        raise NotFound(fields={"post_id": [_("不是本单位的服务岗")]})
    flags = _history_flags(volunteer, started_at, note, before_registration)
    if other_unit:  # pending in the volunteer's own unit, flagged, until that unit approves it
        status, flags, target = "pending", ["other_unit", *flags], volunteer.unit_id
    else:
        status, target = "approved", unit_id or (post.unit_id if post else volunteer.unit_id)
    return ledger.create_record(
        volunteer,
        started_at=started_at,
        ended_at=ended_at,
        by=by,
        source="manual",
        post=post,
        note=note,
        status=status,
        flags=flags,
        unit_id=target,
    )


def _history_flags(
    volunteer: Volunteer, started_at: datetime, note: str | None, before_registration: bool
) -> list[str]:
    """Service dated before the volunteer registered is entered only when the admin marks it as
    history from before registration, with a note; it then carries the pre_registration flag,
    so reviewers see it in every list."""
    registered = volunteer.created_at
    if started_at >= registered or not service_year_ok(local(started_at).year):
        return []  # a date out of the sane range is create_record's refusal to make
    if not before_registration:
        when = local(registered).strftime("%Y-%m-%d %H:%M")
        raise ValidationFailed(
            _("该记录早于志愿者的注册时间（%(t)s）", t=when),
            fields={
                "started_at": [
                    _(
                        "早于志愿者的注册时间（%(t)s）；如确为注册前的服务，请勾选“补录注册前的服务”并写明说明",
                        t=when,
                    )
                ]
            },
        )
    if not (note or "").strip():
        raise ValidationFailed(fields={"note": [_("补录注册前的服务须写明说明")]})
    return [PRE_REGISTRATION]
