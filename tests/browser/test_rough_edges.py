"""Rough edges every user meets, walked in Chromium: the merchant's offers on a phone, the
coupon's typeable code at the counter, and the warning when posters would print another
address than the one the admin is using."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.services import posts
from app.services.incentives import typed_codes
from app.services.incentives.coupons import claim_coupon
from app.services.incentives.merchants import create_merchant, create_merchant_account
from app.services.incentives.offers import OfferInput, create_offer
from tests import factories as f
from tests.browser.helpers import assert_fits_phone, check_a11y, settle

pytestmark = pytest.mark.browser


def log_in(page, username: str, password: str = f.PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert").filter(has_text="欢迎回来")).to_be_visible()


def test_merchant_offers_are_cards_on_a_phone_and_a_typed_code_redeems(live_server, browser_context):
    admin = f.platform_admin()
    volunteer = f.volunteer(f.unit("阳光街道"), name="王小明")
    f.give_hours(volunteer, 120)
    cafe = create_merchant(name="街角咖啡", address="人民路1号", by=admin, approved=True)
    create_merchant_account(cafe, username="cafe", password=f.PASSWORD, name="陈店员", by=admin)
    offer = create_offer(cafe, OfferInput(title="咖啡买一送一", min_star=1, quantity=50),
                                    by=admin)
    coupon = claim_coupon(volunteer, offer)
    db.session.commit()
    settle()

    # The volunteer's coupon shows a code to read out, without 0/O or 1/I/L.
    mine = browser_context("phone").new_page()
    log_in(mine, volunteer.user.username)
    mine.goto(f"/coupons/{coupon.id}")
    typed = mine.locator("#typed-code")
    expect(typed).to_have_text(typed_codes.typed_code(coupon.id)[:4] + " " + typed_codes.typed_code(coupon.id)[4:])
    code = typed.inner_text()
    assert len(code.replace(" ", "")) == 8 and not set(code) & set("01OIL")
    check_a11y(mine)

    shop = browser_context("phone", viewport={"width": 360, "height": 780}).new_page()
    log_in(shop, "cafe")
    # 本店优惠 on a 360 px phone: one card per offer, each value beside its label
    shop.goto("/merchant/offers")
    row = shop.get_by_role("row").filter(has_text="咖啡买一送一")
    title = row.get_by_role("cell").first
    assert title.bounding_box()["width"] > 250, title.bounding_box()
    expect(row.locator("td[data-label='已领/总量']")).to_contain_text("1 / 50")
    assert row.locator("td[data-label='有效期']").bounding_box()["width"] > 250
    assert_fits_phone(shop)
    check_a11y(shop)

    # The scanner fails: the code is typed in, as heard.
    shop.goto("/merchant/")
    shop.get_by_label("优惠券码或志愿者码").fill(code.lower())
    shop.get_by_role("button", name="查看").click()
    expect(shop.get_by_text("王*明")).to_be_visible()
    shop.get_by_role("button", name="确认核销").click()
    expect(shop.get_by_text("核销成功")).to_be_visible()


def test_post_pages_warn_when_posters_would_open_another_address(app, live_server, desktop):
    unit = f.unit("阳光街道")
    admin = f.unit_admin(unit)
    post = posts.create_post(unit.id, posts.PostInput(name="社区图书角服务岗"), by=admin)
    db.session.commit()
    settle()
    log_in(desktop, admin.username)
    desktop.goto(f"/admin/posts/{post.id}")
    expect(desktop.locator("#base-url-warning")).to_have_count(0)  # served where the posters point
    app.config["BASE_URL"] = "http://127.0.0.1:5000"  # as `make run` printed before, whatever PORT said
    for path in ("/admin/posts/", f"/admin/posts/{post.id}"):
        desktop.goto(path)
        warning = desktop.locator("#base-url-warning")
        expect(warning).to_contain_text("http://127.0.0.1:5000")
        expect(warning).to_contain_text(live_server.url)
    check_a11y(desktop)


@pytest.mark.parametrize("lang, width", [("en", 1366), ("en", 1400), ("zh_CN", 1200), ("zh_CN", 1366)])
def test_the_admin_menu_stays_on_one_line(live_server, browser_context, lang, width):
    admin = f.platform_admin()
    db.session.commit()
    settle()
    page = browser_context("desktop", viewport={"width": width, "height": 900}).new_page()
    log_in(page, admin.username)
    page.goto(f"/admin/?lang={lang}")
    nav = page.locator("nav.navbar")
    toggler = nav.locator(".navbar-toggler")
    folded = toggler.is_visible()
    if folded:  # a narrower screen: the menu folds into its button instead of wrapping
        toggler.click()
    links = [link for link in nav.locator("#nav").get_by_role("link").all() if link.is_visible()]
    assert len(links) >= 10
    boxes = [(link.inner_text(), link.bounding_box()) for link in links]
    if not folded:
        assert len({round(box["y"]) for _, box in boxes}) == 1, f"the menu wraps at {width}px: {boxes}"
    assert max(box["height"] for _, box in boxes) < 50, boxes  # no label broken over lines ("中文" stacked)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


def test_forgot_password_by_a_texted_code(app, live_server, phone, caplog):
    import logging
    import re
    volunteer = f.volunteer(f.unit("阳光街道"), name="王小明")
    db.session.commit()
    settle()
    # Without an SMS gateway: the page sends the volunteer to the unit admin.
    phone.goto("/login")
    phone.get_by_role("link", name="忘记密码？").click()
    expect(phone.locator("#reset-by-admin")).to_contain_text("当面核验")
    check_a11y(phone)

    app.config["RESET_BY_SMS"] = True  # the logging sender stands in for the gateway
    phone.reload()
    phone.get_by_label("手机号码").fill(volunteer.user.username)
    with caplog.at_level(logging.INFO, logger="app.sms"):
        phone.get_by_role("button", name="发送验证码").click()
        expect(phone.get_by_role("alert").filter(has_text="如果该手机号已注册志愿者账号")).to_be_visible()
    code = re.search(r"验证码是 (\d{6})", [r.getMessage() for r in caplog.records if r.name == "app.sms"][-1]).group(1)
    expect(phone.get_by_label("手机号码")).to_have_value(volunteer.user.username)
    phone.get_by_label("短信验证码").fill(code)
    phone.get_by_label("新密码（至少8位）").fill("brand-new-pass-9")
    phone.get_by_label("确认新密码").fill("brand-new-pass-9")
    check_a11y(phone)
    assert_fits_phone(phone)
    phone.get_by_role("button", name="重置密码").click()
    expect(phone.get_by_role("alert").filter(has_text="密码已重置")).to_be_visible()
    expect(phone.get_by_label("用户名或手机号")).to_have_value(volunteer.user.username)
    phone.get_by_label("密码", exact=True).fill("brand-new-pass-9")
    phone.get_by_role("button", name="登录").click()
    expect(phone.get_by_role("alert").filter(has_text="欢迎回来")).to_be_visible()


def test_admin_pages_in_words_with_links_search_and_a_preset_that_asks_first(live_server, browser_context):
    from datetime import timedelta

    from app.services import attendance
    from app.services.clock import now
    platform = f.platform_admin()
    unit = f.unit("阳光街道")
    unit_admin = f.unit_admin(unit)
    first = f.volunteer(unit, name="张伟")
    from datetime import date
    second = f.volunteer(unit, name="张伟", birth=date(1985, 6, 6))
    post = posts.create_post(unit.id, posts.PostInput(name="社区图书角服务岗"), by=unit_admin)
    started = now() - timedelta(hours=2)
    record = attendance.scan(first, posts.scan_url(post), at=started).record
    attendance.scan(first, posts.scan_url(post), at=started + timedelta(hours=1))
    f.give_hours(second, 250)  # 1★ now; 2★ under the local preset
    db.session.commit()
    settle()

    page = browser_context("desktop").new_page()
    log_in(page, unit_admin.username)
    page.goto("/admin/")
    page.locator("#figure-pending").get_by_role("link", name="待审核记录").click()
    expect(page).to_have_url(f"{live_server.url}/admin/records/?status=pending")
    # the record's history in words
    page.goto(f"/admin/records/{record.id}")
    history = page.get_by_role("list").filter(has_text="签到")
    expect(history).to_contain_text("签退")
    expect(page.get_by_text("record.checked_in")).to_have_count(0)
    # 补录: find namesakes by name, told apart by the masked ID number
    page.goto("/admin/records/new")
    page.get_by_role("textbox", name="姓名或手机号").fill("张伟")
    page.get_by_role("button", name="查找").click()
    matches = page.locator("#volunteer-matches li")
    expect(matches).to_have_count(2)
    expect(matches.filter(has_text=second.id_number_masked)).to_have_count(1)
    matches.filter(has_text=second.volunteer_no).get_by_role("link").click()
    expect(page.get_by_label("志愿者编号")).to_have_value(second.volunteer_no)
    check_a11y(page)

    admin_page = browser_context("desktop").new_page()
    log_in(admin_page, platform.username)
    admin_page.goto("/admin/stars/")
    admin_page.get_by_role("button").filter(has_text="地方标准").click()
    # nothing changes until confirmed, and the page says how many levels would change
    expect(admin_page.locator("#preset-impact")).to_contain_text("1 位志愿者的星级会改变（升星 1 人，降星 0 人）")
    check_a11y(admin_page)
    admin_page.get_by_role("button", name="确认套用").click()
    expect(admin_page.get_by_role("alert").filter(has_text="已重新评定全部志愿者")).to_be_visible()
