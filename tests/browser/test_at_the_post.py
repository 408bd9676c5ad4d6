"""The seconds at the post, on a 390×844 phone: what a cold scan page weighs, how many taps
lead from opening a poster's URL to 签到成功 (signed in, signed out, first time), a 签退
pressed too soon, and the 服务进行中 banner on the volunteer's home."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from app.extensions import db
from app.models import ServiceRecord, User, Volunteer
from app.services import posts
from app.services.clock import now
from tests import factories as f
from tests.browser.helpers import assert_fits_phone, check_a11y, read, settle

pytestmark = pytest.mark.browser
COLD_SCAN_LIMIT = 100 * 1024


class Taps:
    """Counts the presses a person makes (typing is not a tap)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, locator) -> None:
        self.count += 1
        locator.click()


def measure_transfer(page) -> dict:
    """Bytes Chromium received per URL (headers and body as sent, compressed or not)."""
    received: dict[str, int] = {}
    urls: dict[str, str] = {}
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: received.__setitem__(
        urls.get(e["requestId"], e["requestId"]), int(e["encodedDataLength"])))
    return received


def make_post(name: str = "社区图书角服务岗"):
    admin = f.platform_admin()
    unit = f.unit("阳光街道")
    post = posts.create_post(unit.id, posts.PostInput(name=name, address="人民路25号"), by=admin)
    db.session.commit()
    url = posts.scan_url(post)
    settle()
    return unit, post, url


def test_cold_scan_page_is_light_and_a_signed_in_volunteer_checks_in_with_one_tap(live_server, browser_context):
    unit, _post, poster_url = make_post()
    volunteer = f.volunteer(unit, name="王小明")
    db.session.commit()
    settle()

    # A phone that has never opened the site: the scan page, its styles and scripts.
    cold = browser_context("phone").new_page()
    received = measure_transfer(cold)
    cold.goto(poster_url)
    expect(cold.get_by_role("link", name="登录后签到")).to_be_visible()
    cold.wait_for_load_state("networkidle")
    total = sum(received.values())
    assert total < COLD_SCAN_LIMIT, f"cold scan page {total} bytes: {received}"
    assert any("bootstrap.min.css" in url for url in received), received
    print(f"\ncold scan page, signed out: {total} bytes over {len(received)} responses")

    # Signed in already (a volunteer stays signed in for 30 days on the phone): one tap.
    phone = browser_context("phone").new_page()
    phone.goto("/login")
    phone.get_by_label("用户名或手机号").fill(volunteer.user.username)
    phone.get_by_label("密码", exact=True).fill(f.PASSWORD)
    phone.get_by_role("button", name="登录").click()
    expect(phone.get_by_role("alert").filter(has_text="欢迎回来")).to_be_visible()
    tap = Taps()
    phone.goto(poster_url)
    tap(phone.get_by_role("button", name="签到"))
    expect(phone.get_by_role("heading", name="签到成功")).to_be_visible()
    assert tap.count == 1


def test_signed_out_volunteer_logs_in_then_checks_in_with_one_tap(live_server, phone):
    unit, _post, poster_url = make_post()
    volunteer = f.volunteer(unit, name="王小明")
    db.session.commit()
    settle()
    tap = Taps()
    phone.goto(poster_url)
    phone.get_by_role("link", name="登录后签到").click()
    phone.get_by_label("用户名或手机号").fill(volunteer.user.username)
    phone.get_by_label("密码", exact=True).fill(f.PASSWORD)
    phone.get_by_role("button", name="登录").click()
    # back at the post, not on the home page
    expect(phone.get_by_role("heading", name="社区图书角服务岗")).to_be_visible()
    tap(phone.get_by_role("button", name="签到"))
    expect(phone.get_by_role("heading", name="签到成功")).to_be_visible()
    assert tap.count == 1


