"""Monthly bulletins: month edges in the zone, figures by hand, snapshots, races, exports, mail."""
import email
import email.policy
import io
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import Bulletin
from app.services import ledger, posts
from app.services.bulletins.exports import pdf_bytes, xlsx_bytes
from app.services.bulletins.figures import compute, today_month
from app.services.bulletins.mail import mail_bulletins
from app.services.bulletins.quarters import quarter_review
from app.services.bulletins.snapshots import generate_bulletins, list_bulletins
from app.services.errors import ValidationFailed
from tests import factories as f

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(*args) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


def record(volunteer, start, hours, status="approved"):
    made = ledger.create_record(volunteer, started_at=start, ended_at=start + timedelta(hours=hours), by=None,
                                status=status)
    _db.session.commit()
    return made


@pytest.fixture
def city(db):
    a, b = f.unit("甲单位"), f.unit("乙单位")
    people = {"a1": f.volunteer(a, name="张三"), "a2": f.volunteer(a, name="李四"), "b1": f.volunteer(b, name="王五")}
    for volunteer in people.values():  # registered well before the months under test
        volunteer.created_at = beijing(2025, 1, 1)
    _db.session.commit()
    return {"a": a, "b": b, **people}


def test_a_record_at_2330_on_the_last_day_in_beijing_counts_in_that_month(city):
    late = beijing(2026, 9, 30, 23, 30)  # 15:30 UTC on 30 September
    assert late.astimezone(UTC).day == 30
    record(city["a1"], late, 2)  # runs past midnight into October
    early = beijing(2026, 10, 1, 0, 30)  # 16:30 UTC on 30 September — October in Beijing
    record(city["a2"], early, 1)
    september, october = compute("2026-09"), compute("2026-10")
    assert september[city["a"].id]["service_hours"] == 2 and september[city["a"].id]["records"] == 1
    assert october[city["a"].id]["service_hours"] == 1 and october[city["a"].id]["active_volunteers"] == 1


def test_figures_equal_hand_computed_values(city):
    record(city["a1"], beijing(2026, 10, 3, 9), 3)
    record(city["a1"], beijing(2026, 10, 10, 9), 2)
    record(city["a2"], beijing(2026, 10, 11, 9), 4, status="pending")   # not approved: not counted
    record(city["b1"], beijing(2026, 10, 12, 9), 1.5)
    record(city["b1"], beijing(2026, 9, 12, 9), 6)                     # last month
    newcomer = f.volunteer(city["b"], name="赵六")
    newcomer.created_at = beijing(2026, 10, 20)
    posts.create_activity(city["a"].id, posts.ActivityInput(
        title="培训", kind="training", starts_at=beijing(2026, 10, 15, 14), ends_at=beijing(2026, 10, 15, 16)), by=None)
    _db.session.commit()
    figures = compute("2026-10")
    a, b, total = figures[city["a"].id], figures[city["b"].id], figures[None]
    assert (a["registered_volunteers"], a["active_volunteers"], a["participation_rate"]) == (2, 1, 0.5)
    assert (a["service_hours"], a["records"], a["activities"], a["trainings"]) == (5, 2, 1, 1)
    assert (b["registered_volunteers"], b["new_volunteers"], b["service_hours"]) == (2, 1, 1.5)
    assert (a["rank"], b["rank"]) == (1, 2)
    assert (b["previous_hours"], b["change_hours"]) == (6, -4.5)
    assert total["service_hours"] == 6.5 and total["registered_volunteers"] == 4 and total["rank"] is None
    assert [v["hours"] for v in a["top_volunteers"]] == [5] and a["top_volunteers"][0]["name"] == "张*"
    assert a["hours_by_month"][-1] == {"month": "2026-10", "hours": 5}


def test_units_below_targets_are_flagged(city):
    for day in range(1, 11):
        record(city["a1"], beijing(2026, 6, day, 9), 8)  # 80 h by June for 2 volunteers: 40 h each
    figures = compute("2026-06")
    assert not any("人均服务时长" in flag for flag in figures[city["a"].id]["flags"])
    assert any("人均服务时长" in flag for flag in figures[city["b"].id]["flags"])
    assert any("培训" in flag for flag in figures[city["a"].id]["flags"])  # none held by June, 1 expected


def test_an_empty_month_gives_zeros_not_errors(city):
    figures = compute("2026-03")
    assert figures[city["a"].id]["service_hours"] == 0 and figures[city["a"].id]["participation_rate"] == 0
    assert generate_bulletins("2026-03") == 3
    bulletin = list_bulletins(city["a"].id)[0]
    assert PdfReader(io.BytesIO(pdf_bytes(bulletin))).pages
    assert load_workbook(io.BytesIO(xlsx_bytes(bulletin)))


def test_generating_again_is_a_no_op_and_snapshots_do_not_change(city):
    record(city["a1"], beijing(2026, 10, 3, 9), 3)
    assert generate_bulletins("2026-10") == 3
    _db.session.commit()
    record(city["a1"], beijing(2026, 10, 5, 9), 3)  # approved later: the snapshot stays
    assert generate_bulletins("2026-10") == 0
    _db.session.commit()
    bulletin = list_bulletins(city["a"].id)[0]
    assert bulletin.figures["service_hours"] == 3
    with pytest.raises(ValidationFailed):
        generate_bulletins("2999-01")
    with pytest.raises(ValidationFailed):  # still running: a snapshot now would freeze half a month
        generate_bulletins(today_month())


