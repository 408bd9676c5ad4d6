"""The themes' and campaigns' figures travel into the files: the PDF and the XLSX of a unit's and
of the city's monthly bulletin, and of a half-year or annual review, carry the same rows the
pages show, in the reader's language; a month without campaigns has no such section."""
import io
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.models import Bulletin
from app.services import campaigns, posts, review_exports, reviews
from app.services.bulletins import campaigns as campaign_figures
from app.services.bulletins import quarters
from app.services.bulletins.exports import pdf_bytes, quarter_pdf_bytes, quarter_xlsx_bytes, xlsx_bytes
from app.services.bulletins.snapshots import generate_bulletins
from app.services.clock import local, now, start_of_day
from app.services.months import Month
from app.services.periods import Period
from tests import factories as f

CJK = re.compile(r"[\u3400-\u9fff]+")
MASKED = re.compile(r"[\u3400-\u9fff]\*+[\u3400-\u9fff]?")
SHEET = "主题与专项行动"
HEADER = ("主题或专项行动", "类型", "期间", "活动（场）", "参与志愿者（人）", "服务时长（小时）")


def pdf_text(data: bytes) -> str:
    """The PDF's text, a cell's wrapped lines joined by one space."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def no_chinese_but(text: str, names: list[str]) -> list[str]:
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return sorted(set(CJK.findall(MASKED.sub(" ", text))))


@pytest.fixture
def month_with_campaigns(db):
    """Last month: a 文明劝导 drive (a post's day: 2 + 1.5 approved hours by two volunteers of
    甲, 1 hour by one of 乙, one activity of 甲), a theme with
    an activity and no service, and a campaign whose name a spreadsheet would run as a formula."""
    office = f.platform_admin()
    a, b = f.unit("甲单位"), f.unit("乙单位")
    admin_a, admin_b = f.unit_admin(a), f.unit_admin(b)
    month = Month.of(now()).previous()
    first, last = local(month.start).date(), local(month.end - timedelta(seconds=1)).date()

    def campaign(name, kind="campaign"):
        return campaigns.create_campaign(
            campaigns.CampaignInput(name=name, kind=kind, starts_on=first, ends_on=last), by=office)

    drive, theme, formula = campaign("文明劝导"), campaign("学雷锋月", "theme"), campaign("=1+2")
    day = first + timedelta(days=2)
    noon = start_of_day(day) + timedelta(hours=12)
    post_a = posts.create_post(a.id, posts.PostInput(name="东门路口"), by=admin_a)
    post_b = posts.create_post(b.id, posts.PostInput(name="西门路口"), by=admin_b)
    campaigns.tag_post_days(drive, post_a, day, day, by=admin_a)
    campaigns.tag_post_days(drive, post_b, day, day, by=admin_b)
    for title, tag in (("路口劝导", drive), ("学雷锋集市", theme), ("公式", formula)):
        posts.create_activity(a.id, posts.ActivityInput(
            title=title, kind="service", starts_at=noon - timedelta(hours=4), ends_at=noon - timedelta(hours=3),
            campaign_id=tag.id), by=admin_a)
    f.give_hours(f.volunteer(a, name="王小明"), 2, post=post_a, end=noon)
    f.give_hours(f.volunteer(a, name="李小红"), 1.5, post=post_a, end=noon)
    f.give_hours(f.volunteer(b, name="赵小刚"), 1, post=post_b, end=noon)
    db.session.commit()
    generate_bulletins(month)
    db.session.commit()
    bulletins = {bulletin.unit_id: bulletin for bulletin in db.session.scalars(
        select(Bulletin).where(Bulletin.month == str(month)))}
    return {"office": office, "a": a, "b": b, "month": month, "first": first, "last": last,
            "bulletins": bulletins, "names": ["甲单位", "乙单位", "文明劝导", "学雷锋月", "东门路口", "西门路口"]}


def test_the_bulletins_pdf_lists_the_campaigns_with_their_figures(app, month_with_campaigns):
    world = month_with_campaigns
    period = f"{world['first']} – {world['last']}"
    unit_text = pdf_text(pdf_bytes(world["bulletins"][world["a"].id]))
    assert "主题与专项行动" in unit_text and "主题或专项行动" in unit_text and "期间" in unit_text
    # 甲: the drive's activity, two volunteers, 3.5 hours; the theme's activity and no service
    assert re.search(r"文明劝导\s*专项行动\s*" + re.escape(period) + r"\s*1\s*2\s*3\.5", unit_text), unit_text
    assert re.search(r"学雷锋月\s*月度主题\s*" + re.escape(period) + r"\s*1\s*0\s*0", unit_text)
    assert "=1+2" in unit_text
    # the city's bulletin counts both units: 3 volunteers, 4.5 hours
    city_text = pdf_text(pdf_bytes(world["bulletins"][None]))
    assert re.search(r"文明劝导\s*专项行动\s*" + re.escape(period) + r"\s*1\s*3\s*4\.5", city_text), city_text
    # 乙 took part in the drive only
    other_text = pdf_text(pdf_bytes(world["bulletins"][world["b"].id]))
    assert re.search(r"文明劝导\s*专项行动\s*" + re.escape(period) + r"\s*0\s*1\s*1", other_text)
    assert "学雷锋月" not in other_text


def test_the_english_bulletin_pdf_has_the_section_in_english(app, month_with_campaigns):
    world = month_with_campaigns
    with app.test_request_context(), force_locale("en"):
        text = pdf_text(pdf_bytes(world["bulletins"][world["a"].id]))
        city = pdf_text(pdf_bytes(world["bulletins"][None]))
    for content in (text, city):
        assert "Themes and campaigns" in content and "Theme or campaign" in content
        assert "Monthly theme" in content and "Campaign" in content, content
        assert no_chinese_but(content, world["names"]) == []
    assert re.search(r"文明劝导\s*Campaign\s*\S+\s*–\s*\S+\s*1\s*2\s*3\.5", text)


def test_the_bulletins_xlsx_has_a_sheet_of_the_campaigns(app, month_with_campaigns):
    world = month_with_campaigns
    period = f"{world['first']} – {world['last']}"
    bulletin = world["bulletins"][world["a"].id]
    book = load_workbook(io.BytesIO(xlsx_bytes(bulletin)))
    sheet = book[SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == HEADER
    assert rows[1:] == [
        ("'=1+2", "专项行动", period, 1, 0, 0),  # a name a spreadsheet would run stays text
        ("学雷锋月", "月度主题", period, 1, 0, 0),
        ("文明劝导", "专项行动", period, 1, 2, 3.5),
    ]
    assert all(cell.data_type == "s" for cell in sheet["A"])
    # the same rows the page shows: the bulletin's snapshot, which the month's figures made
    expected = campaign_figures.month_figures(world["month"])[world["a"].id]
    assert bulletin.figures["campaigns"] == expected
    assert [(r[3], r[4], r[5]) for r in rows[1:]] == [
        (c["activities"], c["volunteers"], c["hours"]) for c in expected]
    # the rows behind the hours stay the last sheet
    assert book.worksheets[-1].title == "志愿者时长明细"
    city = load_workbook(io.BytesIO(xlsx_bytes(world["bulletins"][None])))[SHEET]
    assert ("文明劝导", "专项行动", period, 1, 3, 4.5) in list(city.iter_rows(values_only=True))
    with app.test_request_context(), force_locale("en"):
        english = load_workbook(io.BytesIO(xlsx_bytes(bulletin)))
    assert "Themes and campaigns" in english.sheetnames
    assert list(english["Themes and campaigns"].iter_rows(values_only=True))[-1] == (
        "文明劝导", "Campaign", period, 1, 2, 3.5)


def test_a_month_without_campaigns_has_no_campaign_section(app, db):
    unit = f.unit("丙单位")
    month = Month.of(now()).previous()
    f.give_hours(f.volunteer(unit, name="孙小二"), 2, end=start_of_day(local(month.start).date() + timedelta(days=3))
                 + timedelta(hours=12))
    db.session.commit()
    generate_bulletins(month)
    db.session.commit()
    bulletin = db.session.scalar(select(Bulletin).where(Bulletin.unit_id == unit.id))
    assert bulletin.figures["campaigns"] == []
    assert "主题与专项行动" not in pdf_text(pdf_bytes(bulletin))
    assert SHEET not in load_workbook(io.BytesIO(xlsx_bytes(bulletin))).sheetnames


def test_the_reviews_pdf_and_xlsx_carry_the_campaigns_of_the_period(app, month_with_campaigns):
    world = month_with_campaigns
    office, a = world["office"], world["a"]
    period = f"{world['first']} – {world['last']}"
    review = reviews.make_draft(Period.parse(str(world["month"].year)), by=office)
    unit_page, city_page = reviews.view(review, a.id, office), reviews.view(review, None, office)
    assert unit_page["campaigns"] == [
        row for row in review.figures["units"] if row["unit_id"] == a.id][0]["campaigns"]
    unit_text = pdf_text(review_exports.pdf_bytes(unit_page))
    assert "主题与专项行动" in unit_text
    assert re.search(r"文明劝导\s*专项行动\s*" + re.escape(period) + r"\s*1\s*2\s*3\.5", unit_text), unit_text
    city_text = pdf_text(review_exports.pdf_bytes(city_page))
    assert re.search(r"文明劝导\s*专项行动\s*" + re.escape(period) + r"\s*1\s*3\s*4\.5", city_text), city_text
    book = load_workbook(io.BytesIO(review_exports.xlsx_bytes(unit_page)))
    rows = list(book[SHEET].iter_rows(values_only=True))
    assert rows[0] == HEADER
    assert rows[1:] == [
        ("'=1+2", "专项行动", period, 1, 0, 0),
        ("学雷锋月", "月度主题", period, 1, 0, 0),
        ("文明劝导", "专项行动", period, 1, 2, 3.5),
    ]
    city_rows = list(load_workbook(io.BytesIO(review_exports.xlsx_bytes(city_page)))[SHEET].iter_rows(
        values_only=True))
    assert ("文明劝导", "专项行动", period, 1, 3, 4.5) in city_rows
    with app.test_request_context(), force_locale("en"):
        english = pdf_text(review_exports.pdf_bytes(reviews.view(review, a.id, office)))
        english_book = load_workbook(io.BytesIO(review_exports.xlsx_bytes(reviews.view(review, None, office))))
    assert "Themes and campaigns" in english
    assert re.search(r"文明劝导\s*Campaign\s*\S+\s*–\s*\S+\s*1\s*2\s*3\.5", english)
    assert no_chinese_but(english, world["names"]) == []
    assert ("文明劝导", "Campaign", period, 1, 3, 4.5) in list(
        english_book["Themes and campaigns"].iter_rows(values_only=True))


def test_the_quarterly_review_page_pdf_and_xlsx_carry_the_campaigns_of_the_quarter(app, client, month_with_campaigns):
    world = month_with_campaigns
    month, a = world["month"], world["a"]
    quarter = (month.number - 1) // 3 + 1
    period = f"{world['first']} – {world['last']}"
    unit_review = quarters.quarter_review(a.id, month.year, quarter)
    city_review = quarters.quarter_review(None, month.year, quarter)
    start, end = Period("quarter", month.year, quarter).bounds()
    assert unit_review["campaigns"] == campaign_figures.figures(start, end)[a.id]
    assert [(c["campaign"], c["volunteers"], c["hours"]) for c in city_review["campaigns"]] == [
        ("=1+2", 0, 0), ("学雷锋月", 0, 0), ("文明劝导", 3, 4.5)]
    text = pdf_text(quarter_pdf_bytes(unit_review, "甲单位"))
    assert "主题与专项行动" in text
    assert re.search(r"文明劝导\s*专项行动\s*" + re.escape(period) + r"\s*1\s*2\s*3\.5", text), text
    rows = list(load_workbook(io.BytesIO(quarter_xlsx_bytes(city_review, "全市")))[SHEET].iter_rows(
        values_only=True))
    assert rows[0] == HEADER and ("文明劝导", "专项行动", period, 1, 3, 4.5) in rows
    with app.test_request_context(), force_locale("en"):
        english = pdf_text(quarter_pdf_bytes(unit_review, "甲单位"))
    assert "Themes and campaigns" in english and no_chinese_but(english, world["names"]) == []
    f.login(client, world["office"])
    page = client.get(f"/bulletins/quarter?year={month.year}&q={quarter}").get_data(as_text=True)
    assert 'id="campaign-figures"' in page and "文明劝导" in page and period in page
