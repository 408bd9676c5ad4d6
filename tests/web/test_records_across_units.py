"""Manual records across units: only the admin's own volunteers by id or number; another
unit's volunteer only by number and name together, pending in that unit's review list; a
bare id outside the admin's unit answers exactly like a missing one."""
from datetime import timedelta

import pytest

from app.services.clock import local, now
from tests import factories as f


@pytest.fixture
def scene(db):
    unit_a, unit_b = f.unit("甲街道"), f.unit("乙街道")
    own, foreign = f.volunteer(unit_a, name="本单位"), f.volunteer(unit_b, name="欧阳春花")
    for volunteer in (own, foreign):  # registered well before the service entered by hand
        volunteer.created_at = now() - timedelta(days=30)
    return {"unit_a": unit_a, "unit_b": unit_b,
            "admin_a": f.unit_admin(unit_a), "admin_b": f.unit_admin(unit_b),
            "own": own, "foreign": foreign}


def _times(hours_ago: int = 5):
    start = now() - timedelta(hours=hours_ago)
    return start, start + timedelta(hours=2)


def _api_body(**extra):
    start, end = _times()
    return {"started_at": start.isoformat(), "ended_at": end.isoformat(), "note": "签到表", **extra}


def test_api_create_record_for_a_foreign_id_answers_like_a_missing_one(client, scene, db):
    admin = f.api_token(client, scene["admin_a"].username)
    url = f"/api/v1/units/{scene['unit_a'].id}/records"
    foreign = client.post(url, headers=admin, json=_api_body(volunteer_id=scene["foreign"].id))
    missing = client.post(url, headers=admin, json=_api_body(volunteer_id=999999))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json == missing.json
    assert scene["foreign"].approved_seconds == 0
    # wrong name with a real number: also "missing"
    wrong = client.post(url, headers=admin, json=_api_body(volunteer_no=scene["foreign"].volunteer_no, name="别人"))
    assert wrong.status_code == 404
    own = client.post(url, headers=admin, json=_api_body(volunteer_id=scene["own"].id))
    assert own.status_code == 201 and own.json["status"] == "approved"


def test_a_foreign_volunteer_by_number_and_name_gets_a_pending_record_for_their_unit(client, scene, db):
    admin = f.api_token(client, scene["admin_a"].username)
    made = client.post(f"/api/v1/units/{scene['unit_a'].id}/records", headers=admin,
                       json=_api_body(volunteer_no=scene["foreign"].volunteer_no, name="欧阳春花"))
    assert made.status_code == 201 and made.json["status"] == "pending" and made.json["hours"] == 2.0
    db.session.expire_all()
    assert scene["foreign"].approved_seconds == 0
    # the entering unit cannot approve it; the volunteer's own unit sees it and can
    assert client.post(f"/api/v1/records/{made.json['id']}/approve", headers=admin).status_code == 403
    f.login(client, scene["admin_b"])
    review = client.get("/admin/records/").get_data(as_text=True)
    assert "欧阳春花" in review and "外单位补录" in review
    f.post_form(client, "/admin/records/approve", {"record_id": [made.json["id"]]}, token_from="/admin/records/")
    db.session.expire_all()
    assert scene["foreign"].approved_seconds == 2 * 3600


def test_web_manual_entry_follows_the_same_rule(client, scene, db):
    start, end = (local(t).strftime("%Y-%m-%dT%H:%M") for t in _times())
    f.login(client, scene["admin_a"])
    form = {"started_at": start, "ended_at": end, "note": "签到表", "post_id": "0"}
    no_name = f.post_form(client, "/admin/records/new", {**form, "volunteer_no": scene["foreign"].volunteer_no})
    unknown = f.post_form(client, "/admin/records/new", {**form, "volunteer_no": "ZY0000000000"})
    assert no_name.status_code == unknown.status_code == 200
    assert "未找到该编号的志愿者" in no_name.get_data(as_text=True)
    assert "欧阳春花" not in no_name.get_data(as_text=True)
    made = f.post_form(client, "/admin/records/new",
                       {**form, "volunteer_no": scene["foreign"].volunteer_no, "name": "欧阳春花"})
    assert made.status_code == 302
    db.session.expire_all()
    assert scene["foreign"].approved_seconds == 0
    own = f.post_form(client, "/admin/records/new", {**form, "volunteer_no": scene["own"].volunteer_no})
    assert own.status_code == 302
    db.session.expire_all()
    assert scene["own"].approved_seconds == 2 * 3600


def test_lookups_by_bare_id_reveal_nothing_outside_the_unit(client, scene, db):
    f.give_hours(scene["foreign"], 3)
    f.login(client, scene["admin_a"])
    for path in ("/admin/records/?status=&volunteer_id={}", "/certificates/?volunteer_id={}"):
        foreign = client.get(path.format(scene["foreign"].id))
        missing = client.get(path.format(999999))
        assert foreign.status_code == missing.status_code == 200
        html = foreign.get_data(as_text=True)
        assert "欧阳春花" not in html and scene["foreign"].volunteer_no not in html, path
    admin = f.api_token(client, scene["admin_a"].username)
    url = f"/api/v1/units/{scene['unit_a'].id}/records?volunteer_id="
    foreign = client.get(url + str(scene["foreign"].id), headers=admin)
    missing = client.get(url + "999999", headers=admin)
    assert foreign.status_code == 200 and foreign.json == missing.json
    # the platform admin filters every unit
    boss = f.api_token(client, f.platform_admin().username)
    listing = client.get(f"/api/v1/units/{scene['unit_b'].id}/records?status=approved&volunteer_id="
                         f"{scene['foreign'].id}", headers=boss)
    assert listing.json["total"] == 1
