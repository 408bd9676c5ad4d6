"""Property-based: for random ledgers (volunteers of several units serving at posts of any unit,
records of every status around the month's edges in Asia/Shanghai, registrations before and
after), a month's bulletin figures keep their invariants. One database for the run; each
example's rows are rolled back."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db as _db
from app.models import ServiceRecord
from app.services import posts, rollups
from app.services.bulletins.figures import compute
from app.services.months import Month
from tests import factories as f

BEIJING = ZoneInfo("Asia/Shanghai")
MONTH = Month(2026, 10)
START, END = datetime(2026, 10, 1, tzinfo=BEIJING), datetime(2026, 11, 1, tzinfo=BEIJING)
UNITS, VOLUNTEERS = 3, 8

records_strategy = st.lists(st.tuples(
    st.integers(0, VOLUNTEERS - 1),                       # who
    st.integers(0, UNITS - 1),                            # at which unit's post
    st.sampled_from(["approved", "approved", "pending", "rejected"]),
    # minutes from 2 days before the month to 2 days after it, often right at its edges
    st.one_of(st.integers(-2 * 1440, 33 * 1440), st.integers(-90, 90),
              st.integers(31 * 1440 - 90, 31 * 1440 + 90)),
    st.integers(1, 600),                                  # minutes long
), max_size=40)
registered_strategy = st.lists(st.integers(-40, 40), min_size=VOLUNTEERS, max_size=VOLUNTEERS)  # days from start


def test_bulletin_invariants_hold_for_random_ledgers(app, db):
    units = [f.unit(f"单位{i}") for i in range(UNITS)]
    unit_posts = [posts.create_post(u.id, posts.PostInput(name=f"服务岗{i}"), by=None) for i, u in enumerate(units)]
    people = [f.volunteer(units[i % UNITS], name=f"志愿者{i}") for i in range(VOLUNTEERS)]
    _db.session.commit()
    people_ids = [p.id for p in people]
    home = {p.id: p.unit_id for p in people}

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(records=records_strategy, registered=registered_strategy)
    def check(records, registered):
        try:
            for volunteer, day in zip(people, registered, strict=True):
                volunteer.created_at = (START + timedelta(days=day)).astimezone(UTC)
            expected_seconds: dict[int, int] = {}
            expected_records: dict[int, int] = {}
            per_volunteer: dict[int, int] = {}
            for who, where, status, offset, minutes in records:
                started = (START + timedelta(minutes=offset)).astimezone(UTC)
                ended = started + timedelta(minutes=minutes)
                _db.session.add(ServiceRecord(
                    volunteer_id=people_ids[who], unit_id=units[where].id, post_id=unit_posts[where].id,
                    started_at=started, ended_at=ended, seconds=minutes * 60, status=status, source="manual",
                    reviewed_at=ended if status != "pending" else None))
                if status == "approved" and START <= started < END:
                    unit = home[people_ids[who]]
                    expected_seconds[unit] = expected_seconds.get(unit, 0) + minutes * 60
                    expected_records[unit] = expected_records.get(unit, 0) + 1
                    per_volunteer[people_ids[who]] = per_volunteer.get(people_ids[who], 0) + minutes * 60
            _db.session.flush()
            rollups.rebuild()  # rows written straight to the table, as a bulk load does

            figures = compute(MONTH)
            city = figures[None]
            unit_figures = [figures[u.id] for u in units]
            slack = 0.01 * (len(records) + 1)
            for u, unit in zip(units, unit_figures, strict=True):
                assert 0 <= unit["participation_rate"] <= 1
                assert unit["active_volunteers"] <= unit["registered_volunteers"]
                assert abs(unit["service_hours"] - expected_seconds.get(u.id, 0) / 3600) <= 0.005
                assert unit["records"] == expected_records.get(u.id, 0)
                assert unit["other_units_hours"] <= unit["service_hours"] + 0.005
                assert unit["other_units_records"] <= unit["records"]
                top = unit["top_volunteers"]
                served = [v for v, s in per_volunteer.items() if home[v] == u.id and s]
                assert len(top) == min(10, len(served))
                assert [t["hours"] for t in top] == sorted((t["hours"] for t in top), reverse=True)
                assert abs(sum(t["hours"] for t in top) - unit["service_hours"]) <= slack  # ≤ 10 volunteers
                assert all(t["unit_id"] == u.id for t in top)
            assert 0 <= city["participation_rate"] <= 1
            assert abs(sum(x["service_hours"] for x in unit_figures) - city["service_hours"]) <= slack
            assert abs(city["service_hours"] - sum(expected_seconds.values()) / 3600) <= slack
            assert sum(x["records"] for x in unit_figures) == city["records"] == sum(expected_records.values())
            assert sum(x["active_volunteers"] for x in unit_figures) == city["active_volunteers"]
            assert abs(sum(x["other_units_hours"] for x in unit_figures)
                       - sum(x["hosted_hours"] for x in unit_figures)) <= slack
            assert abs(sum(t["hours"] for t in city["top_volunteers"]) - city["service_hours"]) <= slack
            assert [r["hours"] for r in city["ranking"]] == sorted((x["service_hours"] for x in unit_figures),
                                                                   reverse=True)
        finally:
            _db.session.rollback()

    check()
