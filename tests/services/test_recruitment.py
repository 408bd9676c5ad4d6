"""Selective recruitment: volunteers apply once with a note; the admin accepts (a place, a
sign-up) or declines with a reason; only accepted volunteers check in while the activity is
on; capacity holds under racing applications and acceptances."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import Activity, ActivityApplication, ActivitySignup, User, Volunteer
from app.services import attendance, posts, recruitment
from app.services.clock import now
from app.services.errors import Conflict, Forbidden, ValidationFailed
from tests import factories as f


def selective(unit, admin, *, capacity=2, starts=None, post=None):
    starts = starts or now() + timedelta(days=1)
    return posts.create_activity(unit.id, posts.ActivityInput(
        title="急救培训", kind="training", starts_at=starts, ends_at=starts + timedelta(hours=3),
        capacity=capacity, requires_application=True, post_id=post.id if post else None), by=admin)[0]


@pytest.fixture
def setting(db):
    unit = f.unit()
    return unit, f.unit_admin(unit)


def test_apply_once_then_accept_or_decline_with_a_reason(setting):
    unit, admin = setting
    activity = selective(unit, admin, capacity=1)
    a, b, c = f.volunteer(unit), f.volunteer(unit), f.volunteer(unit)
    with pytest.raises(Conflict):
        posts.sign_up(a, activity)  # no plain sign-up: apply instead
    first = recruitment.apply(a, activity, " 我有急救证 ")
    assert first.status == "pending" and first.note == "我有急救证"
    with pytest.raises(Conflict) as twice:
        recruitment.apply(a, activity, "again")
    assert twice.value.details["reason"] == "already_applied"
    with pytest.raises(ValidationFailed):
        recruitment.apply(b, activity, "长" * 301)
    second, third = recruitment.apply(b, activity, ""), recruitment.apply(c, activity, "")
    with pytest.raises(Forbidden):
        recruitment.decide(first, accept=True, reason=None, by=f.unit_admin(f.unit()))
    with pytest.raises(ValidationFailed):
        recruitment.decide(second, accept=False, reason=" ", by=admin)
    assert recruitment.decide(first, accept=True, reason=None, by=admin).status == "accepted"
    assert activity.signup_count == 1
    assert _db.session.scalar(select(ActivitySignup.volunteer_id)) == a.id
    _db.session.commit()  # the request that accepted ends
    with pytest.raises(Conflict) as decided:
        recruitment.decide(first, accept=False, reason="x", by=admin)
    assert decided.value.details["reason"] == "decided"
    with pytest.raises(Conflict) as full:
        recruitment.decide(second, accept=True, reason=None, by=admin)
    assert full.value.details["reason"] == "full"
    _db.session.rollback()  # the door rolls a refusal back: the application stays pending
    second = _db.session.get(ActivityApplication, second.id)
    assert second.status == "pending"
    declined = recruitment.decide(second, accept=False, reason="名额已满，下次优先", by=admin)
    assert (declined.status, declined.reason) == ("declined", "名额已满，下次优先")
    with pytest.raises(Conflict) as full_now:
        recruitment.apply(f.volunteer(unit), _db.session.get(Activity, activity.id), "")
    assert full_now.value.details["reason"] == "full"
    assert [x.id for x in recruitment.applications_of(activity)] == [first.id, second.id, third.id]
    plain = posts.create_activity(unit.id, posts.ActivityInput(
        title="普通", kind="service", starts_at=now() + timedelta(days=1), ends_at=now() + timedelta(days=1, hours=1)),
        by=admin)[0]
    with pytest.raises(Conflict):
        recruitment.apply(a, plain, "")


def test_only_accepted_volunteers_check_in_while_the_activity_is_on(setting):
    unit, admin = setting
    post = posts.create_post(unit.id, posts.PostInput(name="培训室"), by=admin)
    activity = selective(unit, admin, starts=now() + timedelta(days=1), post=post)
    accepted, applicant, passer = f.volunteer(unit), f.volunteer(unit), f.volunteer(unit)
    recruitment.decide(recruitment.apply(accepted, activity, ""), accept=True, reason=None, by=admin)
    recruitment.apply(applicant, activity, "")
    during = activity.starts_at + timedelta(minutes=5)
    for outsider in (applicant, passer):
        with pytest.raises(recruitment.NotAccepted):
            attendance.scan(outsider, posts.scan_url(post), at=during)
    assert attendance.scan(accepted, posts.scan_url(post), at=during).action == "check_in"
    # before and after the activity the post is open to everyone
    assert attendance.scan(passer, posts.scan_url(post), at=activity.ends_at + timedelta(hours=1)).action == "check_in"


@pytest.mark.race
def test_racing_acceptances_and_applications_keep_the_capacity(race, setting):
    unit, admin = setting
    activity = selective(unit, admin, capacity=2)
    applicants = [f.volunteer(unit) for _ in range(6)]
    application_ids = [recruitment.apply(v, activity, "").id for v in applicants]
    admin_id, activity_id = admin.id, activity.id

    def accept(i):
        return recruitment.decide(_db.session.get(ActivityApplication, application_ids[i]), accept=True,
                                  reason=None, by=_db.session.get(User, admin_id)).id

    results = race(6, accept)
    assert len([r for r in results if isinstance(r, int)]) == 2
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, int))
    _db.session.expire_all()
    assert _db.session.get(Activity, activity_id).signup_count == 2
    assert _db.session.scalar(select(func.count(ActivitySignup.id))) == 2
    statuses = sorted(_db.session.scalars(select(ActivityApplication.status)))
    assert statuses == ["accepted"] * 2 + ["pending"] * 4

    late = f.volunteer(unit).id
    _db.session.commit()

    def apply_again(_i):
        return recruitment.apply(_db.session.get(Volunteer, late), _db.session.get(Activity, activity_id), "").id

    open_activity = selective(unit, admin, capacity=5)
    activity_id = open_activity.id
    results = race(4, apply_again)
    assert len([r for r in results if isinstance(r, int)]) == 1
    assert _db.session.scalar(select(func.count()).where(ActivityApplication.volunteer_id == late)) == 1

    pending_id = _db.session.scalar(select(ActivityApplication.id).where(ActivityApplication.status == "pending",
                                                                          ActivityApplication.activity_id != activity_id))

    def decide_twice(i):
        application = _db.session.get(ActivityApplication, pending_id)
        return recruitment.decide(application, accept=i == 0, reason=None if i == 0 else "不合适",
                                  by=_db.session.get(User, admin_id)).status

    results = race(2, decide_twice)  # the activity is full: the acceptance fails, the decline holds
    assert [r for r in results if isinstance(r, str)] == ["declined"]
    assert isinstance(results[0], Conflict)
