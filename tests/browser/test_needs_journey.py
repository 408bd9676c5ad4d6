"""A resident's need on a 390×844 phone, in Chinese: the resident submits it without an
account, an admin dispatches and publishes it, a volunteer signs up, the unit confirms and
records the service, and the resident rates it by the link with the code."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.models import Need, Volunteer
from app.services.clock import local, local_today, now
from tests import factories as f
from tests.browser.helpers import assert_fits_phone, assert_touch_target, check_a11y, read, settle, shot

pytestmark = pytest.mark.browser


def log_in(page, username, password=f.PASSWORD):
    page.goto("/login")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert").filter(has_text="欢迎回来")).to_be_visible()


def test_a_need_from_request_to_rating_on_a_phone(app, browser_context):
    unit = f.unit("幸福社区")
    f.unit_admin(unit, username="xingfu")
    volunteer = f.volunteer(unit, name="林志远")
    volunteer_login = volunteer.user.username
    settle()

    # 点单: the resident, from the station poster's link, without an account
    resident = browser_context("phone").new_page()
    resident.goto(f"/needs/new?unit={unit.id}")
    resident.get_by_label("需求类别").select_option(label="扶老助残")
    resident.get_by_label("需要什么帮助").fill("家里老人行动不便，想请人帮忙买一周的菜")
    resident.get_by_label("地点", exact=True).fill("幸福小区3栋2单元")
    resident.get_by_label("希望完成的日期").fill((local_today() + timedelta(days=2)).isoformat())
    resident.get_by_label("称呼", exact=True).fill("王阿姨")
    resident.get_by_label("手机号码").fill("13812345678")
    resident.get_by_label("我同意平台为办理此需求保存我的称呼和电话，办结后按期删除").check()
    assert_touch_target(resident.get_by_role("button", name="提交需求"))
    check_a11y(resident)
    assert_fits_phone(resident)
    shot(resident, "need-resident-ask", docs=True)
    resident.get_by_role("button", name="提交需求").click()
    expect(resident.get_by_role("heading", name="需求已提交")).to_be_visible()
    code = resident.locator("#need-code").inner_text().strip()
    link = resident.locator("#track-link").get_attribute("href")
    assert link.endswith(f"/needs/track#{code}")
    need_id = read(select(Need.id))

    # 派单: the unit admin accepts and publishes it with one place
    desk = browser_context("phone").new_page()
    log_in(desk, "xingfu")
    desk.goto("/admin/needs/")
    expect(desk.get_by_text("138****5678")).to_be_visible()
    desk.get_by_role("link", name=f"XY{need_id:06d}").first.click()
    desk.get_by_label("处理").select_option(label="受理")
    desk.get_by_role("button", name="提交").click()
    expect(desk.get_by_role("alert").filter(has_text="已处理")).to_be_visible()
    desk.get_by_label("招募人数").fill("1")
    desk.get_by_role("button", name="发布为志愿任务").click()
    expect(desk.locator("#need-status")).to_have_text("招募志愿者中")
    check_a11y(desk)
    shot(desk, "need-admin-dispatch", docs=True)

    # 接单: the volunteer sees the task and signs up
    helper = browser_context("phone").new_page()
    log_in(helper, volunteer_login)
    helper.goto("/needs/tasks")
    expect(helper.get_by_text("家里老人行动不便")).to_be_visible()
    assert_touch_target(helper.get_by_role("button", name="我来帮忙"))
    check_a11y(helper)
    assert_fits_phone(helper)
    helper.get_by_role("button", name="我来帮忙").click()
    expect(helper.get_by_role("alert").filter(has_text="报名成功")).to_be_visible()
    shot(helper, "need-volunteer-signup", docs=True)

    # the unit confirms the volunteer, records two hours of service and reports it served
    desk.reload()
    desk.get_by_role("button", name="确认", exact=True).click()
    expect(desk.get_by_role("alert").filter(has_text="已确认志愿者")).to_be_visible()
    end = local(now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    desk.get_by_label("开始时间").fill((end - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    desk.get_by_label("结束时间").fill(end.strftime("%Y-%m-%dT%H:%M"))
    desk.get_by_role("button", name="录入服务时长").click()
    expect(desk.get_by_role("alert").filter(has_text="已录入2.0小时")).to_be_visible()
    desk.get_by_role("button", name="标记为已服务").click()
    expect(desk.locator("#need-status")).to_have_text("已服务，待评价")
    assert read(select(Volunteer.approved_seconds).where(Volunteer.id == volunteer.id)) == 7200

    # 评单: the resident opens the link, and the page looks the code up by itself
    resident.goto(link)
    expect(resident.locator("#need-status")).to_have_text("已服务，待评价")
    assert code not in resident.url
    resident.get_by_label("满意度").select_option(value="5")
    resident.get_by_label("评价（可选）").fill("小林很细心，谢谢！")
    check_a11y(resident)
    assert_fits_phone(resident)
    shot(resident, "need-resident-rate", docs=True)
    resident.get_by_role("button", name="确认已完成并评价").click()
    expect(resident.get_by_role("alert").filter(has_text="感谢您的评价")).to_be_visible()
    expect(resident.locator("#need-status")).to_have_text("已评价")
    assert read(select(Need.rating).where(Need.id == need_id)) == 5
