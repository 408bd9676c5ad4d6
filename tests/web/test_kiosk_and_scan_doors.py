"""Kiosk screens and card reading, the scan page's log-in round trip, and the attendance API's
error shapes and access by role and unit."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import ServiceRecord
from app.services import ledger, posts, qr
from app.services.clock import now
from tests import factories as f


@pytest.fixture
def scene(db):
    unit, other_unit = f.unit("阳光社区"), f.unit("市民政局")
    post = posts.create_post(unit.id, posts.PostInput(name="图书馆服务岗", lat=31.2304, lng=121.4737, radius_m=100),
                             by=None)
    db.session.commit()
    return {"unit": unit, "post": post, "admin": f.unit_admin(unit, "sunadmin"),
            "other_admin": f.unit_admin(other_unit, "mzadmin"), "volunteer": f.volunteer(unit),
            "other_volunteer": f.volunteer(other_unit, name="李四")}


def path_of(url: str) -> str:
    return url.replace("http://vs.test", "")


def test_kiosk_screen_shows_a_fresh_code_that_checks_in(app, client, db, scene):
    f.login(client, scene["admin"])
    post_id = scene["post"].id
    assert client.get(f"/admin/posts/{post_id}/kiosk").status_code == 200
    shown = client.get(f"/admin/posts/{post_id}/kiosk/code.json")
    assert shown.headers["Cache-Control"] == "no-store" and shown.json["png"].startswith("data:image/png;base64,")
    code = shown.json["code"]
    assert code != posts.scan_url(scene["post"])      # not the poster's URL: it expires
    volunteer = app.test_client()
    f.login(volunteer, scene["volunteer"].user)
    page = volunteer.get(path_of(code))
    assert page.status_code == 200 and "图书馆服务岗" in page.get_data(as_text=True)
    # the kiosk stands at the post, but the phone that reads its screen still reports its position
    response = f.post_form(volunteer, path_of(code), {"lat": "31.2304", "lng": "121.4737"}, token_from=path_of(code))
    assert response.status_code == 302 and "/scan/records/" in response.headers["Location"]
    assert ledger.open_session(scene["volunteer"].id) is not None


def test_kiosk_pages_are_for_the_posts_own_admins(app, client, scene):
    post_id = scene["post"].id
    f.login(client, scene["other_admin"])
    for path in (f"/admin/posts/{post_id}/kiosk", f"/admin/posts/{post_id}/kiosk/code.json",
                 f"/admin/posts/{post_id}/kiosk/card"):
        assert client.get(path).status_code == 403
    phone = app.test_client()
    f.login(phone, scene["volunteer"].user)
    assert phone.get(f"/admin/posts/{post_id}/kiosk/card").status_code == 403
    assert phone.get(f"/admin/posts/{post_id}/kiosk/code.json").status_code == 403


def test_kiosk_reads_volunteer_cards_to_check_in_and_out(app, client, db, scene):
    f.login(client, scene["admin"])
    path = f"/admin/posts/{scene['post'].id}/kiosk/card"
    card = qr.make_url("card", {"v": scene["volunteer"].id})[0]
    response = f.post_form(client, path, {"code": card})
    assert response.status_code == 302
    assert "签到成功" in client.get(path).get_data(as_text=True)
    record = ledger.open_session(scene["volunteer"].id)
    assert record is not None and record.source == "kiosk"
    db.session.execute(db.update(ServiceRecord).values(started_at=now() - timedelta(hours=2)))
    db.session.commit()
    f.post_form(client, path, {"code": qr.make_url("card", {"v": scene["volunteer"].id})[0]})
    assert "签退成功，本次 2.0 小时" in client.get(path).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ServiceRecord, record.id).status == "pending"


def test_kiosk_refuses_an_expired_or_tampered_card_with_a_message(app, client, db, scene):
    f.login(client, scene["admin"])
    path = f"/admin/posts/{scene['post'].id}/kiosk/card"
    card = qr.make_url("card", {"v": scene["volunteer"].id})[0]
    f.post_form(client, path, {"code": card[:-3] + "zzz"})
    assert "二维码无效" in client.get(path).get_data(as_text=True)
    app.config["CARD_CODE_SECONDS"] = -1
    f.post_form(client, path, {"code": card})
    assert "二维码已过期" in client.get(path).get_data(as_text=True)
    assert db.session.scalar(select(func.count(ServiceRecord.id))) == 0


def test_scanning_before_logging_in_comes_back_to_the_post(client, db, scene):
    url = path_of(posts.scan_url(scene["post"]))
    # a stale page, or a second tab that logged out: the POST arrives without a login
    response = f.post_form(client, url, {}, token_from="/login")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count(ServiceRecord.id))) == 0
    login_page = client.get(url).get_data(as_text=True)
    assert "next=" in login_page  # the page's log-in link carries the way back
    back = client.post(f"/login?next={url}", data={"username": scene["volunteer"].user.username,
                                                   "password": f.PASSWORD, "csrf_token": f.csrf_token(client)})
    assert back.status_code == 302 and back.headers["Location"].endswith(url)
    assert "签到" in client.get(url).get_data(as_text=True)


def test_admins_cannot_check_in(client, db, scene):
    f.login(client, scene["admin"])
    url = path_of(posts.scan_url(scene["post"]))
    assert "志愿者账号" in client.get(url).get_data(as_text=True)
    assert f.post_form(client, url, {}, token_from=url).status_code == 403
    assert db.session.scalar(select(func.count(ServiceRecord.id))) == 0


def test_api_scan_errors_have_the_contract_shape(client, db, scene):
    park = posts.create_post(scene["unit"].id, posts.PostInput(name="公园服务岗"), by=None)
    db.session.commit()
    code = posts.scan_url(scene["post"])
    unauthenticated = client.post("/api/v1/scan", json={"code": code})
    assert unauthenticated.status_code == 401 and unauthenticated.json["error"]["code"] == "unauthorized"
    volunteer = f.api_token(client, scene["volunteer"].user.username)
    outside = client.post("/api/v1/scan", headers=volunteer, json={"code": code, "lat": 31.3, "lng": 121.4737})
    assert outside.status_code == 403 and outside.json["error"]["code"] == "outside_fence"
    unknown = client.post("/api/v1/scan", headers=volunteer, json={"code": code, "when": "now"})
    assert unknown.status_code == 422 and "when" in unknown.json["error"]["fields"]
    inside = client.post("/api/v1/scan", headers=volunteer, json={"code": code, "lat": 31.2304, "lng": 121.4737})
    assert inside.status_code == 200 and inside.json["action"] == "check_in"
    elsewhere = client.post("/api/v1/scan", headers=volunteer, json={"code": posts.scan_url(park)})
    assert elsewhere.status_code == 409 and elsewhere.json["error"]["code"] == "open_elsewhere"
    assert "图书馆服务岗" in elsewhere.json["error"]["message"]
    admin = f.api_token(client, "sunadmin")
    assert client.post("/api/v1/scan", headers=admin, json={"code": code}).status_code == 403
    expired_kiosk = qr.make_token("kiosk", {"p": scene["post"].id, "v": 1})
    client.application.config["KIOSK_CODE_SECONDS"] = -1
    refused = client.post("/api/v1/scan", headers=volunteer, json={"code": expired_kiosk})
    assert refused.status_code == 400 and refused.json["error"]["code"] == "code_expired"
    for body in ({"code": {"a": 1}}, {}):
        bad = client.post("/api/v1/scan", headers=volunteer, json=body)
        assert bad.status_code == 422 and "code" in bad.json["error"]["fields"]


def test_api_records_by_role_and_unit(client, db, scene):
    record = f.give_hours(scene["other_volunteer"], 2)
    db.session.commit()
    admin, other = f.api_token(client, "sunadmin"), f.api_token(client, "mzadmin")
    assert client.post(f"/api/v1/records/{record.id}/approve", headers=admin).status_code == 403
    assert client.post(f"/api/v1/records/{record.id}/reject", headers=admin,
                       json={"reason": "x"}).status_code == 403
    missing = client.post("/api/v1/records/999999/approve", headers=admin)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    assert client.post(f"/api/v1/records/{record.id}/reject", headers=other, json={}).status_code == 422
    assert client.post(f"/api/v1/units/{scene['unit'].id}/posts", headers=other,
                       json={"name": "x"}).status_code == 403
    assert client.get(f"/api/v1/posts/{scene['post'].id}/poster.png", headers=other).status_code == 403
    volunteer = f.api_token(client, scene["volunteer"].user.username)
    assert client.get(f"/api/v1/units/{scene['unit'].id}/records", headers=volunteer).status_code == 403
    scene["volunteer"].created_at = now() - timedelta(days=30)  # registered before the service entered
    db.session.commit()
    start = (now() - timedelta(days=1)).replace(microsecond=0)
    overlap = client.post(f"/api/v1/units/{scene['unit'].id}/records", headers=admin, json={
        "volunteer_id": scene["volunteer"].id, "started_at": start.isoformat(),
        "ended_at": (start + timedelta(hours=2)).isoformat()})
    assert overlap.status_code == 201
    again = client.post(f"/api/v1/units/{scene['unit'].id}/records", headers=admin, json={
        "volunteer_id": scene["volunteer"].id, "started_at": (start + timedelta(hours=1)).isoformat(),
        "ended_at": (start + timedelta(hours=3)).isoformat()})
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
