from datetime import timedelta

import pytest

from app.models import StarEvent
from app.services import ledger
from app.services.clock import now
from app.services.errors import Conflict, ValidationFailed
from tests import factories as f


def test_approved_records_count_and_total_matches_ledger(db):
    volunteer = f.volunteer()
    f.give_hours(volunteer, 2.5)
    f.give_hours(volunteer, 1)
    assert volunteer.approved_seconds == 3.5 * 3600
    assert volunteer.hours == 3.5
    assert ledger.ledger_mismatches() == []


def test_overlapping_records_are_refused(db):
    volunteer = f.volunteer()
    end = now() - timedelta(hours=1)
    ledger.create_record(volunteer, started_at=end - timedelta(hours=2), ended_at=end, by=None)
    with pytest.raises(Conflict):
        ledger.create_record(volunteer, started_at=end - timedelta(hours=1), ended_at=end + timedelta(minutes=30),
                             by=None)


def test_entry_by_hand_before_registration_is_refused_unless_marked_history_with_a_note(db):
    volunteer = f.volunteer()
    admin = f.unit_admin(volunteer.unit)
    volunteer.created_at = now() - timedelta(days=1)
    before = volunteer.created_at - timedelta(days=2)

    def enter(start, **kwargs):
        return ledger.enter_manual_record(admin, unit_id=volunteer.unit_id, volunteer_id=volunteer.id,
                                          started_at=start, ended_at=start + timedelta(hours=2), **kwargs)

    with pytest.raises(ValidationFailed) as refused:
        enter(before, note="x")
    assert "started_at" in refused.value.fields
    with pytest.raises(ValidationFailed) as unexplained:
        enter(before, before_registration=True, note=" ")
    assert "note" in unexplained.value.fields
    record = enter(before, before_registration=True, note="纸质档案")
    assert record.status == "approved" and record.flag_list == [ledger.PRE_REGISTRATION]
    after = now() - timedelta(hours=3)  # service since registering needs no mark and carries no flag
    plain = ledger.enter_manual_record(admin, unit_id=volunteer.unit_id, volunteer_id=volunteer.id,
                                       started_at=after, ended_at=after + timedelta(minutes=30), note="补录")
    assert plain.flag_list == [] and volunteer.approved_seconds == 2 * 3600 + 1800


def test_the_ledger_decides_the_unit_of_a_record_entered_by_hand_and_its_post_must_be_of_that_unit(db):
    from app.services import posts
    from app.services.errors import NotFound
    volunteer = f.volunteer()
    volunteer.created_at = now() - timedelta(days=1)
    admin, other_unit = f.unit_admin(volunteer.unit), f.unit("别的街道")
    foreign_post = posts.create_post(other_unit.id, posts.PostInput(name="别处的岗", address="x"), by=None)
    start = now() - timedelta(hours=3)
    window = {"started_at": start, "ended_at": start + timedelta(hours=1), "note": "补录"}
    with pytest.raises(NotFound) as refused:  # whichever door asks, with or without a unit named
        ledger.enter_manual_record(admin, volunteer_id=volunteer.id, post_id=foreign_post.id, **window)
    assert "post_id" in refused.value.fields
    with pytest.raises(NotFound):
        ledger.enter_manual_record(admin, volunteer_id=volunteer.id, post_id=999999, **window)
    record = ledger.enter_manual_record(admin, volunteer_id=volunteer.id, **window)
    assert record.unit_id == volunteer.unit_id and record.status == "approved"
    city = f.platform_admin()  # the platform admin names no unit: the post's unit takes it
    later = {**window, "started_at": start + timedelta(hours=1), "ended_at": start + timedelta(hours=2)}
    assert ledger.enter_manual_record(city, volunteer_id=volunteer.id, post_id=foreign_post.id,
                                      **later).unit_id == other_unit.id


