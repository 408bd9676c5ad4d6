"""Residents' needs on the portal and the API: the public page and createNeed (rate-limited),
the status by code, the dispatch desk and dispatchNeed, the volunteers' tasks and
signUpForNeed, the rating page and rateNeed, and what a stranger may not see."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Need, ServiceCategory
from app.services import need_signups, need_workflow, needs
from app.services.clock import local, local_today, now
from tests import factories as f


def _category() -> int:
    from app.extensions import db
    return db.session.scalar(select(ServiceCategory.id).order_by(ServiceCategory.position).limit(1))


def _form(**kw) -> dict:
    return {"category_id": str(_category()), "text": "帮独居老人买菜", "place": "和平街12号",
            "wished_date": (local_today() + timedelta(days=2)).isoformat(), "name": "赵阿姨",
            "phone": "13711112222", "agree": "y", **kw}


def _code(html: str) -> str:
    match = re.search(r'id="need-code">([A-Z0-9]+)<', html)
    assert match, html[:2000]
    return match.group(1)


def test_a_resident_submits_on_the_public_page_and_follows_it_by_code(client, db):
    unit = f.unit()
    page = client.get(f"/needs/new?unit={unit.id}")
    assert page.status_code == 200 and "我有需求" in page.get_data(as_text=True)
    refused = f.post_form(client, f"/needs/new?unit={unit.id}", _form(phone="123", agree=""))
    assert refused.status_code == 422 and "请先同意" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Need.id)) is None
    done = f.post_form(client, f"/needs/new?unit={unit.id}", _form())
    html = done.get_data(as_text=True)
    assert done.status_code == 200
    code = _code(html)
    assert f"/needs/track#{code}" in html
    need = db.session.scalar(select(Need))
    assert need.unit_id == unit.id and need.source == "public"
    tracked = f.post_form(client, "/needs/track", {"code": code.lower()})
    text = tracked.get_data(as_text=True)
    assert tracked.status_code == 200 and "待受理" in text and "13711112222" not in text and "赵阿姨" not in text
    wrong = f.post_form(client, "/needs/track", {"code": "NOPE"})
    assert wrong.status_code == 422 and "查询码不正确" in wrong.get_data(as_text=True)


def test_bad_input_on_the_public_page_is_a_422_not_a_500(client, db):
    for bad in (_form(category_id="abc"), _form(wished_date="2026-02-30"), _form(text="a\x00b"),
                _form(category_id="999999"), _form(wished_date="1900-01-01")):
        response = f.post_form(client, "/needs/new", bad)
        assert response.status_code in (400, 422), bad
    assert db.session.scalar(select(Need.id)) is None


def test_the_dispatch_desk_shows_the_resident_masked_and_full_only_on_request(client, db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    need, _code = needs.submit_need(needs.NeedInput(category_id=_category(), text="修水管", place="光明路1号",
                                                    wished_date=local_today(), name="钱大妈", phone="13622223333",
                                                    unit_id=unit.id))
    db.session.commit()
    f.login(client, admin)
    listing = client.get("/admin/needs/").get_data(as_text=True)
    assert need.number in listing and "136****3333" in listing and "13622223333" not in listing
    detail = client.get(f"/admin/needs/{need.id}").get_data(as_text=True)
    assert "136****3333" in detail and "13622223333" not in detail
    shown = f.post_form(client, f"/admin/needs/{need.id}/contact", {}, token_from=f"/admin/needs/{need.id}")
    assert shown.status_code == 200 and "13622223333" in shown.get_data(as_text=True)
    # another unit's admin: the need does not exist for them
    other = f.unit_admin(f.unit())
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/admin/needs/")})
    f.login(client, other)
    assert client.get(f"/admin/needs/{need.id}").status_code == 404
    assert f.post_form(client, f"/admin/needs/{need.id}/contact", {}, token_from="/admin/needs/").status_code == 404
    assert need.number not in client.get("/admin/needs/").get_data(as_text=True)


def test_the_whole_loop_on_the_portal(client, db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    volunteer = f.volunteer(unit)
    f.login(client, admin)
    entered = f.post_form(client, "/admin/needs/new", _form(text="电话：帮忙搬家具"))
    assert entered.status_code == 200
    code = _code(entered.get_data(as_text=True))
    need = db.session.scalar(select(Need))
    assert need.source == "phone" and need.unit_id == unit.id
    path = f"/admin/needs/{need.id}"
    declined = f.post_form(client, f"{path}/dispatch", {"action": "decline", "unit_id": "0", "reason": ""},
                           token_from=path)
    assert declined.status_code == 422 and "请填写不受理的原因" in declined.get_data(as_text=True)
    assert f.post_form(client, f"{path}/dispatch", {"action": "accept", "unit_id": "0"},
                       token_from=path).status_code == 302
    assert f.post_form(client, f"{path}/publish", {"capacity": "0"}, token_from=path).status_code == 422
    assert f.post_form(client, f"{path}/publish", {"capacity": "2"}, token_from=path).status_code == 302
    db.session.expire_all()
    assert need.status == "published" and need.post_id
    # the volunteer signs up
    client.post("/logout", data={"csrf_token": f.csrf_token(client, path)})
    f.login(client, volunteer.user.username)
    tasks = client.get("/needs/tasks").get_data(as_text=True)
    assert "电话：帮忙搬家具" in tasks and "13711112222" not in tasks
    assert f.post_form(client, f"/needs/{need.id}/signup", {}, token_from="/needs/tasks").status_code == 302
    again = f.post_form(client, f"/needs/{need.id}/signup", {}, token_from="/needs/tasks", follow_redirects=True)
    assert "您已报名该需求" in again.get_data(as_text=True)
    # the unit confirms and records
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/needs/tasks")})
    f.login(client, admin)
    signup = need_signups.signups(need)[0]
    assert f.post_form(client, f"{path}/signups/{signup.id}/confirm", {}, token_from=path).status_code == 302
    end = local(now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    recorded = f.post_form(client, f"{path}/records", {
        "volunteer_id": str(volunteer.id), "started_at": (end - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "ended_at": end.strftime("%Y-%m-%dT%H:%M")}, token_from=path)
    assert recorded.status_code == 302
    db.session.refresh(volunteer)
    assert volunteer.hours == 2.0
    # rating before the need is served is refused
    early = f.post_form(client, "/needs/rate", {"code": code, "rating": "5"}, token_from="/needs/track")
    assert early.status_code == 422 and "服务完成后才能评价" in early.get_data(as_text=True)
    assert f.post_form(client, f"{path}/served", {}, token_from=path).status_code == 302
    tracked = f.post_form(client, "/needs/track", {"code": code}).get_data(as_text=True)
    assert "确认已完成并评价" in tracked
    rated = f.post_form(client, "/needs/rate", {"code": code, "rating": "5", "comment": "谢谢小伙子"},
                        token_from="/needs/track")
    assert rated.status_code == 200 and "感谢您的评价" in rated.get_data(as_text=True)
    db.session.expire_all()
    assert need.status == "rated" and need.rating == 5
    trail = client.get(path).get_data(as_text=True)
    for step in ("提交", "受理", "发布为任务", "志愿者报名", "确认志愿者", "标记已服务", "群众评价"):
        assert step in trail


def test_the_overview_lists_needs_waiting_too_long(client, db):
    unit = f.unit()
    need, _code = needs.submit_need(needs.NeedInput(category_id=_category(), text="久等的需求", place="x",
                                                    wished_date=local_today(), name="孙", phone="13600000000",
                                                    unit_id=unit.id))
    need.created_at = now() - timedelta(days=10)
    db.session.commit()
    f.login(client, f.unit_admin(unit))
    page = client.get("/admin/").get_data(as_text=True)
    assert 'id="waiting-needs"' in page and need.number in page


# -- API --------------------------------------------------------------------------------------

def _body(**kw) -> dict:
    return {"category_id": _category(), "text": "帮忙修自行车", "place": "学府路8号",
            "wished_date": (local_today() + timedelta(days=1)).isoformat(), "name": "周先生",
            "phone": "13533334444", **kw}


def test_the_api_loop_create_list_dispatch_sign_up_rate_and_status(client, db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    volunteer = f.volunteer(unit)
    created = client.post("/api/v1/needs", json=_body(unit_id=unit.id))
    assert created.status_code == 201, created.json
    code, need_id = created.json["code"], created.json["id"]
    assert created.json["track_url"].endswith(f"/needs/track#{code}")
    status = client.post("/api/v1/needs/status", json={"code": code})
    assert status.status_code == 200 and status.json["status"] == "submitted" and not status.json["can_rate"]
    assert client.post("/api/v1/needs/status", json={"code": "XXXX"}).status_code == 404
    headers = f.api_token(client, admin.username)
    listed = client.get("/api/v1/needs", headers=headers)
    assert listed.status_code == 200 and listed.json["total"] == 1
    assert listed.json["items"][0]["resident"] == "周** 135****4444"
    assert "13533334444" not in listed.get_data(as_text=True)
    assert client.get("/api/v1/needs").status_code == 401
    declined = client.post(f"/api/v1/needs/{need_id}/dispatch", json={"action": "decline"}, headers=headers)
    assert declined.status_code == 422 and "reason" in declined.json["error"]["fields"]
    accepted = client.post(f"/api/v1/needs/{need_id}/dispatch", json={"action": "accept"}, headers=headers)
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    need = db.session.get(Need, need_id)
    need_workflow.publish(need, 1, by=admin)
    db.session.commit()
    vheaders = f.api_token(client, volunteer.user.username)
    open_tasks = client.get("/api/v1/needs", headers=vheaders)
    assert open_tasks.status_code == 200 and [n["id"] for n in open_tasks.json["items"]] == [need_id]
    assert open_tasks.json["items"][0]["resident"] is None  # volunteers see the task, not who asked
    signed = client.post(f"/api/v1/needs/{need_id}/signups", headers=vheaders)
    assert signed.status_code == 201 and signed.json["status"] == "pending"
    late = f.volunteer(unit)
    full = client.post(f"/api/v1/needs/{need_id}/signups", headers=f.api_token(client, late.user.username))
    assert full.status_code == 409 and full.json["error"]["message"] == "该需求的名额已满"
    early = client.post("/api/v1/needs/rating", json={"code": code, "rating": 5})
    assert early.status_code == 409
    assert client.post(f"/api/v1/needs/{need_id}/signups", headers=headers).status_code == 403
    assert client.post(f"/api/v1/needs/{need_id}/dispatch", json={"action": "accept"},
                       headers=vheaders).status_code == 403


def test_the_api_refuses_bad_bodies_and_strangers(client, db):
    for bad in (_body(wished_date="tomorrow"), _body(rating=3), _body(phone="1"), _body(category_id=0),
                _body(text="")):
        response = client.post("/api/v1/needs", json=bad)
        assert response.status_code == 422 and set(response.json) == {"error"}, bad
    assert client.post("/api/v1/needs/rating", json={"code": "X", "rating": 9}).status_code == 422
    need_id = client.post("/api/v1/needs", json=_body()).json["id"]
    other = f.unit_admin(f.unit())
    headers = f.api_token(client, other.username)
    assert client.post(f"/api/v1/needs/{need_id}/dispatch", json={"action": "accept"},
                       headers=headers).status_code == 404
    assert client.get("/api/v1/needs", headers=headers).json["total"] == 0


def test_the_operations_are_in_the_openapi_document(client, db):
    spec = client.get("/api/v1/openapi.json").json
    found = {op["operationId"] for item in spec["paths"].values() for op in item.values() if isinstance(op, dict)}
    assert {"createNeed", "listNeeds", "dispatchNeed", "signUpForNeed", "rateNeed", "getNeedStatus"} <= found
    assert "429" in spec["paths"]["/api/v1/needs"]["post"]["responses"]


@pytest.fixture
def limited_config():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"vs-test-{uuid.uuid4().hex}"},
            "RATE_LIMITS": {"need_per_ip": "3/hour", "need_per_phone": "2/hour", "need_code_per_ip": "3/hour"}}


class TestRateLimits:
    @pytest.fixture
    def app_config(self, limited_config):
        return limited_config

    def test_the_page_and_create_need_share_the_per_phone_and_per_address_limits(self, client, db):
        assert client.post("/api/v1/needs", json=_body()).status_code == 201
        assert f.post_form(client, "/needs/new", _form(phone="13533334444")).status_code == 200
        limited = client.post("/api/v1/needs", json=_body())
        assert limited.status_code == 429 and set(limited.json) == {"error"} and limited.headers["Retry-After"]
        assert client.post("/api/v1/needs", json=_body(phone="13500000001")).status_code == 201
        assert client.post("/api/v1/needs", json=_body(phone="13500000002")).status_code == 429  # per address

    def test_looking_codes_up_is_limited(self, client, db):
        for _ in range(3):
            assert client.post("/api/v1/needs/status", json={"code": "GUESS"}).status_code == 404
        assert client.post("/api/v1/needs/status", json={"code": "GUESS"}).status_code == 429
