"""The foundation tried as a new user would: a volunteer registers on a phone in Chinese;
the platform admin creates a unit and its admin on a PC; that admin logs in."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.models import User, Volunteer
from tests import factories as f
from tests.browser.helpers import assert_fits_phone, check_a11y, read, shot

pytestmark = pytest.mark.browser


def log_in(page, username, password=f.PASSWORD):
    page.goto("/login")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()


def test_volunteer_registers_on_a_phone_in_chinese(app, phone):
    unit = f.unit("滨江街道")
    phone.goto("/register")
    expect(phone.get_by_role("heading", name="注册志愿者")).to_be_visible()
    assert phone.evaluate("document.documentElement.lang") == "zh-CN"
    check_a11y(phone)
    assert_fits_phone(phone)

    # A first try without consent is refused with a message next to the box.
    phone.get_by_label("真实姓名").fill("李小红")
    phone.get_by_label("身份证号码").fill(f.valid_id_number(female=True))
    phone.get_by_label("手机号码").fill("13800138000")
    phone.get_by_label("成员单位").select_option(label="滨江街道")
    phone.get_by_label("密码（至少8位）").fill("volunteer-pass")
    phone.get_by_label("确认密码").fill("volunteer-pass")
    phone.get_by_role("button", name="注册").click()
    expect(phone.get_by_text("请阅读并同意隐私政策")).to_be_visible()
    check_a11y(phone)  # the page with errors is accessible too

    phone.get_by_label("密码（至少8位）").fill("volunteer-pass")
    phone.get_by_label("确认密码").fill("volunteer-pass")
    phone.get_by_label("我已阅读并同意隐私政策").check()
    shot(phone, "register-phone")
    phone.get_by_role("button", name="注册").click()

    # the same answer for a new or a known person (it tells nobody who is registered)
    expect(phone.get_by_role("alert").filter(has_text="注册申请已受理")).to_be_visible()
    volunteer = read(select(Volunteer).join(User).where(User.username == "13800138000"))
    assert volunteer is not None and volunteer.unit_id == unit.id
    phone.get_by_label("用户名或手机号").fill("13800138000")
    phone.get_by_label("密码", exact=True).fill("volunteer-pass")
    phone.get_by_role("button", name="登录").click()
    expect(phone.get_by_role("heading", name="李小红")).to_be_visible()
    # The ID number never appears on the page.
    assert "1101011990" not in phone.content()
    shot(phone, "volunteer-home-new")
    check_a11y(phone)
    assert_fits_phone(phone)


def test_platform_admin_creates_a_unit_and_its_admin_who_then_logs_in(app, desktop):
    admin = f.platform_admin("cityadmin")
    log_in(desktop, admin.username)
    expect(desktop.get_by_role("alert").filter(has_text="欢迎回来")).to_be_visible()
    check_a11y(desktop)

    desktop.get_by_role("navigation", name="主导航").get_by_role("link", name="成员单位").click()
    expect(desktop.get_by_role("heading", name="成员单位")).to_be_visible()
    check_a11y(desktop)
    desktop.get_by_role("link", name="新建成员单位").first.click()
    desktop.get_by_label("单位名称").fill("市图书馆")
    desktop.get_by_label("联系邮箱（接收月通报）").fill("library@example.org")
    check_a11y(desktop)
    desktop.get_by_role("button", name="保存").click()
    expect(desktop.get_by_role("alert").filter(has_text="已创建成员单位“市图书馆”")).to_be_visible()
    expect(desktop.get_by_role("heading", name="市图书馆", exact=True)).to_be_visible()

    desktop.get_by_label("姓名").fill("王管理")
    desktop.get_by_label("用户名").fill("library-admin")
    desktop.get_by_label("初始密码（至少8位）").fill("library-pass-1")
    desktop.get_by_role("button", name="创建管理员").click()
    expect(desktop.get_by_role("alert").filter(has_text="library-admin")).to_be_visible()
    expect(desktop.get_by_text("王管理")).to_be_visible()
    shot(desktop, "platform-unit-detail")
    check_a11y(desktop)

    desktop.get_by_role("button", name="退出").click()
    expect(desktop.get_by_role("alert").filter(has_text="您已安全退出")).to_be_visible()
    expect(desktop).to_have_url(re.compile(r"/login"))

    log_in(desktop, "library-admin", "library-pass-1")
    expect(desktop.get_by_role("alert").filter(has_text="欢迎回来，王管理")).to_be_visible()
    # A unit admin sees their own unit, not the list of all units.
    nav = desktop.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="成员单位")).to_have_count(0)
    check_a11y(desktop)
    shot(desktop, "unit-admin-dashboard")


def test_login_works_from_the_keyboard_alone(app, desktop):
    admin = f.platform_admin("keyboard")
    desktop.goto("/login")
    desktop.keyboard.press("Tab")
    skip = desktop.get_by_role("link", name="跳到正文")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused
    desktop.keyboard.press("Enter")
    # Tab from the main landmark reaches the form's fields in reading order.
    desktop.get_by_label("用户名或手机号").focus()
    desktop.keyboard.type(admin.username)
    desktop.keyboard.press("Tab")
    expect(desktop.get_by_label("密码", exact=True)).to_be_focused()
    desktop.keyboard.type(f.PASSWORD)
    desktop.keyboard.press("Enter")
    expect(desktop.get_by_role("alert").filter(has_text="欢迎回来")).to_be_visible()
    desktop.wait_for_load_state("networkidle")  # the page's scripts have run: nothing moves focus now
    # Focus is visible: the control reached with Tab has an outline or a box shadow.
    desktop.get_by_role("link", name="English").focus()
    desktop.keyboard.press("Tab")
    expect(desktop.get_by_role("link", name=admin.name)).to_be_focused()  # the account and logout page
    desktop.keyboard.press("Tab")
    expect(desktop.get_by_role("button", name="退出")).to_be_focused()
    desktop.wait_for_function("""() => { const s = getComputedStyle(document.activeElement);
        return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'; }""",
                              timeout=2000)  # raises when the focused button shows no ring
