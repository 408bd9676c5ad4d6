"""The office's loop on an office PC: the office publishes the half-year review, raises a
rectification item from one of its flags, the unit replies with a file, the office closes the
item, and the unit's score changes as the scheme says (the item due this month, closed on time,
earns the full weight of 整改事项按期完成率)."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.models import PeriodReview, Rectification
from app.services import scores
from app.services.clock import local_today
from tests import factories as f
from tests.browser.helpers import check_a11y, read, shot, writing
from tests.browser.test_foundation import log_in

pytestmark = pytest.mark.browser
BEIJING = ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def unit_score(page, period: str, unit: str) -> float:
    page.goto(f"/office/scores?period={period}")
    row = page.locator("table tbody tr").filter(has_text=unit).first
    return float(row.locator("td").nth(2).inner_text())


def test_publish_raise_from_a_flag_reply_with_a_file_close_and_the_score_moves(browser_context, app, tmp_path):
    with writing():
        a, b = f.unit("甲单位"), f.unit("乙单位")
        for unit in (a, b):
            unit.created_at = datetime(2025, 1, 1, tzinfo=BEIJING)
        f.volunteer(a, name="张小三").created_at = datetime(2025, 6, 1, tzinfo=BEIJING)
        f.unit_admin(a, "jia_admin")
        boss = f.platform_admin("office")
        scores.save_scheme([{"key": "hours_per_volunteer", "weight": 60, "target": 25},
                            {"key": "rectifications_on_time", "weight": 40, "target": 1}], by=boss)
    month = f"{local_today():%Y-%m}"

    office = browser_context("desktop").new_page()
    log_in(office, "office")
    office.goto("/reviews/")
    office.get_by_label("期间（如 2026-H1、2026）").fill("2026-H1")
    office.get_by_role("button", name="生成或刷新草稿").click()
    expect(office.get_by_role("heading", name="全市 2026年上半年志愿服务点评")).to_be_visible()
    office.get_by_label("文明办点评").fill("上半年甲单位无活动、无服务，须整改。")
    office.get_by_role("button", name="保存点评").click()
    office.get_by_role("button", name="发布点评").click()
    expect(office.locator("#review-status")).to_contain_text("已发布")
    expect(office.locator("#review-comment")).to_contain_text("上半年甲单位无活动")
    assert read(select(PeriodReview.published_at)) is not None
    shot(office, "review-published")
    check_a11y(office)

    flag = office.locator("#review-flags li").filter(has_text="甲单位：2026-01 未开展活动，也无审核通过的服务记录")
    flag.get_by_role("link", name="下发整改").click()
    expect(office.get_by_label("发现的问题")).to_have_value("甲单位：2026-01 未开展活动，也无审核通过的服务记录")
    expect(office.get_by_label("来源（如：2026年第三季度点评·无活动）")).to_have_value("全市 2026年上半年志愿服务点评")
    office.get_by_label("整改期限").fill(local_today().isoformat())  # due this month
    office.get_by_role("button", name="下发整改事项").click()
    expect(office.get_by_role("alert").filter(has_text="已向“甲单位”下发整改事项")).to_be_visible()
    item_id = read(select(Rectification.id))

    unit = browser_context("desktop").new_page()
    log_in(unit, "jia_admin")
    before = unit_score(unit, month, "甲单位")
    assert before == 0  # no hours, and the one item due this month not closed
    unit.goto(f"/office/rectifications/{item_id}")
    unit.get_by_label("整改情况").fill("已制定全年活动计划，二月起每月开展活动。")
    receipt = tmp_path / "整改报告.pdf"
    receipt.write_bytes(PDF)
    unit.get_by_label("附件（PDF或图片，每个不超过5MB，最多5个）").set_input_files(str(receipt))
    unit.get_by_role("button", name="提交答复").click()
    expect(unit.get_by_role("link", name="整改报告.pdf")).to_be_visible()

    office.goto(f"/office/rectifications/{item_id}")
    office.get_by_role("button", name="审核通过并销号").click()
    expect(office.get_by_text("已销号").first).to_be_visible()
    assert read(select(Rectification.status)) == "closed"

    after = unit_score(unit, month, "甲单位")
    assert after - before == 40  # the weight of 整改事项按期完成率: 1 of 1 item closed by its deadline
    shot(unit, "review-journey-score-after-closing")

    review_id = read(select(PeriodReview.id))
    unit.goto(f"/reviews/{review_id}")
    expect(unit.get_by_role("heading", name="甲单位 2026年上半年志愿服务点评")).to_be_visible()
    expect(unit.locator("#review-comment")).to_be_visible()
    for page, path in ((unit, f"/reviews/{review_id}"), (unit, "/contributions/"), (office, "/contributions/"),
                       (office, "/reviews/")):
        page.goto(path)
        check_a11y(page)
