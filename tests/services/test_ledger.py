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
