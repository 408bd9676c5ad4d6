"""The evidence journey of the organisation model: the platform admin builds a team and a
project, a volunteer joins through the project's page, the unit admin records an activity of
the project with people served and a photo, and the platform admin's assessment ZIP opens with
its index, which leads to the photo, kept without EXIF."""
from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from app.models import Activity, Project, ProjectSignup
from app.services.clock import local, local_today, now
from app.services.months import Month
from tests import factories as f
from tests.browser.helpers import check_a11y, read, shot
from tests.browser.test_foundation import log_in
from tests.browser.test_organisation_journey import nav_link
from tests.services.test_photos import jpeg_with_gps

pytestmark = pytest.mark.browser


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])


def links_of(html: bytes) -> list[str]:
    parser = Links()
    parser.feed(html.decode("utf-8"))
    return parser.hrefs


def test_a_project_an_activity_with_a_photo_and_the_assessment_zip(app, browser_context, phone):
    admin = f.platform_admin("assessor")
    unit = f.unit("柳岸街道")
    unit_admin = f.unit_admin(unit, "liuan")
    volunteer = f.volunteer(unit, name="岸小青")
    page = browser_context("desktop").new_page()
    log_in(page, admin.username)

    nav_link(page, "志愿服务队").click()
    page.get_by_label("队伍名称").fill("柳岸志愿服务大队")
    page.get_by_label("层级").select_option(label="总队")
    page.get_by_label("所属成员单位").select_option(label="柳岸街道")
    page.get_by_role("button", name="建立队伍").click()
    expect(page.get_by_role("alert").filter(has_text="已建立“柳岸志愿服务大队”")).to_be_visible()

    nav_link(page, "项目").click()
    page.get_by_label("项目名称").fill("护河行动")
    page.get_by_label("项目宗旨").fill("清理河岸，劝导不文明行为。")
    page.get_by_label("开始日期").fill((local_today() - timedelta(days=40)).isoformat())
    page.get_by_label("结束日期").fill((local_today() + timedelta(days=60)).isoformat())
    page.get_by_label("负责单位").select_option(label="柳岸街道")
    page.get_by_label("计划服务人次").fill("1000")
    page.get_by_role("button", name="发布项目").click()
    expect(page.get_by_role("alert").filter(has_text="已发布项目“护河行动”")).to_be_visible()
    project_id = read(select(Project.id).where(Project.title == "护河行动"))

    phone.goto(f"/projects/{project_id}")
    phone.get_by_role("link", name="登录后报名").click()
    phone.get_by_label("用户名或手机号").fill(volunteer.phone)
    phone.get_by_label("密码", exact=True).fill(f.PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.get_by_role("button", name="报名参加").click()
    expect(phone.get_by_role("alert").filter(has_text="报名成功")).to_be_visible()
    assert read(select(ProjectSignup.volunteer_id).where(ProjectSignup.project_id == project_id)) == volunteer.id

    # the unit admin records the activity it held this morning, with people served and a photo
    office = browser_context("desktop").new_page()
    log_in(office, unit_admin.username)
    nav_link(office, "活动").click()
    start = local(now() - timedelta(hours=3)).replace(second=0, microsecond=0)
    office.get_by_label("活动名称").fill("河岸清洁")
    office.get_by_label("开始时间").fill(start.strftime("%Y-%m-%dT%H:%M"))
    office.get_by_label("结束时间").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    office.get_by_label("所属项目（不选则按服务岗）").select_option(label="护河行动")
    office.get_by_role("button", name="发布活动").click()
    expect(office.get_by_role("alert").filter(has_text="已发布活动“河岸清洁”")).to_be_visible()
    office.get_by_role("link", name="台账资料").first.click()
    expect(office.get_by_role("heading", name="河岸清洁", level=1)).to_be_visible()
    office.get_by_label("服务人次").fill("58")
    office.get_by_label("照片（JPEG").set_input_files(
        {"name": "河岸.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps((1200, 900))})
    office.get_by_role("button", name="保存台账资料").click()
    expect(office.get_by_role("alert").filter(has_text="已保存活动台账资料")).to_be_visible()
    thumbnail = office.get_by_role("img", name="台账照片 1")
    expect(thumbnail).to_be_visible()
    # the thumbnail is lazy: bring it into view, then wait until the browser has decoded it
    thumbnail.scroll_into_view_if_needed()
    office.wait_for_function(
        "() => { const img = document.querySelector('#evidence-photos img');"
        " return img.complete && img.naturalWidth > 0; }")
    check_a11y(office)
    shot(office, "activity-evidence")
    activity_start = read(select(Activity.starts_at).where(Activity.title == "河岸清洁"))

    page.goto(f"/projects/{project_id}")
    expect(page.locator("#project-beneficiaries")).to_have_text("58 / 1000")

    nav_link(page, "测评资料").click()
    expect(page.get_by_role("heading", name="测评资料", level=1)).to_be_visible()
    check_a11y(page)
    page.get_by_label("期间（如 2026-10、2026-Q3 或 2026）").fill(str(Month.of(activity_start)))
    page.get_by_label("成员单位").select_option(label="全部成员单位")
    with page.expect_download() as info:
        page.get_by_role("button", name="下载测评资料（ZIP）").click()
    download = info.value
    assert download.suggested_filename.endswith("-city.zip")
    with zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read())) as archive:
        index = links_of(archive.read("index.html"))
        folder = f"unit-{unit.id}"
        assert f"{folder}/activities.html" in index and f"{folder}/records.xlsx" in index
        assert "柳岸街道" in archive.read("index.html").decode()
        page_html = archive.read(f"{folder}/activities.html")
        assert "河岸清洁" in page_html.decode() and "58" in page_html.decode()
        [photo] = [h for h in links_of(page_html) if h.endswith(".jpg")]
        image = Image.open(io.BytesIO(archive.read(f"{folder}/{photo}")))
        assert image.format == "JPEG" and dict(image.getexif()) == {}
