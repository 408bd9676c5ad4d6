"""Trainings count by attendance: a sign-up is attended when the volunteer checks in at the
activity's post during it, or when the unit admin marks it in the attendance register."""
from datetime import timedelta

import pytest

from app.extensions import db as _db
from app.models import ActivitySignup
from app.services import attendance, posts
from app.services.bulletins.figures import compute
from app.services.clock import month_of, now, previous_month
from tests import factories as f


@pytest.fixture
def training(db):
    unit = f.unit("阳光社区")
    post = posts.create_post(unit.id, posts.PostInput(name="社区活动室"), by=None)
    people = [f.volunteer(unit, name=name) for name in ("张三", "李四", "王五")]
    activity = posts.create_activity(unit.id, posts.ActivityInput(
        title="急救培训", kind="training", starts_at=now() + timedelta(minutes=20),
        ends_at=now() + timedelta(hours=2), post_id=post.id), by=None)[0]
    for person in people:
        posts.sign_up(person, activity)
    activity.starts_at = now() - timedelta(minutes=5)  # it has begun
    _db.session.commit()
    return {"unit": unit, "post": post, "people": people, "activity": activity, "admin": f.unit_admin(unit)}


def attended(activity):
    return {s.volunteer_id: s.attendance_source for s in _db.session.scalars(
        _db.select(ActivitySignup).where(ActivitySignup.activity_id == activity.id)) if s.attended_at}


def test_checking_in_at_the_activitys_post_during_it_records_attendance(training):
    zhang, li, _wang = training["people"]
    attendance.scan(zhang, posts.scan_url(training["post"]))
    _db.session.commit()
    assert attended(training["activity"]) == {zhang.id: "checkin"}
    other = posts.create_post(training["unit"].id, posts.PostInput(name="别处"), by=None)
    attendance.scan(li, posts.scan_url(other))  # checked in elsewhere: not attendance
    _db.session.commit()
    assert attended(training["activity"]) == {zhang.id: "checkin"}


def test_the_unit_admin_marks_attendance_and_trainings_count_by_it(client, training):
    zhang, li, wang = training["people"]
    activity = training["activity"]
    f.login(client, training["admin"])
    path = f"/activities/{activity.id}/attendance"
    assert "急救培训" in client.get(path).get_data(as_text=True)
    response = client.post(path, data={"csrf_token": f.csrf_token(client, path), "attended": [str(zhang.id),
                                                                                              str(li.id)]})
    assert response.status_code == 302
    assert attended(activity) == {zhang.id: "admin", li.id: "admin"}
    client.post(path, data={"csrf_token": f.csrf_token(client, path), "attended": [str(zhang.id)]})
    assert attended(activity) == {zhang.id: "admin"}
    stranger = f.volunteer(f.unit("别的单位"), name="赵六")
    bad = client.post(path, data={"csrf_token": f.csrf_token(client, path), "attended": [str(stranger.id)]},
                      follow_redirects=True)
    assert "只能登记已报名的志愿者" in bad.get_data(as_text=True) and attended(activity) == {zhang.id: "admin"}

    other_admin = f.unit_admin(f.unit("乙单位"))
    other = client.application.test_client()
    f.login(other, other_admin)
    assert other.get(path).status_code == 403

    # the bulletin counts attendances (1 of the 3 signed up), not the training published
    month = month_of(activity.starts_at)
    figures = compute(month)[training["unit"].id]
    assert figures["trainings"] == 1 and figures["training_attendances"] == 1
    assert compute(previous_month(month))[training["unit"].id]["training_attendances"] == 0