@pytest.mark.race
def test_two_racing_generators_make_one_bulletin_per_scope(app, city):
    record(city["a1"], beijing(2026, 10, 3, 9), 3)
    _db.session.close()
    barrier = threading.Barrier(3)
    created, errors = [], []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                created.append(generate_bulletins("2026-10"))
                _db.session.commit()
            except Exception as exc:
                errors.append(repr(exc))
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(created) == 3
    assert _db.session.scalar(select(func.count(Bulletin.id))) == 3


def test_pdf_and_xlsx_carry_the_same_figures(city):
    record(city["a1"], beijing(2026, 10, 3, 9), 3.5)
    generate_bulletins("2026-10")
    bulletin = list_bulletins(city["a"].id)[0]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes(bulletin))).pages)
    assert "甲单位" in text and "2026年10月" in text and "3.5" in text
    workbook = load_workbook(io.BytesIO(xlsx_bytes(bulletin)))
    sheet = workbook.worksheets[0]
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert values["服务时长（小时）"] == bulletin.figures["service_hours"] == 3.5
    assert values["活跃志愿者"] == bulletin.figures["active_volunteers"] == 1
    assert values["参与率"] == bulletin.figures["participation_rate"] == 0.5
    rate_cell = next(row[1] for row in sheet.iter_rows(min_row=3) if row[0].value == "参与率")
    assert rate_cell.number_format == "0.0%"
    people = workbook.worksheets[-1]
    rows = list(people.iter_rows(min_row=2, values_only=True))
    assert rows == [(city["a1"].volunteer_no, "张*", "甲单位", 1, 3.5)]


@pytest.fixture
def inbox(app):
    """A local SMTP server (aiosmtpd) the app is configured to send to."""
    import socket

    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        yield handler
    finally:
        controller.stop()


def test_bulletins_are_mailed_to_unit_contacts(city, inbox):
    record(city["a1"], beijing(2026, 10, 3, 9), 3)
    generate_bulletins("2026-10")
    assert mail_bulletins("2026-10") == 2
    assert mail_bulletins("2026-10") == 0  # once only
    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["unit@example.org", "unit@example.org"]
    message = email.message_from_bytes(inbox.messages[0].content, policy=email.policy.default)
    attachment = next(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    text = PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text()
    assert "2026年10月" in text and ("甲单位" in text or "乙单位" in text)


def test_flask_bulletins_generate_mails_like_the_job(app, city, inbox):
    record(city["a1"], beijing(2026, 10, 3, 9), 3)
    result = app.test_cli_runner().invoke(args=["bulletins", "generate", "--month", "2026-10", "--unit",
                                                str(city["a"].id)])
    assert result.exit_code == 0, result.output
    assert "created 1" in result.output and "mailed 1" in result.output
    again = app.test_cli_runner().invoke(args=["bulletins", "generate", "--month", "2026-10"])
    assert "created 2" in again.output and "mailed 1" in again.output  # b's; a's was sent
    assert len(inbox.messages) == 2


def test_top_volunteers_are_ten_per_unit_and_city_wide(city):
    for n in range(12):  # 12 more volunteers in unit a, n + 1 hours each
        person = f.volunteer(city["a"], name=f"志愿者{n:02d}")
        record(person, beijing(2026, 10, 5, 8), n + 1)
    record(city["b1"], beijing(2026, 10, 5, 8), 11.5)
    figures = compute("2026-10")
    a, b, total = figures[city["a"].id]["top_volunteers"], figures[city["b"].id]["top_volunteers"], figures[None]
    assert [v["hours"] for v in a] == [12, 11, 10, 9, 8, 7, 6, 5, 4, 3]
    assert [v["hours"] for v in b] == [11.5] and b[0]["name"] == "王*"
    assert [v["hours"] for v in total["top_volunteers"]] == [12, 11.5, 11, 10, 9, 8, 7, 6, 5, 4]
    assert a[0]["name"] == "志***1"


def test_figures_take_a_fixed_number_of_queries_whatever_the_units(city, count_queries):
    record(city["a1"], beijing(2026, 10, 3, 9), 3)
    with count_queries() as few:
        compute("2026-10")
    for n in range(6):
        extra = f.unit(f"新单位{n}")
        record(f.volunteer(extra, name=f"新人{n}"), beijing(2026, 10, 4, 9), 1)
    with count_queries() as many:
        figures = compute("2026-10")
    assert len(figures) == 9 and figures[city["a"].id]["rank"] == 1
    assert many["n"] == few["n"]


def test_quarterly_review_sums_its_three_bulletins(city):
    record(city["a1"], beijing(2026, 7, 3, 9), 2)
    record(city["a1"], beijing(2026, 8, 3, 9), 3)
    record(city["a2"], beijing(2026, 9, 30, 23, 30), 1.5)  # September in Beijing
    for month in ("2026-07", "2026-08"):
        generate_bulletins(month)
    partial = quarter_review(city["a"].id, 2026, 3)
    assert not partial["complete"] and partial["months"][2] == {"month": "2026-09", "missing": True}
    generate_bulletins("2026-09")
    review = quarter_review(city["a"].id, 2026, 3)
    assert review["complete"] and review["service_hours"] == 6.5 and review["records"] == 3
    assert review["average_active_volunteers"] == 1
    assert [m["service_hours"] for m in review["months"]] == [2, 3, 1.5]
    assert quarter_review(None, 2026, 3)["service_hours"] == 6.5  # city-wide
    with pytest.raises(ValidationFailed):
        quarter_review(city["a"].id, 2026, 5)
