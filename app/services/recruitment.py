"""Selective recruitment: an activity (or a team: app.services.team_recruitment, with the rules
kept here) may require an application. The volunteer applies once with a short note; the
admin of the activity's unit accepts (the acceptance takes one of the activity's places and
signs the volunteer up) or declines with a reason. Only accepted volunteers can check in at
the activity's post while it is on.

Capacity holds under racing acceptances: a place is taken by a conditional UPDATE of the
activity's sign-up count, and a decision moves an application out of 'pending' once only."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy import exists, select, update
from sqlalchemy.orm import selectinload

from app.extensions import db, execute_dml
from app.models import (
    Activity,
    ActivityApplication,
    ActivitySignup,
    Post,
    Team,
    TeamApplication,
    User,
    Volunteer,
)
from app.services import audit, units
from app.services.clock import now
from app.services.errors import Conflict, DomainError, ValidationFailed, add_or_conflict, get_or_404

NOTE_MAX = 300
REASON_MAX = 300
EARLY_CHECK_IN = timedelta(minutes=30)  # as for attendance of sign-ups (app.services.posts)
Application = TypeVar("Application", ActivityApplication, TeamApplication)


class NotAccepted(DomainError):
    """A check-in at a post whose selective activity is on, by someone not accepted to it."""

    status = 403
    code = "not_accepted"


def get_application(application_id: int) -> ActivityApplication:
    return get_or_404(ActivityApplication, application_id, _("申请不存在"))


# The rules every application shares, whatever it is for (an activity here, a team in
# app.services.team_recruitment): a short note, once per volunteer (a unique constraint), a
# decision that moves it out of 'pending' once only, and a place taken by a conditional UPDATE
# of the subject's count so that the capacity holds under racing acceptances.


def clean_note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(fields={"note": [_("申请说明不能超过300字")]})
    return note


def has_room(subject: Activity | Team, counter: str) -> bool:
    return subject.capacity is None or getattr(subject, counter) < subject.capacity


def take_place(subject: Activity | Team, counter: str) -> bool:
    """One more of the subject's places (counter: its count column), unless they are all taken."""
    model = type(subject)
    column = getattr(model, counter)
    stmt = update(model).where(model.id == subject.id)
    if subject.capacity is not None:
        stmt = stmt.where(column < model.capacity)
    return bool(
        execute_dml(stmt.values({counter: column + 1}).execution_options(synchronize_session=False)).rowcount
    )


def file(application: Application, *, volunteer: Volunteer, unit_id: int | None, already: str) -> Application:
    """Add a new application; a second one by the same volunteer is refused by the database."""
    add_or_conflict(application, Conflict(already, reason="already_applied"))
    audit.log("application.created", application, by=volunteer.user, unit_id=unit_id)
    return application