def test_first_time_volunteer_registers_at_the_post_and_checks_in_without_a_second_scan(live_server, phone):
    _unit, _post, poster_url = make_post()
    received = measure_transfer(phone)
    phone.goto(poster_url)
    phone.wait_for_load_state("networkidle")
    assert sum(received.values()) < COLD_SCAN_LIMIT
    phone.get_by_role("link", name="还没有账号？注册志愿者").click()
    expect(phone.get_by_label("成员单位")).to_have_value("0")  # 请选择, no unit chosen for the person
    phone.get_by_label("真实姓名").fill("林志远")
    phone.get_by_label("身份证号码").fill("110105194912310021")  # a wrong check digit
    phone.get_by_label("手机号码").fill("13900002222")
    phone.get_by_label("密码（至少8位）").fill("volunteer-pass")
    phone.get_by_label("确认密码").fill("volunteer-pazz")
    phone.get_by_role("button", name="注册").click()
    # every problem at once, what was typed kept (not the passwords, and the page says so)
    expect(phone.get_by_text("校验位")).to_be_visible()
    expect(phone.get_by_text("两次输入的密码不一致")).to_be_visible()
    expect(phone.get_by_text("请选择成员单位")).to_be_visible()
    expect(phone.get_by_text("请阅读并同意隐私政策").first).to_be_visible()
    expect(phone.get_by_label("真实姓名")).to_have_value("林志远")
    expect(phone.get_by_label("手机号码")).to_have_value("13900002222")
    expect(phone.get_by_label("密码（至少8位）")).to_have_value("")
    expect(phone.get_by_text("请重新输入两次密码")).to_be_visible()
    check_a11y(phone)
    assert_fits_phone(phone)

    phone.get_by_label("身份证号码").fill(f.valid_id_number())
    phone.get_by_label("成员单位").select_option(label="阳光街道")
    phone.get_by_label("密码（至少8位）").fill("volunteer-pass")
    phone.get_by_label("确认密码").fill("volunteer-pass")
    phone.get_by_label("我已阅读并同意隐私政策").check()
    phone.get_by_role("button", name="注册").click()
    # the same answer for a new or a known person, so a login follows: the phone is filled in
    expect(phone.get_by_role("alert").filter(has_text="注册申请已受理")).to_be_visible()
    expect(phone.get_by_label("用户名或手机号")).to_have_value("13900002222")
    phone.get_by_label("密码", exact=True).fill("volunteer-pass")
    phone.get_by_role("button", name="登录").click()
    tap = Taps()
    expect(phone.get_by_role("heading", name="社区图书角服务岗")).to_be_visible()
    assert phone.url == poster_url  # the post again, without scanning it a second time
    tap(phone.get_by_role("button", name="签到"))
    expect(phone.get_by_role("heading", name="签到成功")).to_be_visible()
    assert tap.count == 1
    volunteer = read(select(Volunteer).join(User).where(User.username == "13900002222"))
    assert read(select(ServiceRecord.status).where(ServiceRecord.volunteer_id == volunteer.id)) == "open"


def test_check_out_pressed_too_soon_says_so_and_the_home_banner_checks_out(live_server, phone):
    unit, _post, poster_url = make_post()
    volunteer = f.volunteer(unit, name="王小明")
    db.session.commit()
    settle()
    phone.goto("/login")
    phone.get_by_label("用户名或手机号").fill(volunteer.user.username)
    phone.get_by_label("密码", exact=True).fill(f.PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.goto(poster_url)
    phone.get_by_role("button", name="签到").click()
    expect(phone.get_by_role("heading", name="签到成功")).to_be_visible()

    # 签退 a few seconds later: a plain reason, not 签到成功 again, and the session stays open
    phone.goto(poster_url)
    phone.get_by_role("button", name="签退").click()
    expect(phone.get_by_role("alert").filter(has_text="刚签到不足1分钟，请稍后再签退")).to_be_visible()
    expect(phone.get_by_role("heading", name="签到成功")).to_have_count(0)
    record = read(select(ServiceRecord).where(ServiceRecord.volunteer_id == volunteer.id))
    assert record.status == "open"

    # The home page says what is going on, and 签退 is on the banner.
    started = now() - timedelta(hours=1, minutes=3)
    db.session.execute(update(ServiceRecord).where(ServiceRecord.id == record.id).values(started_at=started))
    db.session.commit()
    phone.goto("/me/")
    banner = phone.locator("#service-in-progress")
    from app.services.clock import local
    expect(banner).to_contain_text(f"服务进行中 · 社区图书角服务岗 · {local(started).strftime('%H:%M')} 起")
    check_a11y(phone)
    assert_fits_phone(phone)
    banner.get_by_role("button", name="签退").click()
    expect(phone.get_by_role("heading", name="签退成功")).to_be_visible()
    expect(phone.get_by_text("本次服务 1.05 小时")).to_be_visible()
    phone.goto("/me/")
    expect(phone.locator("#service-in-progress")).to_have_count(0)
