"""The ledger's monthly rollups: after any sequence of entries, approvals, rejections and
corrections (random, property-based; records around a month's edge in Asia/Shanghai, volunteers
serving at their own unit's posts and others', registered before and after), the rollups equal
a GROUP BY over the approved records, a set-based rebuild gives the same rows, and
`flask hours verify` agrees; a rollup that drifts makes it fail."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db as _db
from app.models import ServiceMonth, ServiceRecord, VolunteerMonth
from app.services import ledger, posts, rollup_checks, rollups
from app.services.bulletins.figures import top_volunteers
from app.services.errors import Conflict
from app.services.months import Month
from tests import factories as f

BEIJING = ZoneInfo("Asia/Shanghai")
EDGE = datetime(2026, 10, 1, tzinfo=BEIJING)  # the month's edge the records straddle
UNITS, VOLUNTEERS = 3, 5

operation = st.one_of(
    st.tuples(st.just("enter"), st.integers(0, VOLUNTEERS - 1), st.integers(0, UNITS - 1),
              st.integers(0, 3000), st.integers(1, 600), st.booleans()),
    st.tuples(st.just("approve"), st.integers(0, 1000)),
    st.tuples(st.just("reject"), st.integers(0, 1000)),
    st.tuples(st.just("correct"), st.integers(0, 1000), st.integers(1, 600)),
)


def ledger_group_by() -> tuple[dict, dict]:
    """What the rollups should hold, computed here from the approved records."""
    units: dict[tuple, list[int]] = {}
    volunteers: dict[tuple, list] = {}
    for record in _db.session.scalars(select(ServiceRecord).where(ServiceRecord.status == "approved")):
        month = Month.of(record.started_at)
        home = record.volunteer.unit_id
        u = units.setdefault((str(month), home, record.unit_id), [0, 0])
        u[0] += record.seconds
        u[1] += 1
        registered = record.volunteer.created_at < month.end
        v = volunteers.setdefault((str(month), record.volunteer_id), [home, 0, 0, registered])
        v[1] += record.seconds
        v[2] += 1
    return ({k: tuple(v) for k, v in units.items()}, {k: tuple(v) for k, v in volunteers.items()})


def rollup_rows() -> tuple[dict, dict]:
    units = {(r.month, r.unit_id, r.host_unit_id): (r.seconds, r.records)
             for r in _db.session.scalars(select(ServiceMonth).where(ServiceMonth.records != 0))}
    volunteers = {(r.month, r.volunteer_id): (r.unit_id, r.seconds, r.records, r.registered)
                  for r in _db.session.scalars(select(VolunteerMonth).where(VolunteerMonth.records != 0))}
    return units, volunteers


def test_rollups_equal_a_group_by_over_the_ledger_after_any_reviews(app, db):
    units = [f.unit(f"单位{i}") for i in range(UNITS)]
    unit_posts = [posts.create_post(u.id, posts.PostInput(name=f"服务岗{i}"), by=None) for i, u in enumerate(units)]
    people = [f.volunteer(units[i % UNITS], name=f"志愿者{i}") for i in range(VOLUNTEERS)]
    _db.session.commit()

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(ops=st.lists(operation, max_size=25), registered=st.lists(st.integers(-3, 3), min_size=VOLUNTEERS,
                                                                    max_size=VOLUNTEERS))
    def check(ops, registered):
        try:
            for volunteer, day in zip(people, registered, strict=True):
                volunteer.created_at = (EDGE + timedelta(days=day)).astimezone(UTC)
            free = {v.id: (EDGE - timedelta(days=2)).astimezone(UTC) for v in people}  # records never overlap
            entered: list[ServiceRecord] = []
            for op in ops:
                if op[0] == "enter":
                    _kind, who, where, gap, minutes, approved = op
                    volunteer = people[who]
                    start = free[volunteer.id] + timedelta(minutes=gap)
                    free[volunteer.id] = start + timedelta(minutes=minutes)
                    entered.append(ledger.create_record(
                        volunteer, started_at=start, ended_at=free[volunteer.id], by=None,
                        post=unit_posts[where], unit_id=units[where].id,
                        status="approved" if approved else "pending"))
                    continue
                if not entered:
                    continue
                record = entered[op[1] % len(entered)]
                try:
                    if op[0] == "approve":
                        ledger.approve(record, by=None)
                    elif op[0] == "reject":
                        ledger.reject(record, by=None, reason="不实")
                    else:
                        corrected = ledger.correct(
                            record, started_at=record.started_at,
                            ended_at=record.started_at + timedelta(minutes=op[2]), by=None, reason="更正时间")
                        entered.append(corrected)
                        # a longer correction moves the volunteer's free time on: the next entry never overlaps
                        free[record.volunteer_id] = max(free[record.volunteer_id], corrected.ended_at)
                except Conflict:  # not in a state that allows it: nothing changes
                    pass
            _db.session.flush()
            want_units, want_volunteers = ledger_group_by()
            assert rollup_rows() == (want_units, want_volunteers)
            assert rollup_checks.mismatches() == []
            rollups.rebuild()
            assert rollup_rows() == (want_units, want_volunteers)
        finally:
            _db.session.rollback()

    check()


def test_hours_verify_checks_the_rollups(app, db):
    unit = f.unit("阳光社区")
    volunteer = f.volunteer(unit)
    f.give_hours(volunteer, 3)
    _db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["hours", "verify"]).exit_code == 0
    other = f.unit("市民政局")
    _db.session.commit()
    for table, values in ((ServiceMonth.__table__, {"seconds": ServiceMonth.seconds + 60}),
                          (VolunteerMonth.__table__, {"seconds": VolunteerMonth.seconds + 60}),
                          (VolunteerMonth.__table__, {"unit_id": other.id})):
        _db.session.execute(table.update().values(**values))
        _db.session.commit()
        result = runner.invoke(args=["hours", "verify"])
        assert result.exit_code == 1 and "monthly rollups differ" in result.output, (table.name, values)
        rollups.rebuild()
        _db.session.commit()
        assert runner.invoke(args=["hours", "verify"]).exit_code == 0


def test_top_volunteers_break_ties_by_volunteer_number(app, db):
    unit = f.unit("阳光社区")
    people = [f.volunteer(unit, name=f"志愿者{i}") for i in range(12)]
    end = datetime(2026, 10, 20, 12, tzinfo=BEIJING)
    for person in people:
        person.created_at = datetime(2025, 1, 1, tzinfo=UTC)
        f.give_hours(person, 2, end=end)  # twelve equal totals: the ten lowest numbers win
    _db.session.commit()
    tops = top_volunteers(Month(2026, 10))
    expected = sorted(p.volunteer_no for p in people)[:10]
    assert [t["volunteer_no"] for t in tops[unit.id]] == expected
    assert [t["volunteer_no"] for t in tops[None]] == expected


def test_the_overview_reads_counts_that_follow_registration_grading_and_regrading(app, db):
    from sqlalchemy import func

    from app.models import Volunteer
    from app.services import dashboard, stars

    units = [f.unit("阳光社区"), f.unit("市民政局")]
    people = [f.volunteer(units[i % 2], name=f"志愿者{i}") for i in range(5)]
    for i, person in enumerate(people):
        f.give_hours(person, 30 * i)  # levels go up as the ledger approves
    record = f.give_hours(people[4], 200)
    ledger.reject(record, by=None, reason="不实")  # and down again
    _db.session.commit()

    def truth(unit_id):
        scoped = select(Volunteer.star_level, func.count()).group_by(Volunteer.star_level)
        if unit_id is not None:
            scoped = scoped.where(Volunteer.unit_id == unit_id)
        levels = dict(_db.session.execute(scoped).all())
        seconds = _db.session.scalar(select(func.coalesce(func.sum(Volunteer.approved_seconds), 0)).where(
            Volunteer.unit_id == unit_id if unit_id is not None else Volunteer.id.is_not(None)))
        return [levels.get(level, 0) for level in range(6)], sum(levels.values()), round(seconds / 3600, 2)

    for unit_id in (None, units[0].id, units[1].id):
        figures = dashboard.overview(unit_id)
        assert (figures["stars"], figures["volunteers"], figures["hours"]) == truth(unit_id)
    assert sum(h for _m, h in dashboard.overview(None)["hours_by_month"]) <= dashboard.overview(None)["hours"]
    stars.regrade_all(by=None, table={1: 1, 2: 2, 3: 3, 4: 4, 5: 5})  # a bulk UPDATE: counted again
    _db.session.commit()
    assert dashboard.overview(None)["stars"] == truth(None)[0]
    assert rollup_checks.mismatches() == []


def test_the_units_ranking_is_stored_once_in_the_citys_bulletin(app, db):
    from app.models import Bulletin
    from app.services.bulletins import snapshots

    units = [f.unit("甲单位"), f.unit("乙单位")]
    for i, unit in enumerate(units):
        person = f.volunteer(unit)
        person.created_at = datetime(2025, 1, 1, tzinfo=UTC)
        f.give_hours(person, 3 - i, end=datetime(2026, 10, 20, 12, tzinfo=BEIJING))
    _db.session.commit()
    assert snapshots.generate_bulletins(Month(2026, 10)) == 3
    stored = {b.unit_id: b for b in _db.session.scalars(select(Bulletin).where(Bulletin.month == "2026-10"))}
    assert [r["unit"] for r in stored[None].figures["ranking"]] == ["甲单位", "乙单位"]
    for unit in units:
        assert "ranking" not in stored[unit.id].figures  # not copied into every unit's bulletin
        assert snapshots.figures_of(stored[unit.id])["ranking"] == stored[None].figures["ranking"]
    # a unit's bulletin made on its own, after the city's, carries its own copy
    _db.session.delete(stored[units[1].id])
    _db.session.commit()
    assert snapshots.generate_bulletins(Month(2026, 10), units[1].id) == 1
    alone = _db.session.scalar(select(Bulletin).where(Bulletin.unit_id == units[1].id))
    assert [r["unit"] for r in alone.figures["ranking"]] == ["甲单位", "乙单位"]
