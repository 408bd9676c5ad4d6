"""People served (服务人次) summed: on a project to date, and in a month's bulletins per unit
and for the city (activities held in the month, not cancelled, and posts' days in it)."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from app.models import Bulletin
from app.services import evidence, posts, projects
from app.services.bulletins import exports, labels, snapshots
from app.services.clock import local_today, now
from app.services.months import Month
from tests import factories as f


def _activity(unit, admin, start, **extra):
    return posts.create_activity(unit.id, posts.ActivityInput(
        title="活动", kind="service", starts_at=start, ends_at=start + timedelta(hours=2), **extra), by=admin)[0]


def test_a_projects_page_figures_sum_people_served_by_its_activities_and_posts_days(db):
    admin = f.platform_admin()
    unit = f.unit()
    project = projects.create_project(projects.ProjectInput(
        title="关爱老人", purpose="陪伴", starts_on=local_today() - timedelta(days=30),
        ends_on=local_today() + timedelta(days=30), unit_id=unit.id), by=admin)
    post = posts.create_post(unit.id, posts.PostInput(name="项目岗", project_id=project.id), by=admin)
    other_post = posts.create_post(unit.id, posts.PostInput(name="别的岗"), by=admin)
    yesterday = now() - timedelta(days=1)
    held = _activity(unit, admin, yesterday, project_id=project.id)
    cancelled = _activity(unit, admin, yesterday - timedelta(days=1), project_id=project.id)
    outside = _activity(unit, admin, yesterday)
    for activity, served in ((held, 50), (cancelled, 7), (outside, 900)):
        evidence.keep_activity_evidence(activity, beneficiaries=served, by=admin)
    cancelled.is_cancelled = True
    evidence.keep_post_day(post, local_today(), beneficiaries=12, by=admin)
    evidence.keep_post_day(post, local_today() - timedelta(days=1), beneficiaries=None, note="无统计", by=admin)
    evidence.keep_post_day(other_post, local_today(), beneficiaries=300, by=admin)
    assert projects.figures(project).beneficiaries == 62


def test_the_months_bulletins_sum_people_served_per_unit_and_for_the_city(db):
    admin = f.platform_admin()
    a, b = f.unit(), f.unit()
    month = Month.current().previous()
    in_month = month.start + timedelta(days=3)
    for unit, served in ((a, 40), (b, 5)):
        evidence.keep_activity_evidence(_activity(unit, admin, in_month), beneficiaries=served, by=admin)
    evidence.keep_activity_evidence(_activity(a, admin, month.start - timedelta(days=2)), beneficiaries=1000, by=admin)
    post = posts.create_post(a.id, posts.PostInput(name="便民岗"), by=admin)
    evidence.keep_post_day(post, month.first_day(), beneficiaries=8, by=admin)
    evidence.keep_post_day(post, month.next().first_day(), beneficiaries=2000, by=admin)  # the next month's
    snapshots.generate_bulletins(month, by=admin)
    bulletins = {b_.unit_id: b_ for b_ in db.session.scalars(select(Bulletin).where(Bulletin.month == str(month)))}
    assert bulletins[a.id].figures["beneficiaries"] == 48
    assert bulletins[b.id].figures["beneficiaries"] == 5
    assert bulletins[None].figures["beneficiaries"] == sum(
        x.figures["beneficiaries"] for u, x in bulletins.items() if u is not None) == 53
    assert ("服务人次", "48") in labels.figure_rows(bulletins[a.id].figures)
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes(bulletins[a.id]))).active
    assert ["服务人次", "48"] in [[c.value for c in row][:2] for row in sheet.iter_rows()]
    assert exports.pdf_bytes(bulletins[a.id]).startswith(b"%PDF")


def test_a_bulletin_made_before_the_figure_existed_shows_no_row():
    from app.services.bulletins import evidence as bulletin_evidence

    assert bulletin_evidence.rows({"registered_volunteers": 1}) == []


def test_each_station_has_its_months_figures_and_a_unit_sees_the_stations_it_is_paired_with(db):
    from app.services import ledger, places

    admin = f.platform_admin()
    centre = places.create_place(name="通报中心", level="centre", by=admin)
    institute = places.create_place(name="通报所", level="institute", parent_id=centre.id, by=admin)
    other_institute = places.create_place(name="别的所", level="institute", parent_id=centre.id, by=admin)
    s1, s2 = (places.create_place(name=n, level="station", parent_id=institute.id, by=admin) for n in ("甲站", "乙站"))
    places.create_place(name="丙站", level="station", parent_id=other_institute.id, by=admin)
    a, b, c = f.unit(), f.unit(), f.unit()
    places.pair(s1, a.id, by=admin)
    places.pair(institute, b.id, by=admin)
    month = Month.current().previous()
    in_month = month.start + timedelta(days=2)
    post = posts.create_post(a.id, posts.PostInput(name="甲站岗", station_id=s1.id), by=admin)
    at_s1 = _activity(a, admin, in_month, post_id=post.id)
    at_s2 = _activity(b, admin, in_month + timedelta(days=1), station_id=s2.id)
    cancelled = _activity(b, admin, in_month, station_id=s2.id)
    cancelled.is_cancelled = True
    evidence.keep_activity_evidence(at_s1, beneficiaries=20, by=admin)
    evidence.keep_post_day(post, month.first_day(), beneficiaries=5, by=admin)
    va, vb = f.volunteer(a, name="站甲"), f.volunteer(b, name="站乙")
    f.give_hours(va, 2, post=post, end=in_month + timedelta(hours=3))
    f.give_hours(vb, 1, post=post, end=in_month + timedelta(hours=6))
    ledger.create_record(vb, started_at=in_month + timedelta(days=1), ended_at=in_month + timedelta(days=1, hours=3),
                         by=admin, activity=at_s2, unit_id=b.id)
    f.give_hours(va, 4, post=post, end=month.start - timedelta(days=1))  # the month before
    snapshots.generate_bulletins(month, by=admin)
    by_unit = {x.unit_id: x.figures["stations"]
               for x in db.session.scalars(select(Bulletin).where(Bulletin.month == str(month)))}
    city = {row["name"]: row for row in by_unit[None]}
    assert [row["name"] for row in by_unit[None]] == ["甲站", "乙站", "丙站"]
    assert {k: city["甲站"][k] for k in ("activities", "volunteers", "hours", "beneficiaries")} == {
        "activities": 1, "volunteers": 2, "hours": 3, "beneficiaries": 25}
    assert {k: city["乙站"][k] for k in ("activities", "volunteers", "hours", "beneficiaries")} == {
        "activities": 1, "volunteers": 1, "hours": 3, "beneficiaries": 0}
    assert city["丙站"]["activities"] == city["丙站"]["hours"] == 0
    # the pairing unit sees its stations (directly, or through the institute), another none
    assert [row["name"] for row in by_unit[a.id]] == ["甲站"]
    assert [row["name"] for row in by_unit[b.id]] == ["甲站", "乙站"]
    assert by_unit[c.id] == []
    bulletin_b = db.session.scalar(select(Bulletin).where(Bulletin.unit_id == b.id))
    book = load_workbook(io.BytesIO(exports.xlsx_bytes(bulletin_b)))
    assert [[c.value for c in r] for r in book["实践站"].iter_rows(min_row=2)] == [
        ["甲站", 1, 2, 3, 25], ["乙站", 1, 1, 3, 0]]
