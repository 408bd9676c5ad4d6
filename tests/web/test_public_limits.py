"""Rate limits of the public face: supervisors' reports (per address and per account), with the
in-memory storage and (when TEST_REDIS_URL is set) a real Redis; a flood gets 429s."""
from __future__ import annotations

import base64
import io
import uuid

import pytest

from app.services import supervisors
from tests import factories as f
from tests.services.test_photos import jpeg_with_gps
from tests.web.test_rate_limits import assert_limited_json, assert_limited_page, storage_uri  # noqa: F401

LOW = {"report_per_ip": "4/hour", "report_per_account": "2/hour",
       "objection_per_ip": "4/hour", "objection_per_contact": "2/hour",
       "vote_code_per_ip": "4/hour", "vote_code_per_phone": "2/hour"}


@pytest.fixture
def app_config(storage_uri):  # noqa: F811
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage_uri,
            "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"vs-test-{uuid.uuid4().hex}"},
            "RATE_LIMITS": LOW}


def _supervisor(db, boss):
    volunteer = f.volunteer(name="李监督")
    supervisors.appoint(volunteer, by=boss)
    db.session.commit()
    return volunteer


def _body():
    return {"category": "uncivil", "text": "乱扔垃圾", "address": "人民公园",
            "photo": {"file_name": "a.jpg", "content_base64": base64.b64encode(jpeg_with_gps((64, 48))).decode()}}


def test_reports_are_limited_per_account_across_page_and_api(client, db):
    boss = f.platform_admin("boss")
    one = _supervisor(db, boss)
    headers = f.api_token(client, one.user.username)
    for _ in range(2):
        assert client.post("/api/v1/reports", json=_body(), headers=headers).status_code == 201
    assert_limited_json(client.post("/api/v1/reports", json=_body(), headers=headers,
                                    environ_base={"REMOTE_ADDR": "198.51.100.7"}))
    f.login(client, one.user)
    page = f.post_form(client, "/reports/new", {"category": "uncivil", "text": "x", "address": "y",
                                                "photo": (io.BytesIO(jpeg_with_gps((64, 48))), "a.jpg")},
                       content_type="multipart/form-data", environ_base={"REMOTE_ADDR": "198.51.100.8"})
    assert_limited_page(page)
    assert client.get("/reports/new").status_code == 200  # showing the form is not counted


def test_reports_are_limited_per_address(client, db):
    boss = f.platform_admin("boss")
    for _ in range(2):
        headers = f.api_token(client, _supervisor(db, boss).user.username)
        for _ in range(2):
            assert client.post("/api/v1/reports", json=_body(), headers=headers).status_code == 201
    headers = f.api_token(client, _supervisor(db, boss).user.username)
    assert_limited_json(client.post("/api/v1/reports", json=_body(), headers=headers))
    elsewhere = client.post("/api/v1/reports", json=_body(), headers=headers,
                            environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert elsewhere.status_code == 201


def _posted_list(db):
    from app.services import commendations
    boss = f.platform_admin("boss")
    item = commendations.create(honour="美德之星", period_kind="month", period="2026-10", posting_days=5, by=boss)
    commendations.add_nominee(item, citation="热心", volunteer=f.volunteer(), by=boss)
    commendations.post(item, by=boss, vote=True)
    db.session.commit()
    return item


def test_objections_are_limited_per_contact_and_per_address(client, db):
    item = _posted_list(db)
    token = f.csrf_token(client, f"/honours/{item.id}")

    def send(contact, addr="203.0.113.1"):
        return client.post(f"/honours/{item.id}/objections", environ_base={"REMOTE_ADDR": addr},
                           data={"csrf_token": token, "nominee_id": "0", "text": "异议", "contact_name": "赵",
                                 "contact": contact})
    assert send("13900001111").status_code == 302
    assert send("13900001111").status_code == 302
    assert_limited_page(send("13900001111", addr="203.0.113.2"))  # the same contact elsewhere
    assert send("13900002222").status_code == 302
    assert send("13900003333").status_code == 302
    assert_limited_page(send("13900004444"))  # this address: the 5th


def test_vote_codes_are_limited_per_phone(client, db):
    item = _posted_list(db)
    token = f.csrf_token(client, f"/honours/{item.id}")

    def ask(phone, addr="203.0.113.1"):
        return client.post(f"/honours/{item.id}/vote-code", environ_base={"REMOTE_ADDR": addr},
                           data={"csrf_token": token, "phone": phone})
    assert ask("13900001111").status_code == 200
    assert ask("13900001111").status_code == 200
    assert_limited_page(ask("13900001111", addr="203.0.113.9"))
    assert ask("13900002222", addr="203.0.113.9").status_code == 200
