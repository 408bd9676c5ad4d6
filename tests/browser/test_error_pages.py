"""Error pages a person meets on a phone: in Chinese, readable, with a way back."""
import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.helpers import assert_fits_phone, check_a11y, shot
from tests.browser.test_foundation import log_in

pytestmark = pytest.mark.browser


def assert_friendly(page, status: int, heading: str, name: str):
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    expect(page.get_by_role("link", name="返回首页")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert "Traceback" not in page.content()
    shot(page, f"error-{name}")
    check_a11y(page)
    assert_fits_phone(page)


def test_missing_page_is_a_chinese_404(live_server, phone):
    response = phone.goto("/no/such/page")
    assert response.status == 404
    assert_friendly(phone, 404, "页面不存在", "404")


def test_forbidden_page_is_a_chinese_403(app, phone):
    volunteer = f.volunteer()
    log_in(phone, volunteer.user.username)
    response = phone.goto("/admin/units")
    assert response.status == 403
    assert_friendly(phone, 403, "没有权限", "403")


def test_unexpected_failure_is_a_chinese_500(app, phone):
    def broken():
        raise RuntimeError("boom")
    app.add_url_rule("/__broken", "broken", broken)  # before the server's first request
    app.logger.disabled = True
    logger = __import__("logging").getLogger("app.errors")
    logger.disabled = True
    try:
        response = phone.goto("/__broken")
    finally:
        logger.disabled = False
    assert response.status == 500
    assert_friendly(phone, 500, "系统出了点问题", "500")
    assert "boom" not in phone.content()


def test_expired_coupon_code_is_explained_to_the_merchant(app, phone):
    from tests.browser.test_merchant_journey import cafe_with_a_coupon
    url = cafe_with_a_coupon()
    app.config["COUPON_CODE_SECONDS"] = -1  # every coupon code is now past its lifetime
    log_in(phone, "cafe")
    with phone.expect_response(lambda r: r.url.endswith("/merchant/code")) as posted:
        phone.goto(url)  # the page posts the code after the # (never in a URL)
    assert posted.value.status == 400
    expect(phone.get_by_role("heading", level=1)).to_contain_text("二维码已过期")
    expect(phone.get_by_text("请让志愿者刷新二维码后重新扫描")).to_be_visible()
    expect(phone.get_by_role("button", name="确认核销")).to_have_count(0)
    expect(phone.get_by_role("link", name="返回扫码")).to_be_visible()
    shot(phone, "error-expired-coupon-qr")
    check_a11y(phone)
    assert_fits_phone(phone)
