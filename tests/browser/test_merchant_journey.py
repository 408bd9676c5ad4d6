"""The merchant's journey on a shop phone: open a volunteer's coupon QR, log in, see who it
is and what they may have, redeem it once; a second attempt is refused with when and where."""
import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.services.incentives.coupons import claim_coupon, coupon_code
from app.services.incentives.merchants import create_merchant, create_merchant_account
from app.services.incentives.offers import OfferInput, create_offer
from tests import factories as f
from tests.browser.helpers import (
    assert_fits_phone,
    assert_touch_target,
    check_a11y,
    shot,
)

pytestmark = pytest.mark.browser


def cafe_with_a_coupon():
    """A 1★ volunteer (120 h) holding a coupon of an approved cafe; the coupon's QR URL."""
    admin = f.platform_admin()
    volunteer = f.volunteer(f.unit("阳光街道"), name="王小明")
    f.give_hours(volunteer, 120)
    cafe = create_merchant(name="街角咖啡", address="人民路1号", by=admin, approved=True)
    create_merchant_account(cafe, username="cafe", password=f.PASSWORD, name="陈店员", by=admin)
    offer = create_offer(cafe, OfferInput(title="咖啡买一送一", min_star=1), by=admin)
    coupon = claim_coupon(volunteer, offer)
    db.session.commit()
    url, _ = coupon_code(coupon)
    db.session.commit()
    return url


def test_merchant_redeems_a_coupon_once(app, browser_context):
    url = cafe_with_a_coupon()
    shop = browser_context("phone")
    page = shop.new_page()

    # The camera app opens the QR's URL; the shop's phone is not logged in yet.
    page.goto(url)
    expect(page.get_by_role("heading", name="这是志愿者的优惠券码")).to_be_visible()
    check_a11y(page)
    page.get_by_role("link", name="商家登录").click()
    page.get_by_label("用户名或手机号").fill("cafe")
    page.get_by_label("密码", exact=True).fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()

    # Back on the coupon: who (masked), what level, which offer, one big button. The code
    # went from the QR's # to a POST body: no address the server saw ever held it.
    expect(page).to_have_url(re.compile(r"/merchant/code$"))
    expect(page.get_by_text("王*明")).to_be_visible()
    expect(page.get_by_role("img", name="1星志愿者")).to_be_visible()
    expect(page.get_by_role("heading", name="咖啡买一送一")).to_be_visible()
    assert "王小明" not in page.content()
    redeem = page.get_by_role("button", name="确认核销")
    assert_touch_target(redeem, 56)
    shot(page, "merchant-redeem", docs=True)
    check_a11y(page)
    assert_fits_phone(page)

    # A second tab holds the same page, as when the clerk pressed twice or two clerks scan.
    stale = shop.new_page()
    stale.goto(url)
    expect(stale.get_by_role("button", name="确认核销")).to_be_visible()

    redeem.click()
    expect(page.get_by_role("alert").filter(has_text="核销成功：咖啡买一送一")).to_be_visible()
    expect(page.get_by_text("已核销")).to_be_visible()
    shot(page, "merchant-redeemed")
    check_a11y(page)
    assert_fits_phone(page)

    # Pressing the button on the stale page is refused, saying when and where it was used.
    stale.get_by_role("button", name="确认核销").click()
    refusal = stale.get_by_role("alert").filter(has_text="不能重复使用")
    expect(refusal).to_have_count(1)  # said once, not twice
    expect(refusal).to_contain_text("街角咖啡")
    expect(refusal).to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"))
    expect(stale.get_by_role("button", name="确认核销")).to_have_count(0)
    shot(stale, "merchant-refused")
    check_a11y(stale)

    # Opening the QR again later tells the same, and offers no button.
    page.goto(url)
    expect(page.get_by_role("alert").filter(has_text="不能重复使用")).to_contain_text("街角咖啡")
    expect(page.get_by_role("button", name="确认核销")).to_have_count(0)
    assert_fits_phone(page)
