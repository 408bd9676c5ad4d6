"""The assessment export (测评资料): one ZIP per request with, per unit, its figures, bulletin
PDFs, activities with photos and records XLSX, linked from index.html; a unit admin gets only
its own unit."""
from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from app.services import assessment, evidence, posts
from app.services.bulletins import snapshots
from app.services.clock import local_today
from app.services.errors import Forbidden, ValidationFailed
from app.services.inputs import Upload
from app.services.months import Month
from app.services.periods import Period
from tests import factories as f
from tests.services.test_photos import jpeg_with_gps


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.text = [], []

    def handle_starttag(self, tag, attrs):
        if tag in ("a", "img"):
            self.hrefs.append(dict(attrs).get("href") or dict(attrs).get("src"))

    def handle_data(self, data):
        self.text.append(data)


def parsed(html: bytes) -> Links:
    links = Links()
    links.feed(html.decode("utf-8"))
    return links


def _month_with_evidence(admin, unit):
    month = Month.current().previous()
    start = month.start + timedelta(days=4)
    post = posts.create_post(unit.id, posts.PostInput(name="测评岗"), by=admin)
    activity = posts.create_activity(unit.id, posts.ActivityInput(
        title="测评活动", kind="service", starts_at=start, ends_at=start + timedelta(hours=2), post_id=post.id),
        by=admin)[0]
    evidence.keep_activity_evidence(activity, beneficiaries=66, by=admin,
                                    uploads=[Upload("现场.jpg", jpeg_with_gps((900, 600)))])
    evidence.keep_post_day(post, month.first_day() + timedelta(days=1), beneficiaries=4, note="晨间", by=admin,
                           uploads=[Upload("岗.jpg", jpeg_with_gps((600, 400)))])
    volunteer = f.volunteer(unit, name="测评甲")
    f.give_hours(volunteer, 3, post=post, end=start + timedelta(hours=5))
    snapshots.generate_bulletins(month, by=admin)
    return month


def test_the_zip_has_an_index_linking_figures_bulletins_activities_photos_and_records(db):
    admin = f.platform_admin()
    unit, other = f.unit("测评单位"), f.unit("另一单位")
    month = _month_with_evidence(admin, unit)
    made = assessment.build_assessment(Period.parse(str(month)), by=admin)
    assert made.filename == f"assessment-{month}-city.zip"
    with zipfile.ZipFile(made.file) as archive:
        names = set(archive.namelist())
        index = parsed(archive.read("index.html"))
        text = "".join(index.text)
        assert "测评单位" in text and "另一单位" in text and "服务人次" in text
        assert set(index.hrefs) <= names  # every link opens a file of the ZIP
        folder = f"unit-{unit.id}"
        pdf = f"{folder}/bulletins/bulletin-{month}.pdf"
        assert pdf in index.hrefs and f"unit-{other.id}/bulletins/bulletin-{month}.pdf" in names
        assert len(PdfReader(io.BytesIO(archive.read(pdf))).pages) >= 1
        sheet = load_workbook(io.BytesIO(archive.read(f"{folder}/records.xlsx"))).active
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        assert rows[0][:3] == ["记录编号", "志愿者编号", "姓名"] and rows[1][2] == "测评甲" and rows[1][-1] == 3
        assert "*" in rows[1][3]  # the ID number is masked
        page = parsed(archive.read(f"{folder}/activities.html"))
        assert "测评活动" in "".join(page.text) and "66" in page.text and "晨间" in page.text
        photos = sorted({h for h in page.hrefs if h.endswith(".jpg")})
        assert len(photos) == 2
        for href in photos:
            image = Image.open(io.BytesIO(archive.read(f"{folder}/{href}")))
            assert image.format == "JPEG" and dict(image.getexif()) == {} and "exif" not in image.info
    made.file.close()


def test_a_unit_admin_exports_only_its_own_unit(db):
    admin = f.platform_admin()
    unit, other = f.unit(), f.unit()
    _month_with_evidence(admin, unit)
    own = f.unit_admin(unit)
    made = assessment.build_assessment(Period.parse(str(Month.current().previous().year)), by=own)
    with zipfile.ZipFile(made.file) as archive:
        folders = {name.split("/")[0] for name in archive.namelist() if "/" in name}
    assert folders == {f"unit-{unit.id}"}
    with pytest.raises(Forbidden):
        assessment.build_assessment(Period.parse("2026"), unit_id=other.id, by=own)
    with pytest.raises(Forbidden):
        assessment.build_assessment(Period.parse("2026"), by=f.volunteer(unit).user)
    future = local_today().year + 1
    with pytest.raises(ValidationFailed) as refused:
        assessment.build_assessment(Period.parse(str(future)), by=admin)
    assert "period" in refused.value.fields
