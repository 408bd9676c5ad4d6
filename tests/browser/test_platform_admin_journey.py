"""The platform admin's journey on an office PC: a new member unit, a new merchant with its
login, a change of the star scale that regrades volunteers, the city-wide bulletin and the
scheduler's job log."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app import scheduling as scheduler
from app.jobs import JOBS_BY_NAME
from app.models import Merchant, User
from app.services.clock import month_bounds, previous_month
from tests import factories as f
from tests.browser.helpers import check_a11y, read, settle, shot
from tests.browser.test_foundation import log_in

pytestmark = pytest.mark.browser


def nav_link(page, name):
    return page.get_by_role("navigation", name="主导航").get_by_role("link", name=name, exact=True)


def test_platform_admin_runs_the_city(app, desktop):
    admin = f.platform_admin("city")
    volunteer = f.volunteer(f.unit("阳光街道"), name="赵志愿")
    last_month = previous_month()
    f.give_hours(volunteer, 60, end=month_bounds(last_month)[1] - timedelta(days=2))  # served last month
    # no star on the national scale for 60 h; one at 50 h
    page = desktop
    log_in(page, admin.username)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    shot(page, "platform-dashboard")
    check_a11y(page)

    # A new member unit.
    nav_link(page, "成员单位").click()
    page.get_by_role("link", name="新建成员单位").first.click()
    page.get_by_label("单位名称").fill("市第一中学")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert").filter(has_text="已创建成员单位“市第一中学”")).to_be_visible()

    # A new merchant: registered, approved, given a login for its staff.
    nav_link(page, "商家").click()
    expect(page.get_by_role("heading", name="商家礼遇")).to_be_visible()
    check_a11y(page)
    page.get_by_label("商家名称").fill("书香书店")
    page.get_by_label("地址").fill("文化路8号")
    page.get_by_label("联系人").fill("孙老板")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert").filter(has_text="已登记商家“书香书店”")).to_be_visible()
    page.get_by_role("button", name="审核通过").click()
    expect(page.get_by_role("alert").filter(has_text="商家已通过审核")).to_be_visible()
    page.get_by_label("店员姓名").fill("孙老板")
    page.get_by_label("用户名").fill("bookshop")
    page.get_by_label("初始密码（至少8位）").fill("bookshop-pass")
    page.get_by_role("button", name="创建商家账号").click()
    expect(page.get_by_role("alert").filter(has_text="已创建商家账号 bookshop")).to_be_visible()
    shot(page, "platform-merchant")
    check_a11y(page)
    merchant = read(select(Merchant).where(Merchant.name == "书香书店"))
    assert merchant.status == "approved"
    shop_user = read(select(User).where(User.username == "bookshop"))
    assert shop_user.role == "merchant" and shop_user.merchant_id == merchant.id

    # The star scale: 1★ from 50 h regrades the volunteer with 60 h at once.
    nav_link(page, "星级规则").click()
    check_a11y(page)
    page.get_by_label("1星（小时）").fill("50")
    page.get_by_role("button", name="保存并重新评定").click()
    expect(page.get_by_role("alert").filter(has_text="星级标准已更新")).to_contain_text("1人星级发生变化")
    expect(page.get_by_label("1星（小时）")).to_have_value("50")
    shot(page, "platform-star-rules", docs=True)
    check_a11y(page)
    assert read(select(User).where(User.id == volunteer.user_id)).volunteer.star_level == 1

    # Last month's bulletins, made from the page; then the city-wide one.
    nav_link(page, "月通报").click()
    check_a11y(page)
    page.get_by_label("月份").select_option(last_month)
    page.get_by_role("button", name="生成通报").click()
    expect(page.get_by_role("alert").filter(has_text=f"已生成 {last_month} 的通报")).to_be_visible()
    city_row = page.get_by_role("row").filter(has_text="全市")
    expect(city_row).to_have_count(1)
    city_row.get_by_role("link", name=last_month).click()
    year, month = int(last_month[:4]), int(last_month[5:])
    expect(page.get_by_role("heading", name=f"全市 {year}年{month}月志愿服务月通报")).to_be_visible()
    expect(page.get_by_role("heading", name="成员单位服务时长排名")).to_be_visible()
    expect(page.locator("main")).to_contain_text("60")
    shot(page, "platform-city-bulletin", docs=True)
    check_a11y(page)
    answer = page.request.get(page.get_by_role("link", name="下载PDF").get_attribute("href"))
    assert answer.ok and answer.headers["content-type"] == "application/pdf"

    # A second run for the same month makes nothing new, and says so.
    nav_link(page, "月通报").click()
    page.get_by_label("月份").select_option(last_month)
    page.get_by_role("button", name="生成通报").click()
    expect(page.get_by_role("alert").filter(has_text="已经生成过")).to_be_visible()

    # The job log shows the scheduler's jobs and their runs.
    settle()
    assert scheduler.execute(JOBS_BY_NAME["expire_coupons"]).status == "ok"
    nav_link(page, "任务日志").click()
    expect(page.get_by_role("heading", name="任务日志")).to_be_visible()
    # in words: the job's Chinese name and its time, not internal names and cron fields
    expect(page.get_by_role("row").filter(has_text="生成月通报").filter(has_text="每月1日 02:00").first).to_be_visible()
    expect(page.get_by_text("monthly_bulletins")).to_have_count(0)
    expect(page.get_by_text("'hour'")).to_have_count(0)
    run_row = page.get_by_role("row").filter(has_text="优惠券过期处理").filter(has_text="成功")
    expect(run_row).to_have_count(1)
    shot(page, "platform-job-log")
    check_a11y(page)
