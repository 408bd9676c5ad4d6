"""The installable app and offline check-in through its doors: manifest, icons, service
worker, the scan shell, device keys (register, revoke) and the upload of signed taps by the
page (session + CSRF) and by the API (syncTaps)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models import ServiceRecord, TapDevice
from app.services import offline_taps, posts, tap_devices
from app.services.clock import now
from tests import factories as f
from tests.services.test_offline_taps import Phone


@pytest.fixture
def unit(db):
    return f.unit("滨江街道")


@pytest.fixture
def volunteer(unit):
    return f.volunteer(unit, name="李四")


@pytest.fixture
def post(unit):
    made = posts.create_post(unit.id, posts.PostInput(name="河滨公园服务岗"), by=None)
    _db.session.commit()
    return made


def batch(*taps, sent_at=None):
    return {"sent_at": (sent_at or now()).isoformat(),
            "taps": [{"device_id": t.device_id, "payload": t.payload, "signature": t.signature} for t in taps]}


def test_manifest_icons_and_service_worker(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.mimetype == "application/manifest+json"
    data = manifest.json
    assert data["start_url"] == "/me/" and data["display"] == "standalone" and data["scope"] == "/"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in data["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.data[:8] == b"\x89PNG\r\n\x1a\n"
    worker = client.get("/static/js/sw.js")
    assert worker.status_code == 200 and worker.headers["Service-Worker-Allowed"] == "/"
    assert "javascript" in worker.mimetype
    assert "Service-Worker-Allowed" not in client.get("/static/js/app.js").headers
    text = worker.get_data(as_text=True)
    for cached in ("/offline/scan", "/me/", "'sync'", "/logout"):
        assert cached in text
    assert 'rel="manifest"' in client.get("/login").get_data(as_text=True)


def test_the_scan_shell_has_no_inline_script_and_no_personal_data(client, volunteer):
    f.login(client, volunteer.user)
    html = client.get("/offline/scan").get_data(as_text=True)
    assert "记录签到 / 签退" in html and 'id="offline-scan"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script would need this request's nonce"
    assert volunteer.name not in html and "csrf" not in html


def test_volunteer_pages_carry_the_offline_script(client, volunteer, post):
    f.login(client, volunteer.user)
    home = client.get("/me/").get_data(as_text=True)
    assert "js/offline.js" in home and f'data-volunteer="{volunteer.id}"' in home and "data-csrf=" in home
    scan = client.get(posts.scan_url(post).removeprefix("http://vs.test")).get_data(as_text=True)
    assert 'data-post-name="河滨公园服务岗"' in scan


def test_the_page_registers_a_key_and_uploads_taps(client, volunteer, post):
    f.login(client, volunteer.user)
    token = f.csrf_token(client, "/me/")
    phone = Phone(volunteer, register=False)
    refused = client.post("/me/devices", json={"public_key": phone.public_key})
    assert refused.status_code == 400  # no CSRF token
    answer = client.post("/me/devices", json={"public_key": phone.public_key}, headers={"X-CSRFToken": token})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    phone.device = _db.session.get(TapDevice, answer.json["id"])
    assert answer.json == {"id": phone.device.id, "active": True}
    bad = client.post("/me/devices", json={"public_key": "AAAA"}, headers={"X-CSRFToken": token})
    assert bad.status_code == 422 and bad.json["error"]["fields"]["public_key"]

    code = posts.scan_url(post)
    t0 = now() - timedelta(hours=3)
    body = batch(phone.tap(code, t0), phone.tap(code, t0 + timedelta(hours=1)))
    synced = client.post("/me/taps", json=body, headers={"X-CSRFToken": token})
    assert synced.status_code == 200
    results = synced.json["results"]
    assert [(r["status"], r["action"]) for r in results] == [("accepted", "check_in"), ("accepted", "check_out")]
    assert results[1]["record"]["post_name"] == "河滨公园服务岗" and results[1]["record"]["hours"] == 1.0
    again = client.post("/me/taps", json=body, headers={"X-CSRFToken": token}).json["results"]
    assert [r["replay"] for r in again] == [True, True]
    assert _db.session.scalar(select(ServiceRecord.status)) == "pending"
    for junk in (None, [], {"sent_at": "x", "taps": []}, {"sent_at": now().isoformat(), "taps": [{"device_id": True}]},
                 {"sent_at": "2026-01-01T00:00:00", "taps": []}):
        answer = client.post("/me/taps", json=junk, headers={"X-CSRFToken": token})
        assert answer.status_code == 422 and answer.json["error"]["code"] == "validation_failed"


def test_a_volunteer_revokes_a_device_on_the_devices_page(client, volunteer, post):
    phone = Phone(volunteer)
    f.login(client, volunteer.user)
    page = client.get("/me/devices").get_data(as_text=True)
    assert f"设备 #{phone.device.id}" in page and "test phone" in page
    done = f.post_form(client, f"/me/devices/{phone.device.id}/revoke", {}, token_from="/me/devices")
    assert done.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(TapDevice, phone.device.id).revoked_at is not None
    assert "已停用" in client.get("/me/devices").get_data(as_text=True)
    other = f.volunteer(f.unit(), name="王五")
    stranger = Phone(other)
    assert f.post_form(client, f"/me/devices/{stranger.device.id}/revoke", {},
                       token_from="/me/devices").status_code == 404


def test_sync_taps_api(client, volunteer, post):
    headers = f.api_token(client, volunteer.user.username)
    phone = Phone(volunteer, register=False)
    made = client.post("/api/v1/me/devices", json={"public_key": phone.public_key, "label": "小程序"}, headers=headers)
    assert made.status_code == 201 and made.json["active"] is True
    phone.device = _db.session.get(TapDevice, made.json["id"])
    code = posts.scan_url(post)
    t0 = now() - timedelta(hours=2)
    answer = client.post("/api/v1/me/taps", json=batch(phone.tap(code, t0)), headers=headers)
    assert answer.status_code == 200 and answer.json["results"][0]["action"] == "check_in"
    listed = client.get("/api/v1/me/devices", headers=headers).json["items"]
    assert [d["label"] for d in listed] == ["小程序"] and listed[0]["last_used_at"]
    revoked = client.post(f"/api/v1/me/devices/{phone.device.id}/revoke", headers=headers)
    assert revoked.status_code == 200 and revoked.json["active"] is False
    late = client.post("/api/v1/me/taps", json=batch(phone.tap(code, t0 + timedelta(hours=1))), headers=headers)
    assert late.json["results"][0]["error"]["code"] == "device_revoked"
    for junk in ({"taps": []}, {"sent_at": "2026-01-01T00:00:00", "taps": []},
                 {"sent_at": now().isoformat(), "taps": [{"device_id": 1, "payload": "", "signature": "x"}]},
                 {"sent_at": now().isoformat(), "taps": [{}] * 101}):
        assert client.post("/api/v1/me/taps", json=junk, headers=headers).status_code == 422
    doc = client.get("/api/v1/openapi.json").json
    ops = {op["operationId"] for path in doc["paths"].values() for op in path.values() if isinstance(op, dict)}
    assert {"syncTaps", "registerDevice", "listDevices", "revokeDevice"} <= ops


def test_the_record_review_shows_the_device_time(client, unit, volunteer, post):
    phone = Phone(volunteer)
    t0 = (now() - timedelta(hours=3)).replace(microsecond=0)
    offline_taps.sync(volunteer, [phone.tap(posts.scan_url(post), t0)], sent_at=now() - timedelta(minutes=20))
    _db.session.commit()
    record = _db.session.scalar(select(ServiceRecord))
    f.login(client, f.unit_admin(unit))
    page = client.get(f"/admin/records/{record.id}").get_data(as_text=True)
    assert "离线签到" in page and "手机时间偏差" in page
    device_time = t0.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")
    assert device_time in page


def test_the_key_made_on_the_login_page_is_registered_with_the_login(client, volunteer):
    phone = Phone(volunteer, register=False)
    token = f.csrf_token(client)
    answer = client.post("/login", data={"username": volunteer.user.username, "password": f.PASSWORD,
                                         "csrf_token": token, "device_key": phone.public_key})
    assert answer.status_code == 302
    [device] = tap_devices.list_devices(volunteer)
    assert device.public_key == phone.public_key and device.is_active
    home = client.get("/me/").get_data(as_text=True)
    assert f'data-device="{device.id}"' in home
    # the same phone logging in again keeps its device; a bad key never stands in the way
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/me/")})
    again = client.post("/login", data={"username": volunteer.user.username, "password": f.PASSWORD,
                                        "csrf_token": f.csrf_token(client), "device_key": phone.public_key})
    assert again.status_code == 302 and len(tap_devices.list_devices(volunteer)) == 1
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/me/")})
    bad = client.post("/login", data={"username": volunteer.user.username, "password": f.PASSWORD,
                                      "csrf_token": f.csrf_token(client), "device_key": "bad\x00key"})
    assert bad.status_code == 302 and len(tap_devices.list_devices(volunteer)) == 1
    assert 'data-device=""' in client.get("/me/").get_data(as_text=True)


def test_an_admins_login_registers_no_device(client, unit):
    admin = f.unit_admin(unit)
    phone_key = Phone(f.volunteer(unit), register=False).public_key
    assert "js/login-key.js" in client.get("/login").get_data(as_text=True)
    answer = client.post("/login", data={"username": admin.username, "password": f.PASSWORD,
                                         "csrf_token": f.csrf_token(client), "device_key": phone_key})
    assert answer.status_code == 302 and _db.session.scalar(select(TapDevice.id)) is None
