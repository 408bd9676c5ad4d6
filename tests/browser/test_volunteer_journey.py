"""The volunteer's journey on a 390×844 phone, in Chinese: register, scan a post's QR to
check in and again to check out, see the record; once the unit approves it, see the hours
and a new star; claim a coupon and show its QR."""
import base64
import io
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select, update

from app.extensions import db
from app.models import ServiceRecord, User, Volunteer
from app.services import ledger, posts, stars
from app.services.clock import now
from app.services.incentives.counter import verify_code
from app.services.incentives.merchants import create_merchant
from app.services.incentives.offers import OfferInput, create_offer
from tests import factories as f
from tests.browser.helpers import (
    assert_fits_phone,
    assert_touch_target,
    check_a11y,
    read,
    settle,
    shot,
    writing,
)

pytestmark = pytest.mark.browser


def qr_text(page, selector: str) -> str:
    """Decode the QR image shown on the page, as a phone's camera would."""
    page.wait_for_function(f"() => document.querySelector({selector!r}).src.startsWith('data:image/png')")
    src = page.locator(selector).get_attribute("src")
    image = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
    found = zxingcpp.read_barcodes(image)
    assert found, "no QR code readable in the image"
    return found[0].text


def register(page, unit_name: str, phone_number: str):
    page.goto("/")
    page.get_by_role("link", name="注册成为志愿者").click()
    page.get_by_label("真实姓名").fill("林志远")
    page.get_by_label("身份证号码").fill(f.valid_id_number())
    page.get_by_label("手机号码").fill(phone_number)
    page.get_by_label("成员单位").select_option(label=unit_name)
    page.get_by_label("密码（至少8位）").fill("volunteer-pass")
    page.get_by_label("确认密码").fill("volunteer-pass")
    page.get_by_label("我已阅读并同意隐私政策").check()
    page.get_by_role("button", name="注册").click()
    # the same answer for a new or a known person; then the person logs in
    expect(page.get_by_role("alert").filter(has_text="注册申请已受理")).to_be_visible()
    page.get_by_label("用户名或手机号").fill(phone_number)
    page.get_by_label("密码", exact=True).fill("volunteer-pass")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert").filter(has_text="欢迎回来")).to_be_visible()


def test_volunteer_journey(app, live_server, phone):
    admin = f.platform_admin()
    unit = f.unit("阳光街道")
    unit_admin = f.unit_admin(unit)
    stars.set_thresholds({1: 2, 2: 300, 3: 600, 4: 1000, 5: 1500}, by=admin)  # a first star after 2 h
    post = posts.create_post(unit.id, posts.PostInput(name="社区图书角服务岗", address="人民路25号"), by=admin)
    shop = create_merchant(name="志愿者之家便利店", address="人民路18号", by=admin, approved=True)
    create_offer(shop, OfferInput(title="饮品第二杯半价", min_star=1,
                                                        description="凭券购买任意饮品"), by=admin)
    db.session.commit()
    poster_url = posts.scan_url(post)
    assert poster_url.startswith(live_server.url + "/s/")
    settle()

    register(phone, "阳光街道", "13900001111")
    volunteer = read(select(Volunteer).join(User).where(User.username == "13900001111"))
    expect(phone.get_by_role("img", name="暂无星级")).to_be_visible()

    # At the post, the camera app opens the poster's URL: the post and one big button.
    phone.goto(poster_url)
    expect(phone.get_by_role("heading", name="社区图书角服务岗")).to_be_visible()
    check_in = phone.get_by_role("button", name="签到")
    assert_touch_target(check_in, 56)
    shot(phone, "volunteer-scan", docs=True)
    check_a11y(phone)
    assert_fits_phone(phone)
    check_in.click()
    expect(phone.get_by_role("heading", name="签到成功")).to_be_visible()
    shot(phone, "volunteer-checked-in")
    check_a11y(phone)

    # Two and a half hours of service later (the record's start is moved back), scan again.
    record = read(select(ServiceRecord).where(ServiceRecord.volunteer_id == volunteer.id))
    assert record.status == "open"
    db.session.execute(update(ServiceRecord).where(ServiceRecord.id == record.id)
                       .values(started_at=now() - timedelta(hours=2, minutes=30)))
    db.session.commit()
    phone.goto(poster_url)
    expect(phone.get_by_text("服务进行中")).to_be_visible()
    check_out = phone.get_by_role("button", name="签退")
    assert_touch_target(check_out, 56)
    check_out.click()
    expect(phone.get_by_role("heading", name="签退成功")).to_be_visible()
    expect(phone.get_by_text("本次服务 2.5 小时")).to_be_visible()
    expect(phone.get_by_text("待审核")).to_be_visible()
    shot(phone, "volunteer-checked-out")
    check_a11y(phone)
    assert_fits_phone(phone)

    # The record, reached through the phone's menu.
    phone.get_by_role("button", name="展开导航").click()
    phone.get_by_role("navigation", name="主导航").get_by_role("link", name="服务记录").click()
    entry = phone.get_by_role("listitem").filter(has_text="社区图书角服务岗")
    expect(entry).to_contain_text("2.5 小时")
    expect(entry).to_contain_text("待审核")
    check_a11y(phone)
    assert_fits_phone(phone)

    # The unit approves it (its own journey does that on its pages).
    with writing():
        record = db.session.get(ServiceRecord, record.id)
        ledger.approve(record, by=unit_admin)

    # Hours and the new star on the home page.
    phone.goto("/me/")
    expect(phone.locator("#total-hours")).to_contain_text("2.5")
    expect(phone.get_by_role("img", name="1星志愿者").first).to_be_visible()
    expect(phone.get_by_role("status")).to_contain_text("1星")
    shot(phone, "volunteer-star-home", docs=True)
    check_a11y(phone)
    assert_fits_phone(phone)

    # A coupon the new star allows, and its QR for the merchant.
    phone.get_by_role("link", name="我的优惠券").click()
    offer_card = phone.locator(".card", has_text="饮品第二杯半价")
    offer_card.get_by_role("button", name="领取").click()
    expect(phone.get_by_role("alert").filter(has_text="领取成功")).to_be_visible()
    expect(phone.get_by_role("heading", name="饮品第二杯半价")).to_be_visible()
    url = qr_text(phone, "#qr")
    assert url.startswith(live_server.url + "/q/")
    shot(phone, "volunteer-coupon-qr", docs=True)
    check_a11y(phone)
    assert_fits_phone(phone)
    # The code the page shows is one the merchant's counter accepts.
    settle()
    verification = verify_code(url, shop)
    assert verification.coupon is not None and verification.coupon.volunteer_id == volunteer.id
    settle()
