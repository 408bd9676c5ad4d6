"""Property-based: for random ledgers over a half-year (records of every status around the
months' edges in Asia/Shanghai, activities, headcounts present or missing) and a random scheme,
every score lies in 0..100, the ranking follows the scores, and the half-year review's sums
agree with the six monthly bulletins'. One database for the run; each example is rolled back."""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db as _db
from app.models import Activity, ServiceRecord
from app.services import posts, reviews, rollups, scores
from app.services.bulletins import figures
from app.services.months import Month
from app.services.periods import Period
from tests import factories as f

BEIJING = ZoneInfo("Asia/Shanghai")
H1 = Period.parse("2026-H1")
START = datetime(2026, 1, 1, tzinfo=BEIJING)
DAYS = 181  # 1 January to 30 June
UNITS, VOLUNTEERS = 3, 6
EDGES = [(datetime(2026, m, 1, tzinfo=BEIJING) - START) // timedelta(minutes=1) for m in range(1, 8)]

minutes_strategy = st.one_of(st.integers(-2 * 1440, (DAYS + 2) * 1440),
                             st.sampled_from(EDGES).flatmap(lambda e: st.integers(e - 90, e + 90)))
records_strategy = st.lists(st.tuples(
    st.integers(0, VOLUNTEERS - 1), st.integers(0, UNITS - 1),
    st.sampled_from(["approved", "approved", "pending", "rejected"]), minutes_strategy, st.integers(1, 600),
), max_size=30)
activities_strategy = st.lists(st.tuples(st.integers(0, UNITS - 1), minutes_strategy, st.booleans()), max_size=8)
headcounts_strategy = st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=UNITS, max_size=UNITS)


@st.composite
def schemes(draw):
    keys = draw(st.lists(st.sampled_from(list(scores.INDICATORS)), min_size=1, max_size=len(scores.INDICATORS),
                         unique=True))
    cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=len(keys) - 1, max_size=len(keys) - 1, unique=True)))
    weights = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    rows = []
    for key, weight in zip(keys, weights, strict=True):
        rate = scores.INDICATORS[key][2] == "%"
        target = draw(st.floats(0.05, 1) if rate else st.floats(0.5, 50))
        rows.append({"key": key, "weight": weight, "target": target})
    return rows


def test_scores_and_review_sums_hold_for_random_ledgers(app, db):
    office = f.platform_admin()
    units = [f.unit(f"单位{i}") for i in range(UNITS)]
    for unit in units:
        unit.created_at = datetime(2025, 1, 1, tzinfo=BEIJING)
    unit_posts = [posts.create_post(u.id, posts.PostInput(name=f"服务岗{i}"), by=None) for i, u in enumerate(units)]
    people = [f.volunteer(units[i % UNITS], name=f"志愿者{i}") for i in range(VOLUNTEERS)]
    for person in people:
        person.created_at = datetime(2025, 12, 1, tzinfo=BEIJING)
    _db.session.commit()
    people_ids = [p.id for p in people]

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(records=records_strategy, activities=activities_strategy, headcounts=headcounts_strategy,
           scheme=schemes())
    def check(records, activities, headcounts, scheme):
        try:
            for unit, headcount in zip(units, headcounts, strict=True):
                unit.headcount = headcount
            saved = scores.save_scheme(scheme, by=office)
            saved.effective_from = date(2026, 1, 1)
            for who, where, status, offset, minutes in records:
                started = (START + timedelta(minutes=offset)).astimezone(UTC)
                ended = started + timedelta(minutes=minutes)
                _db.session.add(ServiceRecord(
                    volunteer_id=people_ids[who], unit_id=units[where].id, post_id=unit_posts[where].id,
                    started_at=started, ended_at=ended, seconds=minutes * 60, status=status, source="manual",
                    reviewed_at=ended if status != "pending" else None))
            for where, offset, cancelled in activities:
                starts = (START + timedelta(minutes=offset)).astimezone(UTC)
                _db.session.add(Activity(unit_id=units[where].id, title="活动", kind="service", starts_at=starts,
                                         ends_at=starts + timedelta(hours=1), is_cancelled=cancelled))
            _db.session.flush()
            rollups.rebuild()  # rows written straight to the table, as a bulk load does

            for period in (H1, Period.parse("2026-Q2"), Period.parse("2026-03")):
                result = scores.compute(period)
                rows = result["units"]
                assert len(rows) == UNITS and all(0 <= r["score"] <= 100 for r in rows)
                assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
                for before, after in zip(rows, rows[1:], strict=False):
                    assert after["rank"] == (before["rank"] if after["score"] == before["score"] else rows.index(after) + 1)
                assert all(abs(sum(b["points"] for b in r["breakdown"]) - r["score"]) <= 0.01 * len(scheme)
                           for r in rows)

            review = reviews.compute(H1)
            months = [figures.compute(Month(2026, m)) for m in range(1, 7)]
            slack = 0.01 * 6
            for unit in units:
                row = next(r for r in review["units"] if r["unit_id"] == unit.id)
                assert abs(row["service_hours"] - sum(m[unit.id]["service_hours"] for m in months)) <= slack
                for key in ("records", "activities", "trainings", "training_attendances", "other_units_records"):
                    assert row[key] == sum(m[unit.id][key] for m in months), key
                assert row["registered_volunteers"] == months[-1][unit.id]["registered_volunteers"]
                assert row["active_volunteers"] <= row["registered_volunteers"]
                quiet = {q["month"] for q in row["quiet"] if q["no_service"]}
                assert quiet == {str(Month(2026, i + 1)) for i, m in enumerate(months) if not m[unit.id]["records"]}
            city = review["city"]
            assert abs(city["service_hours"] - sum(m[None]["service_hours"] for m in months)) <= slack * UNITS
            assert city["records"] == sum(m[None]["records"] for m in months)
            assert city["activities"] == sum(m[None]["activities"] for m in months)
        finally:
            _db.session.rollback()

    check()
