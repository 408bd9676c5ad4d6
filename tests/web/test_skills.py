"""Skills on the portal and the API: the volunteer's profile page, updateMe, the admins'
volunteer list and listVolunteers, an activity asking for a skill."""
from datetime import timedelta

from sqlalchemy import select

from app.models import Activity
from app.services import skills
from app.services.clock import local, now
from tests import factories as f


def _skill(name: str) -> int:
    return next(s.id for s in skills.list_skills() if s.name == name)


def test_volunteer_ticks_skills_with_notes_on_the_profile_page(client, db):
    volunteer = f.volunteer()
    f.login(client, volunteer.user)
    page = client.get("/me/profile/")
    assert page.status_code == 200 and "心理咨询师" in page.get_data(as_text=True)
    doctor = _skill("医生")
    saved = f.post_form(client, "/me/profile/", {"skill": [str(doctor), str(_skill("手语"))],
                                                 f"note-{doctor}": "执业证 123"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert {vs.skill.name: vs.note for vs in volunteer.skills} == {"医生": "执业证 123", "手语": None}
    bad = f.post_form(client, "/me/profile/", {"skill": ["abc", "999999"]})
    assert bad.status_code == 422 and "请从目录中选择专业技能" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert len(volunteer.skills) == 2


def test_update_me_replaces_the_callers_skills(client, db):
    volunteer = f.volunteer()
    headers = f.api_token(client, volunteer.user.username)
    answer = client.patch("/api/v1/me", headers=headers,
                          json={"skills": [{"skill_id": _skill("律师"), "note": " 律师证 A1 "}]})
    assert answer.status_code == 200, answer.json
    assert answer.json["skills"] == [{"skill_id": _skill("律师"), "name": "律师", "note": "律师证 A1"}]
    for bad in ({"skills": [{"skill_id": 999999}]}, {"skills": [{"skill_id": 1, "note": "x" * 101}]},
                {"skills": "医生"}, {"colour": "red"}):
        refused = client.patch("/api/v1/me", headers=headers, json=bad)
        assert refused.status_code == 422, (bad, refused.json)
    assert client.get("/api/v1/skills").json["items"][0]["name"] == "医生"
    admin_headers = f.api_token(client, f.unit_admin(volunteer.unit).username)
    assert client.patch("/api/v1/me", headers=admin_headers, json={"skills": []}).status_code == 403


def test_admins_filter_volunteers_by_skill_on_the_page_and_the_api(client, db):
    unit, other = f.unit(), f.unit()
    doctor, plain = f.volunteer(unit, name="王医生"), f.volunteer(unit, name="张平")
    far_doctor = f.volunteer(other, name="赵医生")
    for person in (doctor, far_doctor):
        skills.set_skills(person, {_skill("医生"): "执业证"}, by=None)
    db.session.commit()
    admin = f.unit_admin(unit)
    f.login(client, admin)
    html = client.get(f"/admin/volunteers?skill_id={_skill('医生')}").get_data(as_text=True)
    assert "王医生" in html and "张平" not in html and "赵医生" not in html
    headers = f.api_token(client, admin.username)
    found = client.get(f"/api/v1/volunteers?skill_id={_skill('医生')}", headers=headers)
    assert found.status_code == 200 and [v["id"] for v in found.json["items"]] == [doctor.id]
    assert found.json["items"][0]["skills"] == [{"skill_id": _skill("医生"), "name": "医生", "note": "执业证"}]
    by_phone = client.get(f"/api/v1/volunteers?phone={plain.phone}", headers=headers).json
    assert [v["id"] for v in by_phone["items"]] == [plain.id] and by_phone["total"] == 1
    assert client.get(f"/api/v1/volunteers?unit_id={other.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/volunteers?per_page=100000", headers=headers).status_code == 422
    boss = f.api_token(client, f.platform_admin().username)
    everyone = client.get(f"/api/v1/volunteers?skill_id={_skill('医生')}", headers=boss).json
    assert {v["id"] for v in everyone["items"]} == {doctor.id, far_doctor.id}
    volunteer_headers = f.api_token(client, plain.user.username)
    assert client.get("/api/v1/volunteers", headers=volunteer_headers).status_code == 403


def test_an_activity_asks_for_a_skill_and_its_holders_come_first_on_the_register(client, db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    f.login(client, admin)
    start = local(now() + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    made = f.post_form(client, "/activities/", {
        "title": "手语导览", "kind": "service", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "post_id": 0, "category_id": 0,
        "skill_id": _skill("手语"), "weekly_count": 1})
    assert made.status_code == 302
    activity = db.session.scalar(select(Activity).where(Activity.title == "手语导览"))
    assert activity.skill_id == _skill("手语")
    from app.services import posts
    first, second = f.volunteer(unit, name="甲某"), f.volunteer(unit, name="乙某")
    skills.set_skills(second, {_skill("手语"): None}, by=None)
    posts.sign_up(first, activity)
    posts.sign_up(second, activity)
    db.session.commit()
    html = client.get(f"/activities/{activity.id}/attendance").get_data(as_text=True)
    assert html.index("乙某") < html.index("甲某")
