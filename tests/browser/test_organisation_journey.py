"""The organisation journey: the platform admin builds a team and a project for it; a
volunteer opens the project's public page, logs in from there and signs up."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.models import Project, ProjectSignup, Team
from app.services.clock import local_today
from tests import factories as f
from tests.browser.helpers import check_a11y, read, shot
from tests.browser.test_foundation import log_in

pytestmark = pytest.mark.browser


def nav_link(page, name):
    """A menu link; the areas opened less often are under 更多, opened first."""
    nav = page.get_by_role("navigation", name="主导航")
    link = nav.get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        nav.get_by_text("更多", exact=True).click()
    return link


def test_admin_builds_a_team_and_a_project_a_volunteer_joins_through_the_project_page(app, desktop, phone):
    admin = f.platform_admin("organiser")
    unit = f.unit("河畔街道")
    volunteer = f.volunteer(unit, name="林小溪")
    page = desktop
    log_in(page, admin.username)

    nav_link(page, "志愿服务队").click()
    expect(page.get_by_role("heading", name="志愿服务队", level=1)).to_be_visible()
    page.get_by_label("队伍名称").fill("河畔志愿服务总队")
    page.get_by_label("层级").select_option(label="总队")
    page.get_by_label("所属成员单位").select_option(label="河畔街道")
    page.get_by_role("button", name="建立队伍").click()
    expect(page.get_by_role("alert").filter(has_text="已建立“河畔志愿服务总队”")).to_be_visible()
    check_a11y(page)
    team_id = read(select(Team.id).where(Team.name == "河畔志愿服务总队"))

    nav_link(page, "项目").click()
    page.get_by_label("项目名称").fill("守护母亲河")
    page.get_by_label("项目宗旨").fill("每周巡河，清理河岸垃圾，劝导不文明行为。")
    page.get_by_label("开始日期").fill(local_today().isoformat())
    page.get_by_label("结束日期").fill((local_today() + timedelta(days=90)).isoformat())
    page.get_by_label("或负责队伍").select_option(value=str(team_id))
    page.get_by_label("计划招募志愿者（人）").fill("30")
    page.get_by_label("经费来源（如政府购买服务）").fill("政府购买服务")
    page.get_by_role("button", name="发布项目").click()
    expect(page.get_by_role("alert").filter(has_text="已发布项目“守护母亲河”")).to_be_visible()
    expect(page.get_by_role("heading", name="守护母亲河")).to_be_visible()
    shot(page, "project-page-admin")
    project_id = read(select(Project.id).where(Project.title == "守护母亲河"))

    phone.goto(f"/projects/{project_id}")
    expect(phone.get_by_text("河畔志愿服务总队")).to_be_visible()
    check_a11y(phone)
    phone.get_by_role("link", name="登录后报名").click()
    phone.get_by_label("用户名或手机号").fill(volunteer.phone)
    phone.get_by_label("密码", exact=True).fill(f.PASSWORD)
    phone.get_by_role("button", name="登录").click()
    expect(phone.get_by_role("heading", name="守护母亲河")).to_be_visible()
    phone.get_by_role("button", name="报名参加").click()
    expect(phone.get_by_role("alert").filter(has_text="报名成功")).to_be_visible()
    expect(phone.get_by_text("您已报名该项目")).to_be_visible()
    shot(phone, "project-page-signed-up")
    assert read(select(ProjectSignup.volunteer_id).where(ProjectSignup.project_id == project_id)) == volunteer.id
