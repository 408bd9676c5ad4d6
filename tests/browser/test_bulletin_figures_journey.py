"""On an office PC: a unit's bulletin whose figures add up (hours on the volunteers' home unit,
service at another unit's post on its own line, the top ten summing to the hours), and the
quarterly review with its target flags, the units' ranking and the office's written review."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.services import ledger, posts
from app.services.bulletins.snapshots import generate_bulletins
from tests import factories as f
from tests.browser.helpers import check_a11y, settle, shot
from tests.browser.test_foundation import log_in

pytestmark = pytest.mark.browser
BEIJING = ZoneInfo("Asia/Shanghai")


def cards(page) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.card-body')]
        .filter(c => c.querySelector('.stat'))
        .map(c => [c.querySelector('.small').textContent.trim(), c.querySelector('.stat').textContent.trim()]))""")


@pytest.fixture
def quarter(app):
    a, b = f.unit("甲单位"), f.unit("乙单位")
    zhang, li, wang = f.volunteer(a, name="张小三"), f.volunteer(a, name="李小四"), f.volunteer(b, name="王小五")
    post_b = posts.create_post(b.id, posts.PostInput(name="乙单位图书馆"), by=None)
    for person in (zhang, li, wang):
        person.created_at = datetime(2025, 1, 1, tzinfo=BEIJING)
    db.session.commit()

    def serve(who, month, day, hours, post=None):
        start = datetime(2026, month, day, 9, tzinfo=BEIJING)
        ledger.create_record(who, started_at=start, ended_at=start + timedelta(hours=hours), by=None, post=post)

    serve(zhang, 9, 3, 3, post_b)  # 甲's volunteer at 乙's post: counts in 甲, on its own line
    serve(li, 9, 4, 2)
    serve(wang, 9, 5, 1)
    serve(zhang, 7, 10, 4)
    db.session.commit()
    for month in ("2026-07", "2026-08", "2026-09"):
        generate_bulletins(month)
    db.session.commit()
    admin_a, boss = f.unit_admin(a, "jia_admin"), f.platform_admin("office")
    settle()
    return {"a": a, "admin_a": admin_a, "boss": boss}


def test_a_unit_bulletin_adds_up_and_the_quarterly_review_has_flags_and_a_comment(browser_context, quarter):
    unit_admin = browser_context("desktop").new_page()
    log_in(unit_admin, "jia_admin")
    unit_admin.goto("/bulletins/")
    unit_admin.get_by_role("row").filter(has_text="甲单位").get_by_role("link", name="2026-09").click()
    expect(unit_admin.get_by_role("heading", name="甲单位 2026年9月志愿服务月通报")).to_be_visible()
    figures = cards(unit_admin)
    assert figures["注册志愿者"] == "2" and figures["活跃志愿者"] == "2" and figures["参与率"] == "100.0%"
    assert figures["服务时长（小时）"] == "5" and figures["服务记录（条）"] == "2"
    assert figures["其中在其他单位服务岗的服务（小时）"] == "3"
    top = unit_admin.get_by_role("table").filter(has_text="编号")
    hours = [float(h) for h in top.locator("tbody tr td:nth-child(4)").all_inner_texts()]
    assert sorted(hours, reverse=True) == [3, 2] and sum(hours) == float(figures["服务时长（小时）"])
    expect(unit_admin.locator("#generated-at")).to_contain_text("Asia/Shanghai")
    shot(unit_admin, "unit-bulletin-figures-add-up")
    check_a11y(unit_admin)

    office = browser_context("desktop").new_page()
    log_in(office, "office")
    office.goto("/bulletins/quarter?year=2026&q=3")
    office.get_by_label("范围").select_option(label="甲单位")
    office.get_by_role("button", name="查看").click()
    expect(office.get_by_role("heading", name="甲单位 2026年第3季度点评")).to_be_visible()
    flags = office.locator("#quarter-flags")
    expect(flags).to_contain_text("本季度人均服务时长 4.5 小时，低于季度目标 6.25 小时")
    expect(flags).to_contain_text("本季度人均参加培训 0 次，低于季度目标 0.5 次")
    ranking = office.locator("#quarter-ranking tbody tr")
    expect(ranking).to_have_count(2)
    expect(ranking.first).to_contain_text("甲单位")
    expect(ranking.first).to_contain_text("9")
    office.get_by_label("文明办点评").fill("甲单位第三季度服务稳定，跨单位支援乙单位图书馆，请加强培训。")
    office.get_by_role("button", name="保存点评").click()
    expect(office.get_by_role("alert").filter(has_text="已保存季度点评")).to_be_visible()
    expect(office.get_by_label("文明办点评")).to_have_value("甲单位第三季度服务稳定，跨单位支援乙单位图书馆，请加强培训。")
    shot(office, "quarterly-review-flags-and-comment", docs=True)
    check_a11y(office)

    unit_admin.goto("/bulletins/")
    unit_admin.get_by_role("link", name="季点评").click()
    unit_admin.get_by_label("年份").fill("2026")
    unit_admin.get_by_label("季度").select_option("3")
    unit_admin.get_by_role("button", name="查看").click()
    expect(unit_admin.locator("#quarter-comment")).to_contain_text("跨单位支援乙单位图书馆")
    expect(unit_admin.get_by_label("文明办点评")).to_have_count(0)
    answer = unit_admin.request.get(unit_admin.get_by_role("link", name="下载PDF").get_attribute("href"))
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    check_a11y(unit_admin)
