from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from app.models import StarEvent, StarThreshold, Volunteer
from app.services import ledger, stars
from app.services.clock import now
from app.services.errors import ValidationFailed
from tests import factories as f


def levels(volunteers):
    for v in volunteers:
        f.db.session.refresh(v)
    return [v.star_level for v in volunteers]


def events_of(volunteer):
    return [(e.from_level, e.to_level) for e in f.db.session.scalars(
        select(StarEvent).where(StarEvent.volunteer_id == volunteer.id).order_by(StarEvent.id))]


@pytest.mark.parametrize("hours, level", [
    (0, 0), (99.99, 0), (100, 1), (299.99, 1), (300, 2), (599.99, 2), (600, 3),
    (999.99, 3), (1000, 4), (1499.99, 4), (1500, 5), (3000, 5),
])
def test_level_for_seconds_at_every_edge(db, hours, level):
    assert stars.level_for_seconds(round(hours * 3600)) == level


@pytest.mark.parametrize("hours, level", [(99.99, 0), (100, 1), (299.99, 1), (300, 2)])
def test_approved_hours_give_the_level_at_the_edges(db, hours, level):
    volunteer = f.volunteer()
    f.give_hours(volunteer, hours)
    assert volunteer.star_level == level
    assert events_of(volunteer) == ([(0, 1)] if level == 1 else [(0, 1), (1, 2)] if level == 2 else [])


def test_crossing_two_thresholds_one_by_one_records_each_change(db):
    volunteer = f.volunteer()
    f.give_hours(volunteer, 99.99)
    assert volunteer.star_level == 0
    f.give_hours(volunteer, 0.01)
    assert volunteer.star_level == 1
    f.give_hours(volunteer, 199.99)
    assert volunteer.star_level == 1
    f.give_hours(volunteer, 0.01)
    assert volunteer.star_level == 2
    assert events_of(volunteer) == [(0, 1), (1, 2)]


def test_rejecting_an_approved_record_moves_the_level_down(db):
    volunteer = f.volunteer()
    f.give_hours(volunteer, 290)
    record = f.give_hours(volunteer, 10)
    assert volunteer.star_level == 2
    ledger.reject(record, by=None, reason="时间录错")
    db.session.commit()
    assert volunteer.star_level == 1
    assert volunteer.approved_seconds == 290 * 3600
    assert events_of(volunteer)[-1] == (2, 1)
    unseen = stars.unseen_events(volunteer)
    assert stars.new_star_message(unseen) == "因服务记录调整，您的星级已变为1星。"


def test_unseen_events_and_mark_seen(db):
    volunteer = f.volunteer()
    f.give_hours(volunteer, 100)
    unseen = stars.unseen_events(volunteer)
    assert [(e.from_level, e.to_level) for e in unseen] == [(0, 1)]
    assert stars.new_star_message(unseen) == "恭喜！您已成为1星志愿者。"
    assert stars.mark_seen(volunteer) == 1
    db.session.commit()
    assert stars.unseen_events(volunteer) == []
    assert stars.new_star_message([]) is None


def test_progress_to_next_star(db):
    volunteer = f.volunteer()
    f.give_hours(volunteer, 200)
    p = stars.progress(volunteer)
    assert p == {"next_level": 2, "next_hours": 300, "missing_hours": 100.0, "percent": 50}
    f.give_hours(volunteer, 1300)
    assert stars.progress(volunteer)["next_level"] is None
    assert stars.next_threshold_hours(volunteer) is None


def test_threshold_change_regrades_in_one_update_with_events(db):
    a, b, c, d = (f.volunteer() for _ in range(4))
    f.give_hours(a, 250)   # national 1★ → local 2★
    f.give_hours(b, 550)   # 2★ → 3★
    f.give_hours(c, 100)   # 1★ → 1★ (unchanged)
    f.give_hours(d, 50)    # 0★ → 0★
    stars.mark_seen(a)
    db.session.commit()
    assert levels([a, b, c, d]) == [1, 2, 1, 0]
    before = db.session.scalar(select(func.count()).select_from(StarEvent))

    statements = []

    def remember(conn, cursor, statement, params, context, executemany):
        statements.append(" ".join(statement.split()[:3]).upper().replace('"', ""))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        changed = stars.apply_preset("local", by=None)
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)

    assert changed == 2
    assert levels([a, b, c, d]) == [2, 3, 1, 0]
    assert stars.thresholds() == {1: 100, 2: 200, 3: 500, 4: 800, 5: 1000}
    # Exactly one UPDATE of volunteers and one INSERT into star_events, whatever the count.
    assert sum(1 for s in statements if s.startswith("UPDATE VOLUNTEERS ")) == 1
    assert sum(1 for s in statements if s.startswith("INSERT INTO STAR_EVENTS")) == 1
    assert db.session.scalar(select(func.count()).select_from(StarEvent)) == before + 2
    assert events_of(a)[-1] == (1, 2) and events_of(b)[-1] == (2, 3)
    assert stars.new_star_message(stars.unseen_events(a)) == "恭喜！您已成为2星志愿者。"

    # Back to the national scale: the same two move down again.
    assert stars.apply_preset("national", by=None) == 2
    db.session.commit()
    assert levels([a, b, c, d]) == [1, 2, 1, 0]
    assert events_of(b)[-1] == (3, 2)


def test_edited_thresholds_apply_to_later_approvals(db):
    volunteer = f.volunteer()
    f.give_hours(volunteer, 60)
    assert stars.set_thresholds({1: 50, 2: 120, 3: 200, 4: 300, 5: 400}, by=None) == 1
    db.session.commit()
    assert levels([volunteer]) == [1]
    f.give_hours(volunteer, 60)
    assert volunteer.star_level == 2
    rows = dict(db.session.execute(select(StarThreshold.level, StarThreshold.min_hours)).all())
    assert rows == {1: 50, 2: 120, 3: 200, 4: 300, 5: 400}


@pytest.mark.parametrize("table, field", [
    ({1: 100, 2: 100, 3: 600, 4: 1000, 5: 1500}, "level_2"),     # not strictly increasing
    ({1: 100, 2: 300, 3: 200, 4: 1000, 5: 1500}, "level_3"),
    ({1: 0, 2: 300, 3: 600, 4: 1000, 5: 1500}, "level_1"),       # not positive
    ({1: -5, 2: 300, 3: 600, 4: 1000, 5: 1500}, "level_1"),
    ({1: 100, 2: 300, 3: 600, 4: 1000}, "level_5"),              # missing
    ({1: 100, 2: 300, 3: 600, 4: 1000, 5: 1500.5}, "level_5"),   # not whole
    ({1: 100, 2: 300, 3: 600, 4: 1000, 5: "abc"}, "level_5"),
])
def test_bad_thresholds_are_refused_and_nothing_changes(db, table, field):
    with pytest.raises(ValidationFailed) as info:
        stars.set_thresholds(table, by=None)
    assert field in info.value.fields
    db.session.rollback()
    assert stars.thresholds() == stars.DEFAULT_THRESHOLDS


def test_unknown_preset_is_refused(db):
    with pytest.raises(ValidationFailed):
        stars.apply_preset("moon", by=None)


def test_level_counts(db):
    a, b = f.volunteer(), f.volunteer()
    f.give_hours(a, 100)
    counts = stars.level_counts()
    assert counts[1] == 1 and counts[0] == 1 and sum(counts.values()) == 2
    assert b.star_level == 0
    assert db.session.scalar(select(func.count()).select_from(Volunteer)) == 2
    assert now() - timedelta(minutes=1) < db.session.scalar(select(func.max(StarEvent.at)))
