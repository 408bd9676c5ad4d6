"""A pupil under 14, on a guardian's phone and an office PC: the guardian adds the child; the
unit admin signs the child up for an activity 适合未成年人 and records the child's hours; the
guardian sees them; the unit's bulletin shows the service-category chart and the registration
rate."""
from datetime import date, datetime, time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Volunteer
from app.services import categories, headcounts, ledger, posts
from app.services.bulletins.snapshots import generate_bulletins
from app.services.clock import local_today, month_bounds, now, previous_month, zone
from app.services.months import Month
from tests import factories as f
from tests.browser.helpers import assert_fits_phone, check_a11y, read, settle, shot
from tests.browser.test_foundation import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def school(app):
    boss = f.platform_admin("office")
    unit = f.unit("实验小学", boss)
    headcounts.set_profile(unit, kind="school", headcount=4, by=boss)
    guardian = f.volunteer(unit, name="王大明")
    teacher = f.volunteer(unit, name="李老师")
    admin = f.unit_admin(unit, "school_admin")
    health = next(c.id for c in categories.list_categories() if c.name == "助学支教")
    post = posts.create_post(unit.id, posts.PostInput(name="校园图书角", category_id=health), by=boss)
    start = now() + timedelta(days=2)
    posts.create_activity(unit.id, posts.ActivityInput(
        title="亲子阅读会", kind="event", starts_at=start, ends_at=start + timedelta(hours=2), post_id=post.id,
        for_minors=True), by=admin)
    # last month's service, so that the unit has a bulletin to read
    month_start, _end = month_bounds(previous_month())
    for person in (guardian, teacher):
        person.created_at = month_start - timedelta(days=30)
    served = month_start + timedelta(days=3, hours=1)
    ledger.create_record(teacher, started_at=served, ended_at=served + timedelta(hours=3), by=boss, post=post,
                         status="approved")
    db.session.commit()
    generate_bulletins(Month.current().previous())
    db.session.commit()
    settle()
    return {"unit": unit, "guardian": guardian}


def test_a_guardian_adds_a_child_whose_hours_an_admin_records_and_the_bulletin_shows_the_figures(
        browser_context, school):
    guardian = browser_context("phone").new_page()
    log_in(guardian, school["guardian"].user.username)
    guardian.goto("/me/children/")
    expect(guardian.get_by_role("heading", name="我的孩子")).to_be_visible()
    guardian.get_by_label("儿童姓名").fill("王小明")
    guardian.get_by_label("儿童身份证号码").fill(f.valid_id_number(date(local_today().year - 9, 3, 1)))
    guardian.get_by_label("与儿童的关系").select_option(label="父亲")
    guardian.get_by_label("我是该儿童的监护人，同意其参加志愿服务并由本人代为管理").check()
    guardian.get_by_role("button", name="添加儿童").click()
    expect(guardian.get_by_role("alert").filter(has_text="已添加儿童“王小明”")).to_be_visible()
    child = read(select(Volunteer).where(Volunteer.name == "王小明"))
    assert child.guardian_id == school["guardian"].id and child.phone is None
    check_a11y(guardian)
    assert_fits_phone(guardian)
    shot(guardian, "guardian-adds-child-phone")
    db.session.get(Volunteer, child.id).created_at = now() - timedelta(days=3)  # the child joined days ago
    settle()

    office = browser_context("desktop").new_page()
    log_in(office, "school_admin")
    office.goto("/activities/")
    office.get_by_role("row").filter(has_text="亲子阅读会").get_by_role("link", name="登记出勤").click()
    office.get_by_label("儿童的志愿者编号").fill(child.volunteer_no)
    office.get_by_role("button", name="为儿童报名").click()
    expect(office.get_by_role("alert").filter(has_text="已为儿童 王小明 报名")).to_be_visible()
    expect(office.get_by_role("row").filter(has_text="王小明")).to_be_visible()
    office.goto("/admin/records/new")
    yesterday = datetime.combine(local_today() - timedelta(days=1), time(9, 0), tzinfo=zone())
    office.get_by_label("志愿者编号").fill(child.volunteer_no)
    office.get_by_label("开始时间").fill(yesterday.strftime("%Y-%m-%dT%H:%M"))
    office.get_by_label("结束时间").fill((yesterday + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    office.get_by_label("说明（补录原因）").fill("亲子阅读会志愿服务")
    office.get_by_role("button", name="补录并通过").click()
    expect(office.get_by_role("alert").first).to_be_visible()
    settle()
    assert read(select(Volunteer.approved_seconds).where(Volunteer.id == child.id)) == 2 * 3600

    guardian.goto("/me/children/")
    expect(guardian.locator(".child-hours")).to_have_text("2")
    shot(guardian, "guardian-sees-child-hours-phone")

    office.goto("/bulletins/")
    office.get_by_role("row").filter(has_text="实验小学").get_by_role("link").first.click()
    expect(office.locator("#categoryChart")).to_be_visible()
    expect(office.locator("#categories")).to_contain_text("助学支教")
    stats = office.locator(".card-body").filter(has_text="志愿者登记率")
    expect(stats.first).to_contain_text("50.0%")
    shot(office, "bulletin-categories-and-registration-rate")
    check_a11y(office)
