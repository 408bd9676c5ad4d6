"""Check-in without signal on a 390×844 phone: the volunteer logs in online (the phone makes
its signing key and installs the service worker), loses the connection, opens a post's QR
and taps; the tap is queued; when the connection returns it is uploaded and confirmed; the
unit admin's record review shows it with its device time."""
from datetime import datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.models import OfflineTap, ServiceRecord, TapDevice
from app.services import posts
from app.services.clock import local
from tests import factories as f
from tests.browser.helpers import assert_fits_phone, assert_touch_target, check_a11y, read, settle, shot

pytestmark = pytest.mark.browser
RIVERSIDE = {"latitude": 31.2304, "longitude": 121.4737}


def log_in(page, username, password=f.PASSWORD):
    page.goto("/login")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()


def test_offline_check_in_is_queued_then_confirmed(app, live_server, browser_context):
    unit = f.unit("滨江街道")
    admin = f.unit_admin(unit)
    volunteer = f.volunteer(unit, name="林志远")
    post = posts.create_post(unit.id, posts.PostInput(name="河滨公园服务岗", address="滨江路8号"), by=admin)
    from app.extensions import db
    db.session.commit()
    poster_url = posts.scan_url(post)
    username, volunteer_id = volunteer.user.username, volunteer.id
    settle()

    context = browser_context("phone", permissions=["geolocation"], geolocation=RIVERSIDE)
    phone = context.new_page()
    separate_registrations = []
    phone.on("request", lambda r: separate_registrations.append(r.url)
             if r.method == "POST" and r.url.endswith("/me/devices") else None)
    # 1. Online: log in (the login page makes the phone's key, the login registers it); the
    #    home page installs the service worker.
    log_in(phone, username)
    expect(phone.get_by_role("heading", name="林志远")).to_be_visible()
    phone.wait_for_function("() => document.documentElement.dataset.offlineReady", timeout=15_000)
    assert phone.evaluate("() => document.documentElement.dataset.offlineReady") == "1"
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert read(select(func.count()).select_from(TapDevice).where(TapDevice.volunteer_id == volunteer_id)) == 1
    assert separate_registrations == []  # the key came with the login, not by a request of its own

    # 2. The signal drops; 3. the camera opens the poster's URL and the volunteer taps.
    context.set_offline(True)
    phone.goto(poster_url)
    expect(phone.get_by_text("当前没有网络")).to_be_visible()
    tap = phone.get_by_role("button", name="记录签到 / 签退")
    assert_touch_target(tap)
    before = datetime.now().astimezone()
    tap.click()
    # 4. The queued state, with the time of the tap.
    recorded = phone.locator("#offline-recorded")
    expect(recorded).to_contain_text("已记录，联网后自动上传")
    tapped = local(before).strftime("%H:%M")
    assert tapped in recorded.inner_text() or local(datetime.now().astimezone()).strftime("%H:%M") in recorded.inner_text()
    expect(phone.locator(".offline-tap[data-state=queued]")).to_have_count(1)
    shot(phone, "volunteer-offline-queued")
    assert_fits_phone(phone)
    check_a11y(phone)
    assert read(select(func.count()).select_from(ServiceRecord)) == 0  # nothing reached the server

    # 5. The connection returns; 6. the tap is uploaded and confirmed.
    context.set_offline(False)
    confirmed = phone.locator(".offline-tap[data-state=accepted]")
    expect(confirmed).to_have_count(1, timeout=15_000)
    expect(confirmed).to_contain_text("已确认 · 签到")
    shot(phone, "volunteer-offline-confirmed")
    # The volunteer home works without signal too: the service worker's copy, its chart's
    # script running under the copy's own CSP nonce (a refused script would fail this test).
    context.set_offline(True)
    phone.goto("/me/")
    expect(phone.get_by_role("heading", name="林志远")).to_be_visible()
    expect(phone.locator(".offline-tap[data-state=accepted]")).to_have_count(1)
    assert phone.evaluate("() => !!Chart.getChart(document.getElementById('hours-chart'))")
    context.set_offline(False)
    settle()
    record = db.session.scalar(select(ServiceRecord).where(ServiceRecord.volunteer_id == volunteer_id))
    offline = db.session.scalar(select(OfflineTap).where(OfflineTap.record_id == record.id))
    assert record.status == "open" and "offline" in record.flag_list
    assert abs((record.started_at - offline.device_time).total_seconds()) <= 2
    assert offline.lat == pytest.approx(RIVERSIDE["latitude"])
    device_time = local(offline.device_time).strftime("%Y-%m-%d %H:%M:%S")
    started = local(record.started_at).strftime("%Y-%m-%d %H:%M")
    record_id = record.id
    db.session.commit()

    # 7. The unit admin's review shows the record with its device time.
    desk = browser_context("desktop").new_page()
    log_in(desk, admin.username)
    desk.goto("/admin/records?status=open")  # checked in, not yet out: the open sessions
    row = desk.get_by_role("row").filter(has_text="河滨公园服务岗")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(started)
    desk.goto(f"/admin/records/{record_id}")
    expect(desk.locator("#offline-taps-of-record")).to_contain_text(device_time)
    expect(desk.get_by_text("离线签到").first).to_be_visible()
    shot(desk, "unit-record-offline-tap")
