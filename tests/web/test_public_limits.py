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

LOW = {"report_per_ip": "4/hour", "report_per_account": "2/hour"}


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
