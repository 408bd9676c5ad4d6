"""Coupons tried as a new user would: a 2★ volunteer claims a coupon on a phone; a merchant's
phone opens the coupon QR's URL and redeems it with one button; a second try says it was
used, when and where."""
import base64
import io
import logging
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from app.services.incentives.merchants import create_merchant, create_merchant_account
from app.services.incentives.offers import OfferInput, create_offer
from tests import factories as f
from tests.browser.helpers import (
    assert_fits_phone,
    assert_touch_target,
    check_a11y,
    settle,
    shot,
)
from tests.browser.test_foundation import log_in

pytestmark = pytest.mark.browser


def test_two_star_volunteer_claims_and_merchant_redeems_on_phones(app, live_server, browser_context):
    admin = f.platform_admin("boss")
    merchant = create_merchant(name="志愿者之家便利店", address="人民路18号", by=admin, approved=True)
    create_merchant_account(merchant, username="shopkeeper", password=f.PASSWORD, name="周店长", by=admin)
    for star, title in ((1, "饮品第二杯半价"), (2, "全场九折"), (3, "免费生活用品")):
        create_offer(merchant, OfferInput(title=title, min_star=star), by=admin)
    volunteer = f.volunteer(name="王小明")
    f.give_hours(volunteer, 300)
    username = volunteer.user.username
    settle()

    mine = browser_context("phone").new_page()
    log_in(mine, username)
    mine.goto("/coupons/")
    expect(mine.get_by_text("需要3星，还需服务 300 小时")).to_be_visible()
    check_a11y(mine)
    assert_fits_phone(mine)
    mine.locator(".card", has_text="全场九折").get_by_role("button", name="领取").click()
    expect(mine.get_by_text("领取成功")).to_be_visible()
    qr_image = mine.locator("#qr")
    mine.wait_for_function("() => document.getElementById('qr').src.startsWith('data:image/png')")
    src = qr_image.get_attribute("src")
    url = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))))[0].text
    parts = urlsplit(url)
    assert parts.path == "/q/" and parts.query == "" and len(parts.fragment) > 20  # the code is after the #
    token = parts.fragment
    shot(mine, "coupon-qr-phone")
    check_a11y(mine)
    assert_fits_phone(mine)

    shop = browser_context("phone").new_page()
    access_log = []
    # every URL the phone sends (a fragment is never sent, whatever the browser reports)
    shop.on("request", lambda request: access_log.append(request.url.split("#", 1)[0]))
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.setLevel(logging.INFO)
    handler = _Lines()
    werkzeug.addHandler(handler)
    shop.goto(url)  # the camera app opens the URL; not logged in yet
    shop.get_by_role("link", name="商家登录").click()
    shop.get_by_label("用户名或手机号").fill("shopkeeper")
    shop.get_by_label("密码", exact=True).fill(f.PASSWORD)
    shop.get_by_role("button", name="登录").click()
    expect(shop.get_by_text("王*明")).to_be_visible()
    expect(shop.get_by_role("heading", name="全场九折")).to_be_visible()
    button = shop.get_by_role("button", name="确认核销")
    assert_touch_target(button)
    check_a11y(shop)
    assert_fits_phone(shop)
    shot(shop, "coupon-counter-phone")
    button.click()
    expect(shop.get_by_text("核销成功")).to_be_visible()

    shop.goto(url)
    expect(shop.get_by_role("alert").filter(has_text="不能重复使用")).to_contain_text("志愿者之家便利店")
    expect(shop.get_by_role("button", name="确认核销")).to_have_count(0)
    mine.goto("/coupons/")
    expect(mine.get_by_text("已核销")).to_be_visible()
    werkzeug.removeHandler(handler)
    werkzeug.setLevel(logging.WARNING)
    # the server's access log and every URL the merchant's phone requested hold no code
    assert any("/q/" in line for line in handler.lines)
    assert not [line for line in handler.lines if token in line]
    assert any(u.endswith("/q/") for u in access_log) and not [u for u in access_log if token in u]


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())
