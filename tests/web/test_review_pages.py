"""Half-year and annual reviews on the portal: the office drafts, sets the rule, comments and
publishes; the unit admin reads its own unit's published review and its files, never a draft
or another unit's; bad input is refused with a message, never a 500."""
from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import select

from app.models import PeriodReview
from tests import factories as f

BEIJING = ZoneInfo("Asia/Shanghai")


def test_the_office_drafts_comments_and_publishes_and_the_unit_reads_its_own(app, db):
    office, unit_a, unit_b = f.platform_admin(), f.unit("甲单位"), f.unit("乙单位")
    for unit in (unit_a, unit_b):
        unit.created_at = datetime(2025, 1, 1, tzinfo=BEIJING)
    admin_a = f.unit_admin(unit_a)
    f.give_hours(f.volunteer(unit_a), 4, end=datetime(2026, 3, 3, 12, tzinfo=BEIJING))
    client = app.test_client()
    f.login(client, office)
    assert f.post_form(client, "/reviews/", {"period": "2026-Q1"}).status_code == 200  # not a half or a year
    assert f.post_form(client, "/reviews/", {"period": "2026-H1"}).status_code == 302
    review_id = db.session.scalar(select(PeriodReview.id))
    page = client.get(f"/reviews/{review_id}").get_data(as_text=True)
    assert "全市 2026年上半年志愿服务点评" in page and "甲单位" in page and "下发整改" in page
    url = f"/reviews/{review_id}"
    assert f.post_form(client, f"{url}/rule", {"kind": "bottom", "value": "1"}, token_from=url).status_code == 302
    assert f.post_form(client, f"{url}/rule", {"kind": "bottom", "value": "abc"}, token_from=url).status_code == 302
    too_long = f.post_form(client, f"{url}/comment?unit_id={unit_a.id}", {"comment": "长" * 5001}, token_from=url)
    assert too_long.status_code == 302
    f.post_form(client, f"{url}/comment?unit_id={unit_a.id}", {"comment": "甲单位一季度较活跃。"}, token_from=url)
    db.session.expire_all()
    review = db.session.get(PeriodReview, review_id)
    assert review.rule == {"kind": "bottom", "value": 1} and review.comments == {f"unit:{unit_a.id}": "甲单位一季度较活跃。"}

    unit_client = app.test_client()
    f.login(unit_client, admin_a)
    assert unit_client.get(url).status_code == 404  # a draft is the office's
    assert f.post_form(unit_client, "/reviews/", {"period": "2026-H1"}).status_code == 403
    assert f.post_form(client, f"{url}/publish", {}, token_from=url).status_code == 302
    db.session.expire_all()
    assert db.session.get(PeriodReview, review_id).published_at is not None
    assert f.post_form(client, f"{url}/comment", {"comment": "改"}, token_from=url).status_code == 302
    db.session.expire_all()
    assert db.session.get(PeriodReview, review_id).comments.get("city") is None  # published: unchanged

    mine = unit_client.get(url).get_data(as_text=True)
    assert "甲单位 2026年上半年志愿服务点评" in mine and "甲单位一季度较活跃。" in mine and "发布点评" not in mine
    assert unit_client.get(f"{url}?unit_id={unit_b.id}").get_data(as_text=True) == mine  # always its own
    assert f.post_form(unit_client, f"{url}/revise", {}, token_from=url).status_code == 403
    pdf = unit_client.get(f"{url}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    book = load_workbook(io.BytesIO(unit_client.get(f"{url}.xlsx").data))
    assert book["点评"]["A1"].value == "甲单位 2026年上半年志愿服务点评"
    assert "2026年上半年" in unit_client.get("/reviews/").get_data(as_text=True)
    assert client.get("/reviews/999999").status_code == 404
