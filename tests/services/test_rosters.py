"""Rosters: the office asks units for people per area or post and shift; a unit names its
volunteers (never double-booked, the quota holds under races); the check-in at the post
fulfils the shift; the office sees asked, rostered, came and hours; a text the day before."""
import logging
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import scheduling as scheduler
from app.extensions import db as _db
from app.jobs import JOBS_BY_NAME
from app.models import Shift, ShiftAssignment, User, Volunteer
from app.services import attendance, campaigns, ledger, posts, rosters
from app.services.clock import local, local_today, now
from app.services.errors import Conflict, Forbidden, ValidationFailed
from tests import factories as f


def make_campaign(office):
    return campaigns.create_campaign(campaigns.CampaignInput(
        name="文明劝导", kind="campaign", starts_on=local_today() - timedelta(days=3),
        ends_on=local_today() + timedelta(days=30)), by=office)


def quota(campaign, office, unit, *, post=None, days=(1, 1), start=time(8), end=time(10), n=2, area="人民路口"):
    first = local_today() + timedelta(days=days[0])
    return rosters.assign_quota(campaign, rosters.QuotaInput(
        unit_id=unit.id, area=area, first_day=first, last_day=local_today() + timedelta(days=days[1]),
        start=start, end=end, quota=n, post_id=post.id if post else None), by=office)


@pytest.fixture
def setting(db):
    office, unit = f.platform_admin(), f.unit()
    admin = f.unit_admin(unit)
    return office, unit, admin, make_campaign(office)


def test_the_office_asks_a_quota_per_day_and_the_unit_fills_it(setting):
    office, unit, admin, campaign = setting
    with pytest.raises(Forbidden):
        quota(campaign, admin, unit)
    shifts = quota(campaign, office, unit, days=(1, 3), start=time(22), end=time(6))
    assert len(shifts) == 3 and all(s.ends_at - s.starts_at == timedelta(hours=8) for s in shifts)
    assert local(shifts[0].starts_at).hour == 22
    for bad, field in (({"n": 0}, "quota"), ({"area": " "}, "area"), ({"days": (2, 1)}, "last_day"),
                       ({"days": (40, 41)}, "first_day"), ({"start": time(8), "end": time(8)}, "end")):
        with pytest.raises(ValidationFailed) as refused:
            quota(campaign, office, unit, **bad)
        assert field in refused.value.fields
    a, b, c = (f.volunteer(unit) for _ in range(3))
    shift = shifts[0]
    rosters.roster(shift, a, by=admin)
    rosters.roster(shift, b, by=admin)
    with pytest.raises(Conflict) as full:
        rosters.roster(shift, c, by=admin)
    assert full.value.details["reason"] == "full" and shift.filled == 2
    with pytest.raises(ValidationFailed):
        rosters.roster(shifts[1], f.volunteer(f.unit()), by=admin)
    with pytest.raises(Forbidden):
        rosters.roster(shifts[1], c, by=f.unit_admin(f.unit()))
    assert [x.volunteer_id for x in rosters.assignments_of(shift)] == [a.id, b.id]
    assert [x.shift_id for x in rosters.my_shifts(a)] == [shift.id]
    rosters.unroster(rosters.assignments_of(shift)[1], by=admin)
    assert shift.filled == 1
    rosters.roster(shift, c, by=admin)


def test_a_volunteer_is_never_double_booked(setting):
    office, unit, admin, campaign = setting
    volunteer = f.volunteer(unit)
    first = quota(campaign, office, unit, area="甲")[0]
    same_time = quota(campaign, office, unit, area="乙")[0]
    overlapping = quota(campaign, office, unit, area="丙", start=time(9), end=time(11))[0]
    later = quota(campaign, office, unit, area="丁", start=time(10), end=time(12))[0]
    rosters.roster(first, volunteer, by=admin)
    for shift in (first, same_time, overlapping):
        with pytest.raises(Conflict) as refused:
            rosters.roster(shift, volunteer, by=admin)
        assert refused.value.details["reason"] == "double_booked"
    rosters.roster(later, volunteer, by=admin)  # back to back is fine
    _db.session.flush()
    assert same_time.filled == 0 and overlapping.filled == 0
    # the database itself refuses a second booking at the same start
    with pytest.raises(IntegrityError), _db.session.begin_nested():
        _db.session.add(ShiftAssignment(shift_id=same_time.id, volunteer_id=volunteer.id,
                                        starts_at=same_time.starts_at, ends_at=same_time.ends_at))


