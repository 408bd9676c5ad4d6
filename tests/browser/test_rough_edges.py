"""Rough edges every user meets, walked in Chromium: the merchant's offers on a phone, the
coupon's typeable code at the counter, and the warning when posters would print another
address than the one the admin is using."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.services import counter_codes, incentives, posts
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
    cafe = incentives.create_merchant(name="街角咖啡", address="人民路1号", by=admin, approved=True)
    incentives.create_merchant_account(cafe, username="cafe", password=f.PASSWORD, name="陈店员", by=admin)
    offer = incentives.create_offer(cafe, incentives.OfferInput(title="咖啡买一送一", min_star=1, quantity=50),
                                    by=admin)
    coupon = incentives.claim_coupon(volunteer, offer)
    db.session.commit()
    settle()

    # The volunteer's coupon shows a code to read out, without 0/O or 1/I/L.
    mine = browser_context("phone").new_page()
    log_in(mine, volunteer.user.username)
    mine.goto(f"/coupons/{coupon.id}")
    typed = mine.locator("#typed-code")
    expect(typed).to_have_text(counter_codes.typed_code(coupon.id)[:4] + " " + counter_codes.typed_code(coupon.id)[4:])
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


@pytest.mark.parametrize("width", [1366, 1024])
def test_the_admin_menu_stays_on_one_line_in_english(live_server, browser_context, width):
    admin = f.platform_admin()
    db.session.commit()
    settle()
    page = browser_context("desktop", viewport={"width": width, "height": 900}).new_page()
    page.goto("/login?lang=en")
    page.get_by_label("Username or mobile").fill(admin.username)
    page.get_by_label("Password", exact=True).fill(f.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/admin/")
    nav = page.get_by_role("navigation", name="Main navigation")
    toggler = nav.get_by_role("button", name="Toggle navigation")
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
