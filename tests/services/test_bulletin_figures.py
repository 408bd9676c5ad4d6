"""Bulletin figures on one base (the volunteer's home unit), late records (补录至以往月份),
numbered revisions (修订版) and the deployment's zone on every output."""
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db as _db
from app.models import Bulletin
from app.services import ledger, posts
from app.services.bulletins.exports import pdf_bytes, xlsx_bytes
from app.services.bulletins.figures import compute
from app.services.bulletins.labels import figure_rows, title_of
from app.services.bulletins.quarters import quarter_review
from app.services.bulletins.snapshots import generate_bulletins, list_bulletins
from tests import factories as f
from tests.services.test_bulletins import beijing, record

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def city(db):
    a, b = f.unit("甲单位"), f.unit("乙单位")
    people = {"a1": f.volunteer(a, name="张三"), "a2": f.volunteer(a, name="李四"), "b1": f.volunteer(b, name="王五")}
    for volunteer in people.values():
        volunteer.created_at = beijing(2025, 1, 1)
    post_b = posts.create_post(b.id, posts.PostInput(name="乙单位服务岗"), by=None)
    _db.session.commit()
    return {"a": a, "b": b, "post_b": post_b, **people}


def test_service_at_another_units_post_counts_in_the_home_unit_and_is_shown_as_its_own_line(city):
    start = beijing(2026, 10, 3, 9)
    ledger.create_record(city["a1"], started_at=start, ended_at=start + timedelta(hours=3), by=None,
                         post=city["post_b"])  # a's volunteer at b's post
    record(city["a2"], beijing(2026, 10, 4, 9), 1)
    _db.session.commit()
    figures = compute("2026-10")
    a, b, total = figures[city["a"].id], figures[city["b"].id], figures[None]
    assert (a["service_hours"], a["records"], a["active_volunteers"], a["participation_rate"]) == (4, 2, 2, 1.0)
    assert (a["other_units_hours"], a["other_units_records"]) == (3, 1)
    assert sum(v["hours"] for v in a["top_volunteers"]) == a["service_hours"]
    assert (b["service_hours"], b["records"], b["active_volunteers"], b["top_volunteers"]) == (0, 0, 0, [])
    assert (b["hosted_hours"], b["hosted_records"]) == (3, 1)
    assert total["service_hours"] == a["service_hours"] + b["service_hours"] == 4
    assert [r["unit"] for r in a["ranking"]] == ["甲单位", "乙单位"]
    labels = dict(figure_rows(a))
    assert labels["其中在其他单位服务岗的服务（小时）"] == "3"
    assert dict(figure_rows(b))["本单位服务岗接待的外单位志愿者服务（小时）"] == "3"


def test_participation_cannot_exceed_100_percent_with_history_from_before_registration(city):
    newcomer = f.volunteer(city["b"], name="赵六")
    record(newcomer, beijing(2026, 5, 10, 9), 2)  # history entered for May; registered in June
    newcomer.created_at = beijing(2026, 6, 2)
    _db.session.commit()
    b = compute("2026-05")[city["b"].id]
    assert b["registered_volunteers"] == 1 and b["active_volunteers"] == 0 and b["participation_rate"] == 0
    assert b["service_hours"] == 2  # the hours still count in the home unit


def test_a_record_approved_after_its_bulletin_shows_as_late_in_the_next_and_in_the_quarter(city, app):
    record(city["a1"], beijing(2026, 7, 3, 9), 1)
    assert generate_bulletins("2026-07") == 3
    _db.session.commit()
    late = record(city["a2"], beijing(2026, 7, 20, 9), 2)  # approved after July's bulletin was made
    assert late.reviewed_at > list_bulletins(city["a"].id)[0].generated_at
    for month in ("2026-08", "2026-09"):
        generate_bulletins(month)
    _db.session.commit()
    july, august = (_db.session.scalar(select(Bulletin).where(Bulletin.scope == f"unit:{city['a'].id}",
                                                              Bulletin.month == m)) for m in ("2026-07", "2026-08"))
    assert july.figures["service_hours"] == 1  # the snapshot stays as it was
    assert (august.figures["late_records"], august.figures["late_hours"]) == (1, 2)
    assert dict(figure_rows(august.figures))["补录至以往月份（条）"] == "1"
    september = _db.session.scalar(select(Bulletin).where(Bulletin.scope == "city", Bulletin.month == "2026-09"))
    assert september.figures["late_records"] == 0  # counted once, in the month after
    review = quarter_review(city["a"].id, 2026, 3)
    assert (review["late_records"], review["late_hours"], review["service_hours"]) == (1, 2, 1)

    # a numbered revision of July keeps the original
    result = app.test_cli_runner().invoke(args=["bulletins", "generate", "--month", "2026-07", "--revise"])
    assert result.exit_code == 0 and "created 3 revised" in result.output, result.output
    app.test_cli_runner().invoke(args=["bulletins", "generate", "--month", "2026-07", "--revise",
                                       "--unit", str(city["a"].id)])
    julys = [b for b in list_bulletins(city["a"].id) if b.month == "2026-07"]
    assert [(b.revision, b.figures["service_hours"]) for b in julys] == [(0, 1), (1, 3), (2, 3)]
    assert title_of(julys[1]).endswith("（修订版 1）")
    assert julys[1].figures["late_records"] == julys[0].figures["late_records"]  # same window as the original
    assert quarter_review(city["a"].id, 2026, 3)["service_hours"] == 1  # sums the originals
    text = PdfReader(io.BytesIO(pdf_bytes(julys[1]))).pages[0].extract_text()
    assert "修订版 1" in text
    assert load_workbook(io.BytesIO(xlsx_bytes(julys[2]))).worksheets[0]["A1"].value.endswith("（修订版 2）")
    again = app.test_cli_runner().invoke(args=["bulletins", "generate", "--month", "2026-07"])
    assert "created 0" in again.output  # without --revise nothing new


def test_pdf_xlsx_and_page_give_the_generation_time_in_the_deployment_zone(city, client):
    record(city["a1"], beijing(2026, 10, 3, 9), 1)
    generate_bulletins("2026-10")
    _db.session.commit()
    bulletin = list_bulletins(city["a"].id)[0]
    local = bulletin.generated_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_bytes(bulletin))).pages)
    assert f"{local} Asia/Shanghai" in text and "UTC" not in text
    sheet = load_workbook(io.BytesIO(xlsx_bytes(bulletin))).worksheets[0]
    assert {row[0]: row[1] for row in sheet.iter_rows(values_only=True)}["生成时间"] == f"{local} Asia/Shanghai"
    f.login(client, f.unit_admin(city["a"]))
    assert f"{local} Asia/Shanghai" in client.get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
