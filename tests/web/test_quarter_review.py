"""The quarterly review (季点评): target flags pro-rated to a quarter, the units' ranking, the
office's comment saved with the quarter, PDF and Excel, the last complete quarter by default."""
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.services import ledger
from app.services.bulletins.quarters import last_complete_quarter, quarter_review
from app.services.bulletins.snapshots import generate_bulletins
from app.services.clock import local_today
from tests import factories as f

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def quarter(app, db):
    a, b = f.unit("甲单位"), f.unit("乙单位")
    busy, idle = f.volunteer(a, name="张三"), f.volunteer(b, name="王五")
    for volunteer in (busy, idle):
        volunteer.created_at = datetime(2025, 1, 1, tzinfo=BEIJING)
    for month in (7, 8, 9):
        start = datetime(2026, month, 5, 9, tzinfo=BEIJING)
        ledger.create_record(busy, started_at=start, ended_at=start + timedelta(hours=3), by=None)
    start = datetime(2026, 8, 9, 9, tzinfo=BEIJING)
    ledger.create_record(idle, started_at=start, ended_at=start + timedelta(hours=1), by=None)
    db.session.commit()
    for month in ("2026-07", "2026-08", "2026-09"):
        generate_bulletins(month)
    db.session.commit()
    return {"a": a, "b": b, "admin_a": f.unit_admin(a, "admin_a"), "boss": f.platform_admin("boss")}


def test_flags_are_pro_rated_to_the_quarter_and_units_are_ranked(quarter):
    a = quarter_review(quarter["a"].id, 2026, 3)
    b = quarter_review(quarter["b"].id, 2026, 3)
    # targets 25 h and 2 trainings a year: 6.25 h and 0.5 trainings a quarter
    assert (a["hours_goal"], a["trainings_goal"]) == (6.25, 0.5)
    assert a["hours_per_volunteer"] == 9 and not any("人均服务时长" in flag for flag in a["flags"])
    assert any("人均服务时长 1" in flag and "6.25" in flag for flag in b["flags"])
    assert any("人均参加培训 0" in flag and "0.5" in flag for flag in a["flags"])  # none attended
    assert [(r["unit"], r["hours"]) for r in a["ranking"]] == [("甲单位", 9), ("乙单位", 1)]
    assert (a["rank"], b["rank"]) == (1, 2)


def test_platform_admin_writes_the_comment_and_the_unit_admin_reads_it(app, client, quarter):
    f.login(client, quarter["boss"])
    path = f"/bulletins/quarter?year=2026&q=3&unit_id={quarter['a'].id}"
    page = client.get(path).get_data(as_text=True)
    assert "甲单位 2026年第3季度点评" in page and "quarter-comment-form" in page
    saved = f.post_form(client, path, {"comment": "第三季度服务稳定，请加强培训。"}, follow_redirects=True)
    assert "已保存季度点评" in saved.get_data(as_text=True)
    too_long = f.post_form(client, path, {"comment": "长" * 5001})
    assert too_long.status_code == 200 and "第三季度服务稳定" in quarter_review(
        quarter["a"].id, 2026, 3)["comment"]
    f.post_form(client, "/bulletins/quarter?year=2026&q=3", {"comment": "全市点评"})  # the city's own
    assert quarter_review(None, 2026, 3)["comment"] == "全市点评"
    assert quarter_review(quarter["a"].id, 2026, 3)["comment"] == "第三季度服务稳定，请加强培训。"
    client = app.test_client()  # the unit admin, in a browser of their own

    f.login(client, quarter["admin_a"])
    page = client.get("/bulletins/quarter?year=2026&q=3").get_data(as_text=True)
    assert "第三季度服务稳定，请加强培训。" in page and "quarter-comment-form" not in page
    assert "需关注" in page and "乙单位" in page  # flags and the ranking across units
    refused = f.post_form(client, "/bulletins/quarter?year=2026&q=3", {"comment": "改写"},
                          token_from="/bulletins/")
    assert refused.status_code == 403
    assert quarter_review(quarter["a"].id, 2026, 3)["comment"] == "第三季度服务稳定，请加强培训。"

    pdf = client.get("/bulletins/quarter.pdf?year=2026&q=3")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "甲单位 2026年第3季度点评" in text and "第三季度服务稳定" in text and "乙单位" in text
    workbook = load_workbook(io.BytesIO(client.get("/bulletins/quarter.xlsx?year=2026&q=3").data))
    values = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(min_row=3, values_only=True)}
    assert values["服务时长（小时）"] == 9 and values["文明办点评"] == "第三季度服务稳定，请加强培训。"
    assert values["季度人均培训目标（次）"] == 0.5
    assert [row[1] for row in workbook["单位排名"].iter_rows(min_row=2, values_only=True)] == ["甲单位", "乙单位"]
    assert client.get("/bulletins/quarter?year=2026&q=7").status_code == 404


def test_the_quarter_page_defaults_to_the_last_complete_quarter(client, quarter):
    assert last_complete_quarter(date(2027, 2, 10)) == (2026, 4)
    assert last_complete_quarter(date(2026, 4, 1)) == (2026, 1)
    assert last_complete_quarter(date(2026, 12, 31)) == (2026, 3)
    year, q = last_complete_quarter(local_today())
    f.login(client, quarter["admin_a"])
    assert f"甲单位 {year}年第{q}季度点评" in client.get("/bulletins/quarter").get_data(as_text=True)