def test_reject_of_approved_takes_hours_back_and_records_level_down(db):
    volunteer = f.volunteer()
    f.give_hours(volunteer, 98)
    record = f.give_hours(volunteer, 2)
    assert volunteer.star_level == 1
    ledger.reject(record, by=None, reason="重复录入")
    db.session.commit()
    assert volunteer.approved_seconds == 98 * 3600
    assert volunteer.star_level == 0
    events = db.session.scalars(db.select(StarEvent).order_by(StarEvent.id)).all()
    assert [(e.from_level, e.to_level) for e in events] == [(0, 1), (1, 0)]
    assert ledger.ledger_mismatches() == []


def test_bad_windows_are_refused(db):
    volunteer = f.volunteer()
    t = now() - timedelta(days=1)
    with pytest.raises(ValidationFailed):
        ledger.create_record(volunteer, started_at=t, ended_at=t, by=None)
    with pytest.raises(ValidationFailed):
        ledger.create_record(volunteer, started_at=t, ended_at=t + timedelta(hours=25), by=None)
    with pytest.raises(ValidationFailed):
        ledger.create_record(volunteer, started_at=now(), ended_at=now() + timedelta(hours=2), by=None)


def test_mismatch_is_reported(db):
    volunteer = f.volunteer()
    f.give_hours(volunteer, 1)
    db.session.execute(db.update(type(volunteer)).values(approved_seconds=42))
    assert ledger.ledger_mismatches() == [(volunteer.id, volunteer.volunteer_no, 42, 3600)]


def test_a_correction_rejects_the_old_record_and_enters_a_linked_replacement(db):
    admin = f.platform_admin("corrector")
    volunteer = f.volunteer()
    record = f.give_hours(volunteer, 3, end=now() - timedelta(days=1))
    started = record.started_at
    fixed = ledger.correct(record, started_at=started, ended_at=started + timedelta(hours=2), by=admin,
                           reason="签退时间填错")
    db.session.commit()
    assert record.status == "rejected" and "签退时间填错" in record.reject_reason
    assert record.seconds == 3 * 3600  # the old row keeps what it said
    assert fixed.status == "approved" and fixed.corrects_id == record.id and "corrected" in fixed.flag_list
    assert fixed.created_by_id == admin.id and fixed.unit_id == record.unit_id
    assert volunteer.hours == 2 and ledger.ledger_mismatches() == []
    with pytest.raises(Conflict):  # a rejected record is not corrected twice
        ledger.correct(record, started_at=started, ended_at=started + timedelta(hours=1), by=admin, reason="再改")


def test_a_refused_correction_leaves_the_ledger_as_it_was(db):
    volunteer = f.volunteer()
    record = f.give_hours(volunteer, 3, end=now() - timedelta(days=1))
    db.session.commit()
    with pytest.raises(ValidationFailed):
        ledger.correct(record, started_at=record.started_at, ended_at=record.started_at + timedelta(hours=30),
                       by=None, reason="太长")
    db.session.rollback()
    assert record.status == "approved" and volunteer.hours == 3
    with pytest.raises(ValidationFailed):
        ledger.correct(record, started_at=record.started_at, ended_at=record.ended_at, by=None, reason=" ")


def test_the_ledger_is_the_only_writer_of_service_records():
    """Every ServiceRecord is made and changed in app/services/ledger.py (the seed for
    benchmarks copies rows in bulk, which is its whole point)."""
    import pathlib
    import re
    app_dir = pathlib.Path(ledger.__file__).parents[1]
    allowed = {app_dir / "services" / "ledger.py", *(app_dir / "perf").glob("*.py")}
    writes = re.compile(r"\bServiceRecord\(|\b(update|insert|delete)\(ServiceRecord\b|\bservice_records\b.*\b(UPDATE|INSERT)\b")
    writers = [f"{path.relative_to(app_dir)}:{n}" for path in app_dir.rglob("*.py") if path not in allowed
               and "models" not in path.parts
               for n, line in enumerate(path.read_text().splitlines(), 1) if writes.search(line)]
    assert writers == []
