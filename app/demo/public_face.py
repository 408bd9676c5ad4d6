"""Demo data of the public face: a supervisor with a report routed to a unit, three published
column items (one a story whose volunteer agreed to be named), and an open 公示 of last month's
美德之星 with a residents' vote."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from app.models import Unit, User, Volunteer
from app.services import column, commendations, reports, supervisors
from app.services.column import Draft
from app.services.inputs import Upload
from app.services.months import Month


def _photo(name: str, colour: tuple[int, int, int]) -> Upload:
    """A small picture drawn here, so the demo needs no image files."""
    image = Image.new("RGB", (640, 420), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 260, 600, 380), fill=(255, 255, 255))
    draw.ellipse((260, 60, 380, 180), fill=(255, 220, 80))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return Upload(name, out.getvalue())


def load(admin: User, unit_list: list[Unit], people: list[Volunteer]) -> None:
    _report(admin, unit_list, people)
    _column(admin, unit_list, people)
    _posting(admin, unit_list, people)


def _report(admin: User, unit_list: list[Unit], people: list[Volunteer]) -> None:
    supervisor = people[0]
    supervisors.appoint(supervisor, by=admin)
    reports.set_credit_minutes(30, by=admin)
    report = reports.file_report(
        supervisor,
        reports.ReportInput(
            category="sanitation",
            text="阳光社区东门垃圾桶满溢，周边有散落垃圾。",
            lat=30.2741,
            lng=120.1551,
            address="阳光社区东门",
        ),
        [_photo("east-gate.jpg", (90, 140, 90))],
    )
    reports.route(report, unit_id=unit_list[1].id, note="请街道核实处理", by=admin)


def _column(admin: User, unit_list: list[Unit], people: list[Volunteer]) -> None:
    unit_admin = _unit_admin(unit_list[1])
    items = [
        column.create_draft(
            Draft(
                "news",
                "学雷锋月：阳光街道百名志愿者清洁家园",
                "三月五日，阳光街道组织志愿者清理小区楼道、绿地，共清运垃圾两吨。",
            ),
            by=unit_admin or admin,
            uploads=[_photo("clean-up.jpg", (60, 120, 200))],
        ),
        column.create_draft(
            Draft(
                "news",
                "我们的节日·重阳：为社区老人义诊",
                "市民政局联合社区卫生服务中心，为八十余位老人测量血压、讲解用药。",
            ),
            by=admin,
            uploads=[_photo("clinic.jpg", (200, 120, 60))],
        ),
        column.create_draft(
            Draft(
                "story",
                "路口的红马甲",
                "每天早晚高峰，她都在阳光路口劝导行人文明过街，三年来从未间断。",
                volunteer_no=people[1].volunteer_no,
            ),
            by=admin,
            uploads=[_photo("crossing.jpg", (200, 40, 40))],
        ),
    ]
    for item in items:
        column.submit(item, by=admin)
    column.answer_consent(items[2], people[1], agree=True)
    for item in items:
        column.approve(item, by=admin)


def _unit_admin(unit: Unit) -> User | None:
    from sqlalchemy import select

    from app.extensions import db

    return db.session.scalar(select(User).where(User.role == "unit_admin", User.unit_id == unit.id))


def _posting(admin: User, unit_list: list[Unit], people: list[Volunteer]) -> None:
    month = Month.current().previous()
    item = commendations.create(
        honour="美德之星",
        period_kind="month",
        period=f"{month.year}-{month.number:02d}",
        posting_days=7,
        by=admin,
    )
    named = commendations.add_nominee(
        item, citation="三年坚持路口文明劝导，风雨无阻。", volunteer=people[1], by=admin
    )
    commendations.answer_consent(named, people[1], agree=True)
    commendations.add_nominee(
        item, citation="组织邻里守望，探访空巢老人百余次。", volunteer=people[3], by=admin
    )
    commendations.add_nominee(
        item, citation="结对包保实践站，常态开展志愿服务。", unit=unit_list[1], by=admin
    )
    commendations.post(item, by=admin, vote=True)
