"""The residents' needs figures of the monthly bulletins, against figures computed by hand."""
from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.extensions import db as _db
from app.models import Bulletin, Need, ServiceCategory
from app.services import need_signups, need_workflow, needs
from app.services.bulletins import needs as need_figures
from app.services.bulletins.snapshots import generate_bulletins
from app.services.clock import local_today, now
from app.services.months import Month
from tests import factories as f

MONTH = Month(2026, 10)  # Asia/Shanghai: 2026-09-30 16:00 UTC to 2026-10-31 16:00 UTC


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def need(unit, created, *, wished=date(2026, 10, 20), served=None, on_time=None, rated=None, rating=None) -> Need:
    status = "rated" if rated else "served" if served else "accepted"
    row = Need(code_hash=secrets.token_hex(16), status=status, category_id=_db.session.scalar(
        select(ServiceCategory.id).limit(1)), text="t", place="p", wished_date=wished, resident_name="n",
        resident_phone="13800000000", unit_id=unit.id if unit else None, created_at=created, served_at=served,
        served_on_time=on_time, rated_at=rated, rating=rating)
    _db.session.add(row)
    return row


def test_need_figures_per_unit_match_the_hand_computed_ones(db):
    a, b = f.unit(), f.unit()
    # unit A: received in October 3 (one just after local midnight on 1 Oct), one in September, one in November
    need(a, utc(2026, 9, 30, 16, 30))                      # 1 Oct 00:30 local: October
    need(a, utc(2026, 9, 30, 15, 59))                      # 30 Sep 23:59 local: September
    need(a, utc(2026, 10, 5), served=utc(2026, 10, 10), on_time=True, rated=utc(2026, 10, 11), rating=5)
    need(a, utc(2026, 10, 6), served=utc(2026, 10, 25), on_time=False, rated=utc(2026, 11, 2), rating=2)
    need(a, utc(2026, 10, 31, 16, 1))                      # 1 Nov local: November
    # served in October although received in September; rated in October
    need(a, utc(2026, 9, 1), served=utc(2026, 10, 1), on_time=True, rated=utc(2026, 10, 3), rating=4)
    # unit B: two received, one answered late and rated 3
    need(b, utc(2026, 10, 7))
    need(b, utc(2026, 10, 8), served=utc(2026, 10, 31, 15, 0), on_time=False, rated=utc(2026, 10, 31, 15, 30),
         rating=3)
    # not yet assigned: counts for the city only
    need(None, utc(2026, 10, 9))
    _db.session.commit()

    figures = need_figures.month_figures(MONTH)
    # by hand: A received 1 Oct 00:30, 5 Oct, 6 Oct = 3; answered 10 Oct, 25 Oct, 1 Oct = 3, on time 2;
    # rated in October: 5 (11 Oct) and 4 (3 Oct) -> 4.5 (the 2 came in November)
    assert figures[a.id] == {"received": 3, "answered": 3, "on_time": 2, "on_time_rate": 0.6667,
                             "rated": 2, "average_rating": 4.5}
    assert figures[b.id] == {"received": 2, "answered": 1, "on_time": 0, "on_time_rate": 0.0,
                             "rated": 1, "average_rating": 3.0}
    # the city: 3 + 2 + 1 unassigned = 6 received; 4 answered, 2 on time; (5 + 4 + 3) / 3 = 4.0
    assert figures[need_figures.CITY] == {"received": 6, "answered": 4, "on_time": 2, "on_time_rate": 0.5,
                                          "rated": 3, "average_rating": 4.0}
    november = need_figures.month_figures(Month(2026, 11))
    assert november[a.id]["received"] == 1 and november[a.id]["average_rating"] == 2.0

    assert generate_bulletins(MONTH) == 3
    stored = {b_.unit_id: b_.figures["needs"] for b_ in _db.session.scalars(select(Bulletin))}
    assert stored[a.id] == figures[a.id] and stored[None] == figures[need_figures.CITY]


def test_a_unit_without_needs_shows_zeros(db):
    unit = f.unit()
    assert need_figures.month_figures(MONTH).get(unit.id) is None
    generate_bulletins(MONTH)
    stored = _db.session.scalar(select(Bulletin).where(Bulletin.unit_id == unit.id))
    assert stored.figures["needs"] == {"received": 0, "answered": 0, "on_time": 0, "on_time_rate": None,
                                       "rated": 0, "average_rating": None}


def test_serving_fixes_whether_it_was_on_time(db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    results = []
    for wished in (local_today(), local_today() + timedelta(days=5)):
        row, _code = needs.submit_need(needs.NeedInput(
            category_id=_db.session.scalar(select(ServiceCategory.id).limit(1)), text="t", place="p",
            wished_date=wished, name="n", phone="13800000000", unit_id=unit.id))
        need_workflow.dispatch(row, "accept", by=admin)
        need_workflow.publish(row, 1, by=admin)
        volunteer = f.volunteer(unit)
        need_signups.confirm(row, need_signups.sign_up(volunteer, row).id, by=admin)
        end = now() - timedelta(minutes=1)
        need_signups.record_service(row, volunteer.id, started_at=end - timedelta(minutes=30), ended_at=end, by=admin)
        row.wished_date = wished - timedelta(days=1) if wished == local_today() else wished  # one is now late
        need_workflow.mark_served(row, by=admin)
        results.append(row.served_on_time)
    assert results == [False, True]
