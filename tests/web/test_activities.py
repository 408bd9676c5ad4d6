"""Activities: a weekly series, sign-ups within capacity even when they race."""
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import Activity, ActivitySignup, Volunteer
from app.services import posts
from app.services.clock import local, now
from tests import factories as f


def test_unit_admin_publishes_a_weekly_series(client, db):
    unit = f.unit()
    f.login(client, f.unit_admin(unit))
    start = local(now() + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    response = f.post_form(client, "/activities/", {
        "title": "每周三文明引导", "kind": "service", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "post_id": 0,
        "weekly_count": 4, "capacity": 10})
    assert response.status_code == 302
    series = db.session.scalars(select(Activity).order_by(Activity.starts_at)).all()
    assert len(series) == 4 and {a.series_id for a in series} == {series[0].id}
    assert series[3].starts_at - series[0].starts_at == timedelta(weeks=3)
    bad = f.post_form(client, "/activities/", {"title": "x", "kind": "service",
                                               "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
                                               "ends_at": start.strftime("%Y-%m-%dT%H:%M"), "post_id": 0,
                                               "weekly_count": 1})
    assert "结束时间必须晚于开始时间" in bad.get_data(as_text=True)


def test_volunteer_signs_up_from_home(client, db):
    unit = f.unit()
    volunteer = f.volunteer(unit)
    activity = posts.create_activity(unit.id, posts.ActivityInput(
        title="社区清洁", kind="event", starts_at=now() + timedelta(days=1),
        ends_at=now() + timedelta(days=1, hours=2), capacity=5), by=None)[0]
    db.session.commit()
    f.login(client, volunteer.user)
    assert "社区清洁" in client.get("/me/").get_data(as_text=True)
    f.post_form(client, f"/activities/{activity.id}/signup", {}, token_from="/me/")
    db.session.refresh(activity)
    assert activity.signup_count == 1
    again = f.post_form(client, f"/activities/{activity.id}/signup", {}, token_from="/me/", follow_redirects=True)
    assert "您已报名该活动" in again.get_data(as_text=True) and activity.signup_count == 1


def test_racing_sign_ups_respect_capacity(race, db):
    unit = f.unit()
    people = [f.volunteer(unit, name=f"志愿者{i}") for i in range(6)]
    activity = posts.create_activity(unit.id, posts.ActivityInput(
        title="讲座", kind="training", starts_at=now() + timedelta(days=1),
        ends_at=now() + timedelta(days=1, hours=1), capacity=3), by=None)[0]
    ids, activity_id = [p.id for p in people], activity.id
    race(len(ids), lambda i: posts.sign_up(_db.session.get(Volunteer, ids[i]), _db.session.get(Activity, activity_id)))
    assert db.session.scalar(select(func.count(ActivitySignup.id))) == 3
    assert db.session.get(Activity, activity_id).signup_count == 3
