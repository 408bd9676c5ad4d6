"""Volunteers and a published need (接单): sign-ups under the capacity, the unit's confirmation,
check-in by the need's own code for confirmed volunteers only, and the service entered on it."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import exists, select, update
from sqlalchemy.orm import selectinload

from app.extensions import db, execute_dml
from app.models import Need, NeedSignup, Post, ServiceRecord, User, Volunteer
from app.services import audit, ledger
from app.services.clock import now
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed, add_or_conflict, get_or_404
from app.services.needs import can_manage


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
    add_or_conflict(signup, Conflict(_("您已报名该需求")))
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
    signup = get_or_404(NeedSignup, signup_id, _("报名不存在"), need_id=need.id)
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


def need_at(post_id: int):
    """The need whose own post this is (a need's code checks in at a post of its own)."""
    return select(Need.id).where(Need.post_id == post_id)


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
