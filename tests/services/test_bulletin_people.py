"""Bulletin figures about who serves: per service category (with a chart), the registration
rate against the target, Party-member volunteers and children as aggregates, units by kind;
in the page's rows, the PDF and the XLSX, and in English."""
import io
from datetime import date, timedelta

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db as _db
from app.models import Bulletin
from app.services import categories, children, headcounts, ledger, political, posts
from app.services.bulletins.exports import pdf_bytes, xlsx_bytes
from app.services.bulletins.labels import figure_rows
from app.services.bulletins.people import category_table
from app.services.bulletins.snapshots import generate_bulletins
from app.services.months import Month
from tests import factories as f
from tests.services.test_bulletins import beijing


def _category(name):
    return next(c.id for c in categories.list_categories() if c.name == name)


def _world(db):
    admin = f.platform_admin()
    unit, other = f.unit("甲单位", admin), f.unit("乙单位", admin)
    headcounts.set_profile(unit, kind="school", headcount=4, by=admin)
    headcounts.set_profile(other, kind="enterprise", headcount=1, by=admin)
    member, plain = f.volunteer(unit, name="张党员"), f.volunteer(unit, name="李群众")
    far = [f.volunteer(other, name="王五"), f.volunteer(other, name="赵六")]
    political.set_status(member, "party_member", consent=True, by=member.user)
    kid = children.register_child(plain, children.ChildInput(
        name="李小明", id_number=f.valid_id_number(date(2016, 5, 1)), relationship="father", consent=True), by=plain.user)
    for person in (member, plain, kid, *far):
        person.created_at = beijing(2025, 1, 1)
    health = posts.create_post(unit.id, posts.PostInput(name="义诊点", category_id=_category("医疗卫生")), by=admin)
    loose = posts.create_post(unit.id, posts.PostInput(name="临时岗"), by=admin)
    start = beijing(2026, 10, 5, 9)
    activity = posts.create_activity(unit.id, posts.ActivityInput(
        title="助学", kind="service", starts_at=start, ends_at=start + timedelta(hours=3), post_id=health.id,
        category_id=_category("助学支教")), by=admin)[0]
    ledger.create_record(member, started_at=start, ended_at=start + timedelta(hours=2), by=admin, post=health,
                         status="approved")
    ledger.create_record(plain, started_at=start, ended_at=start + timedelta(hours=1), by=admin, post=loose,
                         status="approved")
    ledger.create_record(kid, started_at=start, ended_at=start + timedelta(hours=1, minutes=30), by=admin,
                         post=health, status="approved")
    _db.session.commit()
    return {"unit": unit, "other": other, "activity": activity}


def test_the_month_bulletin_carries_the_figures(db):
    world = _world(db)
    generate_bulletins(Month(2026, 10))
    unit_fig = db.session.scalar(select(Bulletin).where(Bulletin.unit_id == world["unit"].id)).figures
    city_fig = db.session.scalar(select(Bulletin).where(Bulletin.unit_id.is_(None))).figures
    table = {label: (h, n, a) for label, h, n, a in category_table(unit_fig)}
    assert table["医疗卫生"] == (3.5, 2, 0) and table["未分类"] == (1.0, 1, 0) and table["助学支教"] == (0, 0, 1)
    # registration: two adults ÷ 4, the child on its own line
    assert unit_fig["registration_rate"] == 0.5 and unit_fig["registration_target"] == 100
    assert not unit_fig["registration_flagged"]
    assert (unit_fig["party_members"], unit_fig["party_member_hours"]) == (1, 2.0)
    assert (unit_fig["children"], unit_fig["children_hours"]) == (1, 1.5)
    other_fig = db.session.scalar(select(Bulletin).where(Bulletin.unit_id == world["other"].id)).figures
    assert other_fig["registration_rate"] == 1.0 and other_fig["registration_flagged"]  # 2 registered, 1 on the books
    kinds = {k["kind"]: k["units"] for k in city_fig["units_by_kind"]}
    assert kinds["school"] == 1 and kinds["enterprise"] == 1
    assert city_fig["registration_rate"] == 0.8  # 4 adults ÷ 5 on the books
    rows = dict(figure_rows(unit_fig))
    assert rows["志愿者登记率"].startswith("50.0%") and rows["党员志愿者（人）"] == "1"
    assert rows["少年儿童志愿者（人）"] == "1"
    assert "在册人数少于已登记人数" in dict(figure_rows(other_fig))["志愿者登记率"]
    assert "成员单位：学校" in dict(figure_rows(city_fig))


def test_pdf_and_xlsx_show_the_category_chart_and_figures_in_chinese_and_english(app, db):
    world = _world(db)
    generate_bulletins(Month(2026, 10))
    bulletin = db.session.scalar(select(Bulletin).where(Bulletin.unit_id == world["unit"].id))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_bytes(bulletin))).pages)
    assert "按服务类别统计" in text and "医疗卫生" in text and "志愿者登记率" in text and "党员志愿者" in text
    book = load_workbook(io.BytesIO(xlsx_bytes(bulletin)))
    sheet = book["服务类别"]
    assert [c.value for c in sheet[1]][:4] == ["服务类别", "服务时长（小时）", "服务记录（条）", "开展活动（场）"]
    assert len(sheet._charts) == 1
    main = {row[0]: row[1] for row in book["月通报"].values if row and len(row) > 1}
    assert main["少年儿童志愿者服务时长（小时）"] == "1.5"
    from flask_babel import force_locale
    with app.test_request_context(), force_locale("en"):
        english = dict(figure_rows(bulletin.figures))
        assert english["Registration rate"].startswith("50.0%") and english["Party-member volunteers"] == "1"
        assert ("Health care", 3.5, 2, 0) in category_table(bulletin.figures)
        assert "By service category" in "".join(
            p.extract_text() for p in PdfReader(io.BytesIO(pdf_bytes(bulletin))).pages)


def test_the_bulletin_page_shows_the_category_chart_and_the_registration_rate(client, db):
    world = _world(db)
    generate_bulletins(Month(2026, 10))
    bulletin = db.session.scalar(select(Bulletin).where(Bulletin.unit_id == world["unit"].id))
    f.login(client, f.unit_admin(world["unit"]))
    html = client.get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
    assert 'id="categoryChart"' in html and "医疗卫生" in html and "志愿者登记率" in html and "50.0%" in html
