"""Selective recruitment: an activity may require an application. The volunteer applies once
with a short note; the admin of the activity's unit accepts (the acceptance takes one of the
activity's places and signs the volunteer up) or declines with a reason. Only accepted
volunteers can check in at the activity's post while it is on.

Capacity holds under racing acceptances: a place is taken by a conditional UPDATE of the
activity's sign-up count, and a decision moves an application out of 'pending' once only."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.extensions import db, execute_dml
from app.models import Activity, ActivityApplication, ActivitySignup, Post, User, Volunteer
from app.services import audit, units
from app.services.clock import now
from app.services.errors import Conflict, DomainError, NotFound, ValidationFailed

NOTE_MAX = 300
REASON_MAX = 300
EARLY_CHECK_IN = timedelta(minutes=30)  # as for attendance of sign-ups (app.services.posts)


class NotAccepted(DomainError):
    """A check-in at a post whose selective activity is on, by someone not accepted to it."""

    status = 403
    code = "not_accepted"


def get_application(application_id: int) -> ActivityApplication:
    application = db.session.get(ActivityApplication, application_id)
    if application is None:
        raise NotFound(_("申请不存在"))
    return application


def apply(volunteer: Volunteer, activity: Activity, note: str) -> ActivityApplication:
    """Apply once to an activity that requires it, while it has places and is not over."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(fields={"note": [_("申请说明不能超过300字")]})
    if not activity.requires_application:
        raise Conflict(_("该活动无需申请，请直接报名"), reason="no_application")
    if activity.is_cancelled or activity.ends_at <= now():
        raise Conflict(_("该活动已结束或已取消"), reason="over")
    if activity.capacity is not None and activity.signup_count >= activity.capacity:
        raise Conflict(_("该活动名额已满"), reason="full")
    application = ActivityApplication(activity_id=activity.id, volunteer_id=volunteer.id, note=note)
    try:
        with db.session.begin_nested():
            db.session.add(application)
    except IntegrityError:
        raise Conflict(_("您已申请过该活动"), reason="already_applied") from None
    audit.log("application.created", application, by=volunteer.user, unit_id=activity.unit_id)
    return application


def _take_place(activity: Activity) -> bool:
    stmt = update(Activity).where(Activity.id == activity.id)
    if activity.capacity is not None:
        stmt = stmt.where(Activity.signup_count < Activity.capacity)
    return bool(
        execute_dml(
            stmt.values(signup_count=Activity.signup_count + 1).execution_options(synchronize_session=False)
        ).rowcount
    )


def decide(
    application: ActivityApplication, *, accept: bool, reason: str | None, by: User
) -> ActivityApplication:
    """Accept (a place, a sign-up) or decline (a reason is required) a pending application."""
    activity = application.activity
    units.ensure_can_manage_unit(by, activity.unit_id)
    reason = (reason or "").strip() or None
    if reason and len(reason) > REASON_MAX:
        raise ValidationFailed(fields={"reason": [_("理由不能超过300字")]})
    if not accept and not reason:
        raise ValidationFailed(fields={"reason": [_("婉拒时请填写理由")]})
    moved = execute_dml(
        update(ActivityApplication)
        .where(ActivityApplication.id == application.id, ActivityApplication.status == "pending")
        .values(
            status="accepted" if accept else "declined", reason=reason, decided_by_id=by.id, decided_at=now()
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        raise Conflict(_("该申请已处理"), reason="decided")
    signed_up = db.session.scalar(
        select(ActivitySignup.id).where(
            ActivitySignup.activity_id == activity.id, ActivitySignup.volunteer_id == application.volunteer_id
        )
    )
    if accept and signed_up is None:
        if activity.is_cancelled or activity.ends_at <= now():
            raise Conflict(_("该活动已结束或已取消"), reason="over")
        if not _take_place(activity):
            raise Conflict(_("该活动名额已满"), reason="full")
        db.session.add(
            ActivitySignup(activity_id=activity.id, volunteer_id=application.volunteer_id, created_at=now())
        )
    db.session.flush()
    db.session.refresh(application)
    db.session.refresh(activity)
    audit.log(
        "application.accepted" if accept else "application.declined",
        application,
        by=by,
        unit_id=activity.unit_id,
        reason=reason,
    )
    return application


def applications_of(activity: Activity) -> list[ActivityApplication]:
    return list(
        db.session.scalars(
            select(ActivityApplication)
            .where(ActivityApplication.activity_id == activity.id)
            .options(selectinload(ActivityApplication.volunteer))
            .order_by(ActivityApplication.id)
        )
    )


def my_applications(volunteer: Volunteer) -> list[ActivityApplication]:
    return list(
        db.session.scalars(
            select(ActivityApplication)
            .where(ActivityApplication.volunteer_id == volunteer.id)
            .options(selectinload(ActivityApplication.activity))
            .order_by(ActivityApplication.id.desc())
            .limit(100)
        )
    )


def application_of(volunteer: Volunteer | None, activity: Activity) -> ActivityApplication | None:
    if volunteer is None:
        return None
    return db.session.scalar(
        select(ActivityApplication).where(
            ActivityApplication.activity_id == activity.id, ActivityApplication.volunteer_id == volunteer.id
        )
    )


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