def settle(application: Application, *, accept: bool, reason: str | None, by: User) -> str | None:
    """Move a pending application to accepted or declined (a reason is required to decline),
    once only; returns the reason kept."""
    reason = (reason or "").strip() or None
    if reason and len(reason) > REASON_MAX:
        raise ValidationFailed(fields={"reason": [_("理由不能超过300字")]})
    if not accept and not reason:
        raise ValidationFailed(fields={"reason": [_("婉拒时请填写理由")]})
    model = type(application)
    moved = execute_dml(
        update(model)
        .where(model.id == application.id, model.status == "pending")
        .values(
            status="accepted" if accept else "declined", reason=reason, decided_by_id=by.id, decided_at=now()
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        raise Conflict(_("该申请已处理"), reason="decided")
    return reason


def concluded(
    application: Application, subject: Activity | Team, *, accept: bool, reason: str | None, by: User
) -> Application:
    db.session.flush()
    db.session.refresh(application)
    db.session.refresh(subject)
    audit.log(
        "application.accepted" if accept else "application.declined",
        application,
        by=by,
        unit_id=subject.unit_id,
        reason=reason,
    )
    return application


def apply(volunteer: Volunteer, activity: Activity, note: str) -> ActivityApplication:
    """Apply once to an activity that requires it, while it has places and is not over."""
    note = clean_note(note)
    if not activity.requires_application:
        raise Conflict(_("该活动无需申请，请直接报名"), reason="no_application")
    if activity.is_cancelled or activity.ends_at <= now():
        raise Conflict(_("该活动已结束或已取消"), reason="over")
    if not has_room(activity, "signup_count"):
        raise Conflict(_("该活动名额已满"), reason="full")
    application = ActivityApplication(activity_id=activity.id, volunteer_id=volunteer.id, note=note)
    return file(application, volunteer=volunteer, unit_id=activity.unit_id, already=_("您已申请过该活动"))


def decide(
    application: ActivityApplication, *, accept: bool, reason: str | None, by: User
) -> ActivityApplication:
    """Accept (a place, a sign-up) or decline (a reason is required) a pending application."""
    activity = application.activity
    units.ensure_can_manage_unit(by, activity.unit_id)
    reason = settle(application, accept=accept, reason=reason, by=by)
    signed_up = db.session.scalar(
        select(ActivitySignup.id).where(
            ActivitySignup.activity_id == activity.id, ActivitySignup.volunteer_id == application.volunteer_id
        )
    )
    if accept and signed_up is None:
        if activity.is_cancelled or activity.ends_at <= now():
            raise Conflict(_("该活动已结束或已取消"), reason="over")
        if not take_place(activity, "signup_count"):
            raise Conflict(_("该活动名额已满"), reason="full")
        db.session.add(
            ActivitySignup(activity_id=activity.id, volunteer_id=application.volunteer_id, created_at=now())
        )
    return concluded(application, activity, accept=accept, reason=reason, by=by)


def listed_for(model: type[Application], subject: str, subject_id: int) -> list[Application]:
    """A subject's applications (subject: "activity" or "team"), oldest first, with their volunteers."""
    return list(
        db.session.scalars(
            select(model)
            .where(getattr(model, f"{subject}_id") == subject_id)
            .options(selectinload(model.volunteer))
            .order_by(model.id)
        )
    )


def listed_by(model: type[Application], subject: str, volunteer: Volunteer) -> list[Application]:
    """A volunteer's latest applications of one kind, with what they are for."""
    return list(
        db.session.scalars(
            select(model)
            .where(model.volunteer_id == volunteer.id)
            .options(selectinload(getattr(model, subject)))
            .order_by(model.id.desc())
            .limit(100)
        )
    )


def one_of(
    model: type[Application], subject: str, subject_id: int, volunteer: Volunteer | None
) -> Application | None:
    """The volunteer's application to the subject, if any."""
    if volunteer is None:
        return None
    return db.session.scalar(
        select(model).where(getattr(model, f"{subject}_id") == subject_id, model.volunteer_id == volunteer.id)
    )


def applications_of(activity: Activity) -> list[ActivityApplication]:
    return listed_for(ActivityApplication, "activity", activity.id)


def my_applications(volunteer: Volunteer) -> list[ActivityApplication]:
    return listed_by(ActivityApplication, "activity", volunteer)


def application_of(volunteer: Volunteer | None, activity: Activity) -> ActivityApplication | None:
    return one_of(ActivityApplication, "activity", activity.id, volunteer)


def selective_on_now(post_id: int, at):
    """The selective activities (those that take applications) on at the post at `at`."""
    return select(Activity.id).where(
        Activity.post_id == post_id,
        Activity.requires_application.is_(True),
        Activity.is_cancelled.is_(False),
        Activity.starts_at <= at + EARLY_CHECK_IN,
        Activity.ends_at >= at,
    )


def ensure_may_check_in(volunteer: Volunteer, post: Post, at) -> None:
    """While a selective activity is on at the post, only its accepted volunteers check in."""
    on = list(db.session.scalars(selective_on_now(post.id, at)))
    if not on:
        return
    accepted = db.session.scalar(
        select(
            exists().where(ActivitySignup.activity_id.in_(on), ActivitySignup.volunteer_id == volunteer.id)
        )
    )
    if not accepted:
        raise NotAccepted(_("该服务岗正在进行需申请的活动，只有申请通过的志愿者可以签到"))
