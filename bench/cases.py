"""The benchmark cases: (name, callable, repeat, what it measures). Each case calls the same
service or page a user would, on the seeded database."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import User, Volunteer


def all_cases(app):
    from app.services import dashboard, ledger, stars, volunteer_home, volunteers

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
    busiest = db.session.scalar(select(Volunteer).order_by(Volunteer.approved_seconds.desc()).limit(1))
    yield ("volunteer home figures, busiest volunteer", lambda: volunteer_home.home(busiest), 10,
           "totals, month/year hours, 12-month chart, recent records")
    yield ("regrade everyone (threshold change)", lambda: stars.regrade_all(by=None, table={
        1: 90, 2: 280, 3: 590, 4: 990, 5: 1490}), 3, "one UPDATE with CASE + one INSERT … SELECT of events")


def _ok(response):
    assert response.status_code == 200, response.status_code
    return response.status_code
