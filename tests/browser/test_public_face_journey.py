"""On a 390×844 phone, in Chinese: a supervisor files a report with a photo and the phone's
position; the office routes it and the unit answers; the reporter sees the answer; and the
public column shows the approved story to a visitor who is not logged in."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.models import ProblemReport
from app.services import column, supervisors
from app.services.column import Draft
from tests import factories as f
from tests.browser.helpers import (
    assert_fits_phone,
    assert_touch_target,
    check_a11y,
    read,
    settle,
    shot,
)
from tests.services.test_photos import jpeg_with_gps

pytestmark = pytest.mark.browser


def log_in(page, username, password=f.PASSWORD):
    page.goto("/login")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert").filter(has_text="欢迎回来")).to_be_visible()


def log_out(page):
    page.get_by_role("button", name="退出").click()


def test_a_report_from_the_phone_to_the_answer_and_a_story_in_the_public_column(app, browser_context):
    boss = f.platform_admin("boss")
    street = f.unit("阳光街道")
    f.unit_admin(street, username="yangguang")
    reporter = f.volunteer(street, name="李监督")
    hero = f.volunteer(street, name="王好人")
    supervisors.appoint(reporter, by=boss)
    story = column.create_draft(Draft("story", "路口的红马甲", "她每天早晚在路口劝导文明过街。",
                                      volunteer_no=hero.volunteer_no), by=boss)
    column.submit(story, by=boss)
    column.answer_consent(story, hero, agree=True)
    reporter_login, story_id = reporter.user.username, story.id
    settle()

    # 随手拍: the supervisor, with the phone's position and a photo
    phone = browser_context("phone", geolocation={"latitude": 30.2741, "longitude": 120.1551},
                            permissions=["geolocation"]).new_page()
    log_in(phone, reporter_login)
    phone.get_by_role("link", name="随手拍（义务监督员）").click()
    phone.get_by_role("link", name="随手拍上报").click()
    expect(phone.locator("#position-state")).to_have_text("已获取手机定位")
    phone.get_by_label("类别").select_option(label="环境卫生")
    phone.get_by_label("照片（拍照或从相册选择，最多3张）").set_input_files(
        {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps((1200, 900))})
    phone.get_by_label("情况说明").fill("东门垃圾桶满溢，周边有散落垃圾")
    assert_touch_target(phone.get_by_role("button", name="上报"))
    check_a11y(phone)
    assert_fits_phone(phone)
    shot(phone, "report-file", docs=True)
    phone.get_by_role("button", name="上报").click()
    expect(phone.get_by_role("alert").filter(has_text="已上报")).to_be_visible()
    expect(phone.locator("#report-status")).to_have_text("待分派")
    expect(phone.locator("img.report-photo")).to_be_visible()
    report_id = read(select(ProblemReport.id))
    assert read(select(ProblemReport.lat)) == pytest.approx(30.2741)

    # the office routes it to the street
    office = browser_context("desktop").new_page()
    log_in(office, "boss")
    office.goto(f"/office/reports/{report_id}")
    office.get_by_label("责任单位").select_option(label="阳光街道")
    office.get_by_label("转办说明").fill("请街道核实处理")
    office.get_by_role("button", name="转办").click()
    expect(office.get_by_role("alert").filter(has_text="已转办")).to_be_visible()
    check_a11y(office)

    # the unit answers
    unit = browser_context("desktop").new_page()
    log_in(unit, "yangguang")
    unit.goto("/office/reports/")
    unit.get_by_role("link", name=str(report_id), exact=True).click()
    unit.get_by_label("处理情况").fill("已清运垃圾，并增设一个垃圾桶")
    unit.get_by_role("button", name="提交答复").click()
    expect(unit.get_by_role("alert").filter(has_text="已答复")).to_be_visible()
    shot(unit, "report-unit-reply")

    # the reporter sees the answer on the phone
    phone.goto("/reports/")
    phone.get_by_role("link", name="环境卫生").first.click()
    expect(phone.locator("#report-status")).to_have_text("单位已答复")
    expect(phone.locator("#report-reply")).to_have_text("已清运垃圾，并增设一个垃圾桶")
    check_a11y(phone)
    shot(phone, "report-answer", docs=True)

    # the office approves the story; a visitor reads it without login
    office.goto(f"/office/column/{story_id}")
    office.get_by_role("button", name="审核通过并发布").click()
    expect(office.get_by_role("alert").filter(has_text="已发布到志愿风采")).to_be_visible()
    visitor = browser_context("phone").new_page()
    visitor.goto("/")
    visitor.get_by_role("link", name="志愿风采").click()
    visitor.get_by_role("link", name="路口的红马甲").click()
    expect(visitor.get_by_role("heading", name="路口的红马甲")).to_be_visible()
    expect(visitor.get_by_text("故事主人公：王好人")).to_be_visible()
    check_a11y(visitor)
    assert_fits_phone(visitor)
    shot(visitor, "column-story", docs=True)
