"""Unit scores on hand-computed examples: the default scheme's caps and pro-rating, a unit
created mid-period, rectification items closed late, a scheme changed between periods (the
scored period keeps its scores), and the figures agree with the monthly bulletin's."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.services import rectifications, scores
from app.services.bulletins import figures
from app.services.errors import Conflict, Forbidden, ValidationFailed
from app.services.months import Month
from app.services.periods import Period
from tests import factories as f

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(*args) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


@pytest.fixture
def september(db):
    """Unit A: two volunteers, one served 10 h in 2026-09. Unit B: one volunteer, no service, an
    item due in September closed late. Unit C: created on 15 September, nobody yet."""
    office = f.platform_admin()
    unit_a, unit_b, unit_c = f.unit("甲"), f.unit("乙"), f.unit("丙")
    for unit in (unit_a, unit_b):
        unit.created_at = beijing(2025, 1, 1)
    unit_c.created_at = beijing(2026, 9, 15)
    a1, a2, b1 = f.volunteer(unit_a, name="张一"), f.volunteer(unit_a, name="张二"), f.volunteer(unit_b, name="李一")
    for person in (a1, a2, b1):
        person.created_at = beijing(2026, 1, 1)
    db.session.commit()
    f.give_hours(a1, 10, end=beijing(2026, 9, 20, 18))
    late = rectifications.raise_item(unit_b.id, finding="台账不全", deadline=date.today() + timedelta(days=1), by=office)
    late.deadline, late.due_at = date(2026, 9, 20), beijing(2026, 9, 21)
    late.status, late.closed_at = "closed", beijing(2026, 9, 25)
    db.session.commit()
    return {"office": office, "a": unit_a, "b": unit_b, "c": unit_c, "a1": a1}


def _by_unit(result):
    return {row["unit_id"]: row for row in result["units"]}


def test_the_default_scheme_on_a_hand_computed_month(september):
    result = scores.scores(Period.parse("2026-09"))
    assert result["scheme_version"] == 0 and result["partial"] is False and result["kept"] is False
    rows = _by_unit(result)
    a, b, c = rows[september["a"].id], rows[september["b"].id], rows[september["c"].id]
    points = {x["key"]: x["points"] for x in a["breakdown"]}
    # 10 h ÷ 2 volunteers in a month = 60 h a year, over the 25 h target: capped at the full 30
    assert points["hours_per_volunteer"] == 30
    assert points["participation_rate"] == pytest.approx(20 * 0.5 / 0.6, abs=0.01)  # 1 of 2 served
    assert points["trainings_per_volunteer"] == 0 and points["activities_held"] == 0
    assert points["records_reviewed_on_time"] == 10 and points["rectifications_on_time"] == 10  # nothing to measure
    assert a["score"] == pytest.approx(66.67, abs=0.01)
    assert b["score"] == 10  # only the review rate: its one item due in September was closed late
    assert c["score"] == 20  # created mid-period: counted, with nobody registered yet
    assert [(r["unit_id"], r["rank"]) for r in result["units"]] == [
        (september["a"].id, 1), (september["c"].id, 2), (september["b"].id, 3)]


def test_ties_share_a_rank_and_scores_stay_within_0_and_100(september):
    f.volunteer(september["c"]).created_at = beijing(2026, 9, 20)
    db.session.commit()
    result = scores.compute(Period.parse("2026-Q3"))
    ranks = [(r["score"], r["rank"]) for r in result["units"]]
    assert all(0 <= s <= 100 for s, _r in ranks)
    assert [s for s, _r in ranks] == sorted((s for s, _r in ranks), reverse=True)
    for (s1, r1), (s2, r2) in zip(ranks, ranks[1:], strict=False):
        assert (r2 == r1) if s2 == s1 else (r2 > r1)


def test_a_changed_scheme_scores_later_periods_and_never_rewrites_a_kept_one(september):
    scores.keep(Period.parse("2026-09"))
    before = scores.scores(Period.parse("2026-09"))
    assert before["kept"] is True
    scheme = scores.save_scheme([{"key": "hours_per_volunteer", "weight": 60, "target": 120},
                                 {"key": "participation_rate", "weight": 40, "target": 1}], by=september["office"])
    assert scheme.version == 1
    f.give_hours(september["a1"], 20, end=beijing(2026, 9, 10, 18))  # approved later, about September
    assert scores.scores(Period.parse("2026-09")) == before  # kept as it was scored
    assert _by_unit(scores.compute(Period.parse("2026-09")))[september["a"].id]["breakdown"] != \
        _by_unit(before)[september["a"].id]["breakdown"]  # computed afresh, it would differ
    running = scores.scores(Period.parse(scheme.effective_from.strftime("%Y-%m")))
    assert running["partial"] is True and running["scheme_version"] == 1
    assert [x["key"] for x in _by_unit(running)[september["a"].id]["breakdown"]] == [
        "hours_per_volunteer", "participation_rate"]


@pytest.mark.parametrize("indicators, message", [
    ([{"key": "hours_per_volunteer", "weight": 50, "target": 25}], "权重之和应为100"),
    ([{"key": "participation_rate", "weight": 100, "target": 1.5}], "比率不超过1"),
    ([{"key": "hours_per_volunteer", "weight": 100, "target": -1}], "目标值应为正数"),
    ([{"key": "stars", "weight": 100, "target": 1}], "指标无效"),
    ([{"key": "hours_per_volunteer", "weight": 50, "target": 1}, {"key": "hours_per_volunteer", "weight": 50,
                                                                   "target": 1}], "重复"),
])
def test_bad_schemes_are_refused(september, indicators, message):
    with pytest.raises(ValidationFailed) as refused:
        scores.save_scheme(indicators, by=september["office"])
    assert message in " ".join(refused.value.fields["indicators"])


def test_only_the_office_sets_the_scheme_and_a_unit_sees_only_its_own_breakdown(september):
    admin_a = f.unit_admin(september["a"])
    with pytest.raises(Forbidden):
        scores.save_scheme(scores.DEFAULT_SCHEME, by=admin_a)
    seen = _by_unit(scores.visible_scores(scores.scores(Period.parse("2026-09")), admin_a))
    assert seen[september["a"].id]["breakdown"] and seen[september["b"].id]["breakdown"] == []
    assert seen[september["b"].id]["score"] == 10  # the ranking itself is shown


def test_the_scored_figures_agree_with_the_monthly_bulletin(september):
    month = figures.compute(Month(2026, 9))
    result = scores.compute(Period.parse("2026-09"))
    for unit_id, row in _by_unit(result).items():
        values = {x["key"]: x["value"] for x in row["breakdown"]}
        bulletin = month[unit_id]
        registered = bulletin["registered_volunteers"]
        per_year = bulletin["service_hours"] / registered * 12 if registered else 0
        assert values["hours_per_volunteer"] == pytest.approx(per_year, abs=0.01)
        assert values["participation_rate"] == pytest.approx(bulletin["participation_rate"], abs=0.0001)


def test_periods_parse_and_bound_in_the_zone(app):
    assert str(Period.parse("2026-Q3")) == "2026-Q3" and Period.parse("2026-H2").first_day() == date(2026, 7, 1)
    start, end = Period.parse("2026").bounds()
    assert start == beijing(2026, 1, 1) and end == beijing(2027, 1, 1)
    for bad in ("2026-13", "2026-Q5", "26-01", "1800", "2026-10\x00"):
        with pytest.raises(ValidationFailed):
            Period.parse(bad)


def test_records_reviewed_within_seven_days_count_as_on_time(september):
    a1 = september["a1"]
    on_time = f.give_hours(a1, 2, end=beijing(2026, 9, 2, 12))
    late = f.give_hours(a1, 2, end=beijing(2026, 9, 1, 8))
    on_time.reviewed_at, late.reviewed_at = beijing(2026, 9, 5, 9), beijing(2026, 9, 20, 9)
    db.session.commit()
    row = _by_unit(scores.compute(Period.parse("2026-09")))[september["a"].id]
    review = next(x for x in row["breakdown"] if x["key"] == "records_reviewed_on_time")
    assert review["value"] == 0.5 and review["points"] == pytest.approx(10 * 0.5 / 0.9, abs=0.01)


def test_the_scheduler_keeps_the_month_and_the_quarter_that_ended(september):
    assert scores.keep_ended(beijing(2026, 10, 1, 3)) == ["2026-09", "2026-Q3"]
    assert scores.scores(Period.parse("2026-Q3"))["kept"] is True
    assert scores.keep_ended(beijing(2026, 10, 1, 3)) == ["2026-09", "2026-Q3"]  # again: nothing new
    with pytest.raises(Conflict):
        scores.keep(Period.parse(f"{date.today():%Y}"))  # this year has not ended
