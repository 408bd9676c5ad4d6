"""Half-year and annual reviews: the sums on the bulletins' bases (and equal to the monthly
bulletins'), the quiet months, the lagging rule, partial drafts, immutability once published,
numbered revisions, the scheduler's drafts made once, who may see what, and the files."""
from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app import scheduling as scheduler
from app.extensions import db
from app.jobs import JOBS_BY_NAME
from app.models import Activity, Bulletin, PeriodReview
from app.services import review_exports, reviews
from app.services.bulletins.snapshots import generate_bulletins
from app.services.clock import local_today
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.services.months import Month
from app.services.periods import Period
from tests import factories as f

BEIJING = ZoneInfo("Asia/Shanghai")
H1 = Period.parse("2026-H1")


def beijing(*args) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


@pytest.fixture
def half(db):
    """2026-H1. Unit 甲: two volunteers, 10 h in February and 5 h in May (the May record ends
    in the last minute of 31 May), one activity in March. Unit 乙: one volunteer, 2 h in June.
    Unit 丙: created on 15 April, nothing."""
    office = f.platform_admin()
    a, b, c = f.unit("甲"), f.unit("乙"), f.unit("丙")
    a.created_at = b.created_at = beijing(2025, 1, 1)
    c.created_at = beijing(2026, 4, 15)
    a1, a2, b1 = f.volunteer(a, name="张一"), f.volunteer(a, name="张二"), f.volunteer(b, name="李一")
    for person in (a1, a2, b1):
        person.created_at = beijing(2025, 12, 1)
    db.session.add(Activity(unit_id=a.id, title="学雷锋", kind="service", starts_at=beijing(2026, 3, 5, 9),
                            ends_at=beijing(2026, 3, 5, 11)))
    db.session.commit()
    f.give_hours(a1, 10, end=beijing(2026, 2, 10, 18))
    f.give_hours(a2, 5, end=beijing(2026, 5, 31, 23, 59))
    f.give_hours(b1, 2, end=beijing(2026, 6, 3, 12))
    admin_a = f.unit_admin(a)
    db.session.commit()
    return {"office": office, "a": a, "b": b, "c": c, "a1": a1, "admin_a": admin_a}


def _row(review, unit):
    return next(r for r in review.figures["units"] if r["unit_id"] == unit.id)


def test_a_half_year_draft_sums_the_units_and_flags_quiet_months(half):
    review = reviews.make_draft(H1, by=half["office"])
    assert review.revision == 0 and review.partial is False and review.published_at is None
    figures = review.figures
    a, b, c = _row(review, half["a"]), _row(review, half["b"]), _row(review, half["c"])
    assert (a["service_hours"], a["records"], a["active_volunteers"], a["activities"]) == (15, 2, 2, 1)
    assert a["registered_volunteers"] == 2 and a["participation_rate"] == 1.0 and a["hours_per_volunteer"] == 7.5
    assert (b["service_hours"], b["records"]) == (2, 1)
    assert figures["city"]["service_hours"] == 17 and figures["city"]["records"] == 3
    assert figures["city"]["registered_volunteers"] == 3 and figures["city"]["activities"] == 1
    assert figures["months"] == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    quiet_a = {q["month"]: (q["no_activity"], q["no_service"]) for q in a["quiet"]}
    assert quiet_a == {"2026-01": (True, True), "2026-02": (True, False), "2026-03": (False, True),
                       "2026-04": (True, True), "2026-05": (True, False), "2026-06": (True, True)}
    # created on 15 April: flagged from May, the first month it existed in full
    assert [q["month"] for q in c["quiet"]] == ["2026-05", "2026-06"]
    assert all(0 <= r["score"] <= 100 for r in figures["units"])
    assert [r["rank"] for r in figures["units"]] == sorted(r["rank"] for r in figures["units"])
    assert figures["units"][0]["breakdown"] and figures["scheme_version"] == 0


def test_the_sums_agree_with_the_monthly_bulletins(half):
    for number in range(1, 7):
        generate_bulletins(Month(2026, number))
    db.session.commit()
    review = reviews.make_draft(H1, by=half["office"])
    originals = list(db.session.scalars(
        db.select(Bulletin).where(Bulletin.month.like("2026-0%"), Bulletin.revision == 0)))
    for key in ("service_hours", "records", "activities", "training_attendances", "other_units_hours"):
        for unit in (half["a"], half["b"], half["c"]):
            monthly = sum(x.figures[key] for x in originals if x.unit_id == unit.id)
            assert _row(review, unit)[key] == pytest.approx(monthly), (key, unit.name)
        city = sum(x.figures[key] for x in originals if x.unit_id is None)
        assert review.figures["city"][key] == pytest.approx(city), key
    june_city = next(x for x in originals if x.unit_id is None and x.month == "2026-06")
    assert review.figures["city"]["registered_volunteers"] == june_city.figures["registered_volunteers"]