@pytest.mark.race
def test_racing_bookings_keep_the_quota_and_book_a_volunteer_once(race, setting):
    office, unit, admin, campaign = setting
    shift = quota(campaign, office, unit, n=3)[0]
    twins = [quota(campaign, office, unit, area=f"区域{i}")[0] for i in range(4)]
    ids = [f.volunteer(unit).id for _ in range(8)]
    lone = f.volunteer(unit).id
    shift_id, twin_ids, admin_id = shift.id, [t.id for t in twins], admin.id

    def book(i):
        return rosters.roster(_db.session.get(Shift, shift_id), _db.session.get(Volunteer, ids[i]),
                              by=_db.session.get(User, admin_id)).id

    results = race(8, book)
    assert len([r for r in results if isinstance(r, int)]) == 3
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, int))
    _db.session.expire_all()
    assert _db.session.get(Shift, shift_id).filled == 3
    assert _db.session.scalar(select(func.count()).where(ShiftAssignment.shift_id == shift_id)) == 3

    def double(i):
        return rosters.roster(_db.session.get(Shift, twin_ids[i]), _db.session.get(Volunteer, lone),
                              by=_db.session.get(User, admin_id)).id

    results = race(4, double)
    assert len([r for r in results if isinstance(r, int)]) == 1
    assert _db.session.scalar(select(func.count()).where(ShiftAssignment.volunteer_id == lone)) == 1
    assert sum(_db.session.get(Shift, t).filled for t in twin_ids) == 1


def test_the_scan_at_the_post_fulfils_the_shift_and_the_office_sees_the_figures(setting):
    office, unit, admin, campaign = setting
    post = posts.create_post(unit.id, posts.PostInput(name="人民路口", min_minutes=0), by=admin)
    start = now() - timedelta(minutes=10)
    shift = Shift(campaign_id=campaign.id, unit_id=unit.id, post_id=post.id, area="人民路口",
                  starts_at=start, ends_at=start + timedelta(hours=2), quota=3)
    _db.session.add(shift)
    _db.session.flush()
    came, absent = f.volunteer(unit), f.volunteer(unit)
    with pytest.raises(Conflict):  # a shift that has ended cannot be filled
        rosters.roster(Shift(unit_id=unit.id, starts_at=start - timedelta(days=1), ends_at=start), came, by=admin)
    for volunteer in (came, absent):  # named before the shift began
        _db.session.add(ShiftAssignment(shift_id=shift.id, volunteer_id=volunteer.id,
                                        starts_at=shift.starts_at, ends_at=shift.ends_at))
    shift.filled = 2
    other_post = posts.create_post(unit.id, posts.PostInput(name="别处"), by=admin)
    stray = f.volunteer(unit)
    _db.session.add(ShiftAssignment(shift_id=shift.id, volunteer_id=stray.id,
                                    starts_at=shift.starts_at, ends_at=shift.ends_at))
    shift.filled = 3
    _db.session.flush()
    attendance.scan(stray, posts.scan_url(other_post), at=now())  # elsewhere: not fulfilled
    result = attendance.scan(came, posts.scan_url(post), at=now())
    assignment = _db.session.scalar(select(ShiftAssignment).where(ShiftAssignment.volunteer_id == came.id))
    _db.session.refresh(assignment)
    assert assignment.came_at is not None and assignment.record_id == result.record.id
    record = attendance.scan(came, posts.scan_url(post), at=now() + timedelta(minutes=90)).record
    if record.status == "pending":
        ledger.approve(record, by=admin)
    [row] = rosters.report(campaign)
    assert (row.unit, row.area, row.asked, row.rostered, row.came, row.hours) == (
        unit.name, "人民路口", 3, 3, 1, 1.5)
    assert rosters.report(campaign, unit_id=f.unit().id) == []


def test_the_day_before_each_volunteer_gets_one_text(setting, caplog):
    office, unit, admin, campaign = setting
    shift = quota(campaign, office, unit, days=(1, 1))[0]
    later = quota(campaign, office, unit, days=(2, 2))[0]
    volunteer = f.volunteer(unit)
    rosters.roster(shift, volunteer, by=admin)
    rosters.roster(later, volunteer, by=admin)
    _db.session.commit()
    fire = datetime.combine(local_today(), time(18, 5), tzinfo=local(now()).tzinfo).astimezone(UTC)
    with caplog.at_level(logging.INFO, logger="app.sms"):
        run = scheduler.execute(JOBS_BY_NAME["shift_reminders"], fire)
        assert run.status == "ok" and run.counts == {"sent": 1, "skipped": 0}
        assert scheduler.execute(JOBS_BY_NAME["shift_reminders"], fire) is None  # claimed
        assert rosters.send_reminders(fire) == {"sent": 0, "skipped": 0}       # and sent once
    texts = [r.getMessage() for r in caplog.records if r.name == "app.sms"]
    assert len(texts) == 1 and "人民路口" in texts[0] and "文明劝导" in texts[0]
    assert volunteer.phone not in texts[0]  # the log masks the number
