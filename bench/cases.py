"""The benchmark cases: (name, callable, repeat, what it measures). Each case calls the same
service or page a user would, on the seeded database."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import User, Volunteer


def all_cases(app):
    from app.services import dashboard, ledger, stars, volunteer_home, volunteers
    from app.services.bulletins import figures
    from app.services.months import Month

    client = app.test_client()
    admin = db.session.scalar(select(User).where(User.role == "platform_admin"))
    if admin is None:
        from app.services import accounts
        admin = accounts.create_user(username="benchadmin", password="bench-pass-1",
                                     role="platform_admin", name="bench")
        db.session.commit()
    client.post("/login", data={"username": admin.username, "password": "bench-pass-1"})
    some_unit = db.session.scalar(select(Volunteer.unit_id).limit(1))

    yield ("ledger check (flask hours verify)", ledger.ledger_mismatches, 3,
           "cached totals against the sum of approved records, all volunteers")
    yield ("admin overview figures, city", lambda: dashboard.overview(None), 5, "dashboard aggregates")
    yield ("admin overview figures, one unit", lambda: dashboard.overview(some_unit), 5, "dashboard aggregates")
    yield ("volunteer search, page 1", lambda: volunteers.search(unit_id=some_unit, page=1), 10,
           "50 rows and the total")
    yield ("GET /admin/volunteers (page)", lambda: _ok(client.get("/admin/volunteers")), 10,
           "whole request, template included")
    yield ("GET /admin/ (page)", lambda: _ok(client.get("/admin/")), 10, "whole request")
    month = Month.current().previous()
    yield ("monthly bulletin figures, all units + city", lambda: figures.compute(month), 3,
           "every figure of every unit's bulletin: a fixed number of GROUP BY queries")
    yield ("records review list, one unit, page 1", lambda: ledger.search_records(unit_id=some_unit, status="approved"),
           10, "50 records and the total")
    yield from _scan_cases(app)
    busiest = db.session.scalar(select(Volunteer).order_by(Volunteer.approved_seconds.desc()).limit(1))
    yield ("volunteer home figures, busiest volunteer", lambda: volunteer_home.home(busiest), 10,
           "totals, month/year hours, 12-month chart, recent records")
    yield ("regrade everyone (threshold change)", lambda: stars.regrade_all(by=None, table={
        1: 90, 2: 280, 3: 590, 4: 990, 5: 1490}), 3, "one UPDATE with CASE + one INSERT … SELECT of events")


def _ok(response):
    assert response.status_code == 200, response.status_code
    return response.status_code


def _scan_cases(app):
    """Check-in and check-out through the scan service, one volunteer after another."""
    from datetime import timedelta

    from app.models import Post
    from app.services import attendance, posts
    from app.services.clock import now
    post = db.session.scalar(select(Post).limit(1))
    url = posts.scan_url(post)
    people = list(db.session.scalars(select(Volunteer).where(Volunteer.unit_id == post.unit_id)
                                     .order_by(Volunteer.id.desc()).limit(50)))
    state = {"i": 0}

    def check_in_and_out():
        volunteer = people[state["i"] % len(people)]
        state["i"] += 1
        attendance.scan(volunteer, url, at=now() - timedelta(minutes=50))
        attendance.scan(volunteer, url, at=now() - timedelta(minutes=5))
        db.session.commit()

    yield ("scan: check in + check out (service, commit)", check_in_and_out, 20,
           "decode the signed code, lock the volunteer, two ledger writes")
