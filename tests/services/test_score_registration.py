"""The registration-rate indicator: registered volunteers at the period's end ÷ headcount,
capped at 1; without a headcount it is not applicable and its weight is spread over the
unit's other indicators in proportion, so the score stays out of 100."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.services import scores
from app.services.errors import ValidationFailed
from app.services.periods import Period
from tests import factories as f

BEIJING = ZoneInfo("Asia/Shanghai")


def test_registration_rate_with_and_without_headcounts(db):
    office = f.platform_admin()
    a, b, c, d = f.unit("甲"), f.unit("乙"), f.unit("丙"), f.unit("丁")
    a.headcount, d.headcount = 4, 1
    for unit in (a, b, c, d):
        unit.created_at = datetime(2025, 1, 1, tzinfo=BEIJING)
    people = [f.volunteer(a), f.volunteer(a), f.volunteer(b), f.volunteer(c), f.volunteer(d), f.volunteer(d)]
    for person in people:
        person.created_at = datetime(2026, 1, 1, tzinfo=BEIJING)
    db.session.commit()
    f.give_hours(people[0], 10, end=datetime(2026, 9, 20, 18, tzinfo=BEIJING))
    f.give_hours(people[3], 1, end=datetime(2026, 9, 21, 18, tzinfo=BEIJING))
    scheme = scores.save_scheme([{"key": "hours_per_volunteer", "weight": 50, "target": 25},
                                 {"key": "registration_rate", "weight": 50, "target": 0.8}], by=office)
    scheme.effective_from = date(2026, 1, 1)
    db.session.commit()
    rows = {r["unit_id"]: r for r in scores.compute(Period.parse("2026-09"))["units"]}
    # 甲: 10 h ÷ 2 in a month = 60 h a year, capped (50); 2 of 4 on the books = 0.5 of 0.8 → 31.25
    assert rows[a.id]["score"] == 81.25
    reg = next(x for x in rows[a.id]["breakdown"] if x["key"] == "registration_rate")
    assert (reg["value"], reg["effective_weight"], reg["points"]) == (0.5, 50, 31.25)
    # 乙: no headcount, no hours: the rate is not applicable, hours weigh 100, and earn nothing
    reg_b = next(x for x in rows[b.id]["breakdown"] if x["key"] == "registration_rate")
    assert reg_b["value"] is None and reg_b["points"] == 0 and rows[b.id]["score"] == 0
    # 丙: no headcount; 1 h in a month = 12 h a year of 25, on the full weight 100 → 48
    hours_c = next(x for x in rows[c.id]["breakdown"] if x["key"] == "hours_per_volunteer")
    assert hours_c["effective_weight"] == 100 and rows[c.id]["score"] == 48
    # 丁: 2 registered, 1 on the books: the rate is capped at 1
    assert next(x for x in rows[d.id]["breakdown"] if x["key"] == "registration_rate")["value"] == 1.0
    assert rows[d.id]["score"] == 50
    assert [r["unit_id"] for r in sorted(rows.values(), key=lambda r: r["rank"])][0] == a.id


def test_a_scheme_of_only_the_registration_rate_scores_a_unit_without_headcount_zero(db):
    office, unit = f.platform_admin(), f.unit("甲")
    unit.created_at = datetime(2025, 1, 1, tzinfo=BEIJING)
    scheme = scores.save_scheme([{"key": "registration_rate", "weight": 100, "target": 1}], by=office)
    scheme.effective_from = date(2026, 1, 1)
    db.session.commit()
    (row,) = scores.compute(Period.parse("2026-09"))["units"]
    assert row["score"] == 0 and row["breakdown"][0]["value"] is None
    with pytest.raises(ValidationFailed):
        scores.save_scheme([{"key": "registration_rate", "weight": 100, "target": 1.5}], by=office)