def test_the_lagging_rule_is_kept_in_the_review(half):
    review = reviews.make_draft(H1, by=half["office"])
    scores = sorted(r["score"] for r in review.figures["units"])
    assert review.rule == {"kind": "bottom", "value": 3}
    reviews.set_rule(review, "bottom", 1, by=half["office"])
    lowest = [r["unit_id"] for r in reviews.lagging(review.figures, review.rule)]
    assert lowest and all(_score(review, u) == scores[0] for u in lowest)
    reviews.set_rule(review, "below", scores[-1], by=half["office"])
    assert len(reviews.lagging(review.figures, review.rule)) == sum(1 for s in scores if s < scores[-1])
    assert reviews.rule_text(review.rule).startswith("得分低于")
    for kind, value in (("bottom", 0), ("bottom", 2.5), ("bottom", 51), ("below", 0), ("below", 101), ("x", 3)):
        with pytest.raises(ValidationFailed):
            reviews.set_rule(review, kind, value, by=half["office"])
    db.session.commit()
    assert db.session.get(PeriodReview, review.id).rule["kind"] == "below"


def _score(review, unit_id):
    return next(r["score"] for r in review.figures["units"] if r["unit_id"] == unit_id)


def test_published_is_immutable_and_a_correction_is_a_numbered_revision(half):
    office = half["office"]
    review = reviews.make_draft(H1, by=office)
    reviews.save_comment(review, None, "全市上半年总体平稳。", by=office)
    reviews.save_comment(review, half["a"].id, "甲单位活动偏少。", by=office)
    reviews.publish(review, by=office)
    db.session.commit()
    for attempt in (
        lambda: reviews.save_comment(review, None, "改", by=office),
        lambda: reviews.set_rule(review, "bottom", 1, by=office),
        lambda: reviews.refresh(review, by=office),
        lambda: reviews.publish(review, by=office),
        lambda: reviews.make_draft(H1, by=office),
    ):
        with pytest.raises(Conflict):
            attempt()
    f.give_hours(half["a1"], 3, end=beijing(2026, 6, 20, 18))  # approved late
    correction = reviews.revise(review, by=office)
    db.session.commit()
    assert correction.revision == 1 and correction.published_at is None
    assert correction.comments == review.comments and correction.rule == review.rule
    assert _row(correction, half["a"])["service_hours"] == 18 and _row(review, half["a"])["service_hours"] == 15
    with pytest.raises(Conflict):
        reviews.revise(review, by=office)  # one draft correction at a time
    reviews.publish(correction, by=office)
    assert reviews.revise(correction, by=office).revision == 2
    assert "修订版 1" in reviews.title(correction, "全市")


def test_a_draft_of_a_running_period_is_partial_and_cannot_be_published(half):
    today = local_today()
    running = Period("half", today.year, 1 if today.month <= 6 else 2)
    review = reviews.make_draft(running, by=half["office"])
    assert review.partial is True
    with pytest.raises(Conflict):
        reviews.publish(review, by=half["office"])
    with pytest.raises(ValidationFailed):
        reviews.review_period("2026-Q3")
    with pytest.raises(ValidationFailed):
        reviews.review_period("1800")


def test_the_scheduler_drafts_the_half_year_once_and_the_office_alone_edits(half):
    at = beijing(2026, 7, 1, 3, 30).astimezone(UTC)
    assert reviews.draft_ended(beijing(2026, 5, 1, 3, 30)) == []
    run = scheduler.execute(JOBS_BY_NAME["review_drafts"], at)
    assert run.status == "ok" and run.counts == {"drafted": ["2026-H1"]}
    again = scheduler.execute(JOBS_BY_NAME["review_drafts"], at, claim_run=False)  # by hand, unclaimed
    assert again.counts == {"drafted": []}  # the draft stands: made once
    assert db.session.scalar(db.select(db.func.count(PeriodReview.id))) == 1
    review = reviews.latest(H1)
    admin = half["admin_a"]
    with pytest.raises(Forbidden):
        reviews.publish(review, by=admin)
    with pytest.raises(NotFound):
        reviews.get_review(admin, review.id)  # drafts are the office's
    reviews.publish(review, by=half["office"])
    assert reviews.get_review(admin, review.id) == review
    page = reviews.view(review, half["a"].id, admin)
    others = [r for r in page["ranking"] if r["unit_id"] != half["a"].id]
    assert others and all(set(r) == {"unit_id", "unit", "score", "rank"} for r in others)
    assert next(r for r in page["ranking"] if r["unit_id"] == half["a"].id)["breakdown"]
    with pytest.raises(Forbidden):
        reviews.view(review, half["b"].id, admin)
    with pytest.raises(Forbidden):
        reviews.view(review, None, admin)


def test_the_files_carry_the_figures(half):
    office = half["office"]
    review = reviews.make_draft(H1, by=office)
    reviews.save_comment(review, half["a"].id, "甲单位活动偏少。", by=office)
    page = reviews.view(review, half["a"].id, office)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(review_exports.pdf_bytes(page))).pages)
    assert "甲 2026年上半年志愿服务点评" in text and "甲单位活动偏少" in text and "后进单位" in text
    fonts = PdfReader(io.BytesIO(review_exports.pdf_bytes(reviews.view(review, None, office)))).pages[0]
    assert any("WenQuanYi" in str(v.get("/BaseFont")) for v in fonts["/Resources"]["/Font"].values())
    book = load_workbook(io.BytesIO(review_exports.xlsx_bytes(page)))
    assert book.sheetnames == ["点评", "单位得分排名", "得分明细", "需关注月份"]
    values = {r[0]: r[1] for r in book["点评"].iter_rows(min_row=3, values_only=True)}
    assert values["服务时长（小时）"] == 15 and values["文明办点评"] == "甲单位活动偏少。"
    assert len(book["单位得分排名"]._charts) == 1
    assert [r[1] for r in book["需关注月份"].iter_rows(min_row=2, values_only=True)] == [
        "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
