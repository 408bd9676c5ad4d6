"""Stars, the volunteer card and certificates tried as a new user would: records are approved
until a volunteer crosses 100 h and 300 h; the phone home shows the new stars; the card QR
refreshes; the certificate PDF carries the Chinese name and a QR that opens the check page."""
import base64
import io
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from app.services import ledger
from app.services.clock import now
from tests import factories as f
from tests.browser.helpers import assert_fits_phone, check_a11y, settle, shot, writing

pytestmark = pytest.mark.browser


def log_in(page, username, password=f.PASSWORD):
    page.goto("/login")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()


def approve_hours(volunteer, admin, hours):
    """Pending records entered and then approved by the unit admin, as the review page would."""
    with writing():
        end = now() - timedelta(days=1)
        earliest = min((r.started_at for r in ledger_records(volunteer)), default=end)
        end = min(end, earliest - timedelta(minutes=1))
        remaining = hours
        while remaining > 0:
            chunk = min(remaining, 20)
            record = ledger.create_record(volunteer, started_at=end - timedelta(hours=chunk), ended_at=end,
                                          by=admin, status="pending")
            ledger.approve(record, by=admin)
            end -= timedelta(hours=chunk, minutes=1)
            remaining -= chunk
    settle()


def ledger_records(volunteer):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import ServiceRecord
    return db.session.scalars(select(ServiceRecord).where(ServiceRecord.volunteer_id == volunteer.id)).all()


def qr_text_of(locator) -> str:
    src = locator.get_attribute("src")
    image = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
    return zxingcpp.read_barcodes(image)[0].text


def test_volunteer_crosses_stars_shows_card_and_gets_a_certificate(app, live_server, browser_context):
    unit = f.unit("滨江街道")
    admin = f.unit_admin(unit, "binjiang")
    volunteer = f.volunteer(unit, name="李小红")
    username = volunteer.user.username
    settle()
    phone = browser_context("phone").new_page()
    log_in(phone, username)
    expect(phone.get_by_role("heading", name="李小红")).to_be_visible()
    expect(phone.get_by_text("距1星还差 100 小时")).to_be_visible()

    approve_hours(volunteer, admin, 99.5)
    phone.reload()
    expect(phone.locator("#total-hours")).to_contain_text("99.5")
    expect(phone.get_by_label("暂无星级")).to_be_visible()

    approve_hours(volunteer, admin, 0.5)
    phone.reload()
    expect(phone.get_by_text("恭喜！您已成为1星志愿者。")).to_be_visible()
    expect(phone.get_by_label("1星志愿者", exact=True)).to_be_visible()
    check_a11y(phone)
    assert_fits_phone(phone)
    phone.get_by_role("button", name="知道了").click()
    expect(phone.get_by_text("恭喜")).to_have_count(0)

    approve_hours(volunteer, admin, 200)
    phone.reload()
    expect(phone.get_by_text("恭喜！您已成为2星志愿者。")).to_be_visible()
    expect(phone.get_by_text("距3星还差 300 小时")).to_be_visible()
    assert phone.evaluate("() => !!Chart.getChart(document.getElementById('hours-chart'))")
    shot(phone, "volunteer-home-2-stars")

    # The card: a QR that decodes to a signed card URL and is replaced before it expires.
    live_server.app.config["CARD_CODE_SECONDS"] = 15  # refreshes after 12 s
    phone.get_by_role("link", name="出示志愿者码").click()
    qr = phone.locator("#card-qr")
    first = qr_text_of(qr)
    assert first.startswith(f"{live_server.url}/c/")
    check_a11y(phone)
    assert_fits_phone(phone)
    shot(phone, "volunteer-card")
    expect(qr).not_to_have_attribute("data-code", first, timeout=20_000)
    assert qr_text_of(qr) != first and qr_text_of(qr).startswith(f"{live_server.url}/c/")

    # The certificate: Chinese name and number in the PDF; its QR opens the check page.
    phone.goto("/me/")
    # issuing is a POST form (GET only reads); the browser then opens the PDF
    with phone.expect_response(lambda r: "/me/certificate.pdf" in r.url):
        phone.get_by_role("button", name="服务证明（PDF）").click()
    response = phone.request.get("/me/certificate.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    text = reader.pages[0].extract_text()
    assert "李小红" in text and "300.00" in text and "2星" in text
    check_urls = [r.text for page in reader.pages for image in page.images
                  for r in zxingcpp.read_barcodes(image.image)]
    assert len(check_urls) == 1 and check_urls[0].startswith(f"{live_server.url}/certificates/check/")

    stranger = browser_context("phone").new_page()
    stranger.goto(check_urls[0])
    expect(stranger.get_by_text("该证明由本平台开具，真实有效。")).to_be_visible()
    expect(stranger.get_by_text("李*红")).to_be_visible()
    assert "李小红" not in stranger.content()
    check_a11y(stranger)
    shot(stranger, "certificate-check")


def test_unit_admin_issues_a_certificate_and_platform_admin_changes_the_scale(app, browser_context):
    platform = f.platform_admin("city")
    unit = f.unit("滨江街道", platform)
    f.unit_admin(unit, "binjiang")
    volunteer = f.volunteer(unit, name="周大伟")
    f.give_hours(volunteer, 250)
    settle()
    desk = browser_context("desktop").new_page()
    log_in(desk, "binjiang")
    desk.get_by_role("link", name="服务证明").click()
    desk.get_by_label("志愿者编号").fill(volunteer.volunteer_no)
    desk.get_by_role("button", name="开具证明").click()
    expect(desk.get_by_role("alert").filter(has_text="已开具证明 VS")).to_be_visible()
    expect(desk.get_by_role("cell", name="周大伟")).to_be_visible()
    check_a11y(desk)
    shot(desk, "certificates-unit-admin")

    desk = browser_context("desktop").new_page()
    log_in(desk, "city")
    desk.get_by_role("link", name="星级规则").click()
    expect(desk.get_by_label("1星（小时）")).to_have_value("100")
    check_a11y(desk)
    desk.get_by_role("button", name="地方标准（100/200/500/800/1000小时）").click()
    # it asks first, saying how many volunteers' levels would change
    expect(desk.locator("#preset-impact")).to_contain_text("1 位志愿者的星级会改变")
    check_a11y(desk)
    desk.get_by_role("button", name="确认套用").click()
    expect(desk.get_by_text("1人星级发生变化")).to_be_visible()
    expect(desk.get_by_label("2星（小时）")).to_have_value("200")
    shot(desk, "star-rules")
