"""Selective recruitment's doors: a volunteer applies on the phone and through
applyForActivity (once); the admin accepts or declines with a reason on the review page and
through decideApplication; the volunteer sees the decision and its reason."""
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db as _db
from app.models import ActivityApplication
from app.services import posts
from app.services.clock import now
from tests import factories as f


def _selective(unit, admin, capacity=2):
    start = now() + timedelta(days=2)
    activity = posts.create_activity(unit.id, posts.ActivityInput(
        title="心理援助培训", kind="training", starts_at=start, ends_at=start + timedelta(hours=2),
        capacity=capacity, requires_application=True), by=admin)[0]
    _db.session.commit()
    return activity


def test_apply_on_the_phone_and_the_admin_declines_with_a_reason(client, db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    volunteer = f.volunteer(unit, name="申请人")
    activity = _selective(unit, admin)
    f.login(client, volunteer.user)
    home = client.get("/me/").get_data(as_text=True)
    assert f"/applications/apply/{activity.id}" in home
    sent = f.post_form(client, f"/applications/apply/{activity.id}", {"note": "<i>心理咨询师</i>"},
                       follow_redirects=True)
    assert "已提交申请" in sent.get_data(as_text=True)
    again = f.post_form(client, f"/applications/apply/{activity.id}", {"note": "x"},
                        token_from="/applications/mine")
    assert again.status_code == 200 and "您已申请过该活动" in again.get_data(as_text=True)
    assert len(db.session.scalars(select(ActivityApplication)).all()) == 1
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/applications/mine")})

    f.login(client, f.unit_admin(f.unit()))
    assert client.get(f"/applications/activity/{activity.id}").status_code == 403
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/campaigns/")})
    f.login(client, admin)
    review = client.get(f"/applications/activity/{activity.id}").get_data(as_text=True)
    assert "&lt;i&gt;心理咨询师" in review and "申请人" in review
    application = db.session.scalar(select(ActivityApplication))
    no_reason = f.post_form(client, f"/applications/{application.id}/decide", {"decision": "decline", "reason": ""},
                            token_from=f"/applications/activity/{activity.id}", follow_redirects=True)
    assert "婉拒时请填写理由" in no_reason.get_data(as_text=True)
    f.post_form(client, f"/applications/{application.id}/decide", {"decision": "decline", "reason": "需持证上岗"},
                token_from=f"/applications/activity/{activity.id}")
    db.session.expire_all()
    assert db.session.get(ActivityApplication, application.id).status == "declined"
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/campaigns/")})

    f.login(client, volunteer.user)
    mine = client.get("/applications/mine").get_data(as_text=True)
    assert "已婉拒" in mine and "需持证上岗" in mine


def test_the_api_applies_once_and_the_admin_accepts(client, db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    volunteer = f.volunteer(unit)
    activity = _selective(unit, admin, capacity=1)
    headers = f.api_token(client, volunteer.user.username)
    made = client.post(f"/api/v1/activities/{activity.id}/applications", json={"note": "周末有空"}, headers=headers)
    assert made.status_code == 201 and made.json["status"] == "pending"
    twice = client.post(f"/api/v1/activities/{activity.id}/applications", json={}, headers=headers)
    assert twice.status_code == 409 and twice.json["error"]["code"] == "conflict"
    assert client.post("/api/v1/activities/999999/applications", json={}, headers=headers).status_code == 404
    assert client.post(f"/api/v1/activities/{activity.id}/applications", json={"note": "x" * 301},
                       headers=headers).status_code == 422
    assert client.post(f"/api/v1/applications/{made.json['id']}/decision", json={"decision": "accept"},
                       headers=headers).status_code == 403
    stranger = f.api_token(client, f.unit_admin(f.unit()).username)
    assert client.post(f"/api/v1/applications/{made.json['id']}/decision", json={"decision": "accept"},
                       headers=stranger).status_code == 403
    boss = f.api_token(client, admin.username)
    bad = client.post(f"/api/v1/applications/{made.json['id']}/decision", json={"decision": "maybe"}, headers=boss)
    assert bad.status_code == 422 and "decision" in bad.json["error"]["fields"]
    declined = client.post(f"/api/v1/applications/{made.json['id']}/decision", json={"decision": "decline"},
                           headers=boss)
    assert declined.status_code == 422 and "reason" in declined.json["error"]["fields"]
    accepted = client.post(f"/api/v1/applications/{made.json['id']}/decision", json={"decision": "accept"},
                           headers=boss)
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    assert client.post(f"/api/v1/applications/{made.json['id']}/decision", json={"decision": "accept"},
                       headers=boss).status_code == 409
