"""The hot pages and API calls read service_records through an index, never by a sequential
scan: PostgreSQL's own plans, on a small seeded database with real statistics (VACUUM
ANALYZE), no planner switches turned off."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Volunteer
from bench import plans
from tests.factories import login, platform_admin

pytestmark = pytest.mark.skipif(os.environ.get("TEST_DB", "sqlite") != "postgres",
                                reason="query plans are PostgreSQL's")

SEEDED_PASSWORD = "perf-password-1"


@pytest.fixture
def seeded(app, db):
    from app import perf
    for _ in perf.seed(3000, 60000, units=10):
        pass
    db.session.commit()
    perf.vacuum()
    first = db.session.scalar(select(Volunteer).where(Volunteer.volunteer_no.like("PF%")).order_by(Volunteer.id))
    some = db.session.scalar(select(Volunteer).where(Volunteer.volunteer_no.like("PF%"))
                             .order_by(Volunteer.id.desc()).offset(100).limit(1))
    return first, some


def plans_of(app, db, fn) -> list[dict]:
    with plans.recording(db.engine) as seen:
        response = fn()
    assert response.status_code == 200, response.status_code
    assert seen, "no SELECT recorded"
    return plans.explain(db.engine, seen, analyze=False)


def test_admin_pages_read_records_and_volunteers_by_index(app, db, client, seeded):
    from app.services.clock import local_today
    _busiest, some = seeded
    login(client, platform_admin())
    since = (local_today() - timedelta(days=90)).isoformat()
    pages = {
        "review list, approved": f"/admin/records/?unit_id={some.unit_id}&status=approved",
        "review list, approved, last 90 days": f"/admin/records/?unit_id={some.unit_id}&status=approved&from={since}",
        "review list, pending": f"/admin/records/?unit_id={some.unit_id}",
        "search by name": f"/admin/volunteers?q={some.name}",
        "search by volunteer number": f"/admin/volunteers?q={some.volunteer_no}",
        "search by phone": f"/admin/volunteers?q={some.phone}",
    }
    for what, url in pages.items():
        summaries = plans_of(app, db, lambda url=url: client.get(url))
        assert plans.seq_scanned(summaries, "service_records") == [], what
        if what.startswith("search"):
            assert plans.seq_scanned(summaries, "volunteers") == [], what
    by_name = plans_of(app, db, lambda: client.get(f"/admin/volunteers?q={some.name}"))
    assert any("ix_volunteers_name" in scan for s in by_name for scan in s["index_scans"]), by_name


def test_volunteer_home_and_get_me_read_records_by_index(app, db, client, seeded):
    busiest, _some = seeded
    login(client, busiest.user.username, SEEDED_PASSWORD)
    summaries = plans_of(app, db, lambda: client.get("/me/"))
    assert plans.seq_scanned(summaries, "service_records") == []
    token = client.post("/api/v1/tokens", json={"username": busiest.user.username,
                                                "password": SEEDED_PASSWORD}).json["token"]
    summaries = plans_of(app, db, lambda: client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}))
    assert plans.seq_scanned(summaries, "service_records") == []


def test_city_overview_and_top_volunteers_read_the_rollups_not_the_ledger(app, db, client, seeded):
    from app.services.bulletins.figures import top_volunteers
    from app.services.months import Month
    login(client, platform_admin())
    summaries = plans_of(app, db, lambda: client.get("/admin/"))
    assert plans.seq_scanned(summaries, "service_records") == []
    assert plans.seq_scanned(summaries, "volunteers") == []  # counts from unit_star_counts
    with plans.recording(db.engine) as seen:
        tops = top_volunteers(Month.current().previous())
    assert tops[None], "the seed has last month's service"
    summaries = plans.explain(db.engine, seen, analyze=False)
    for table in ("service_records", "volunteers", "volunteer_months"):
        assert plans.seq_scanned(summaries, table) == [], (table, summaries)
