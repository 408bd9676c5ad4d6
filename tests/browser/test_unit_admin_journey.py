"""The unit admin's journey on an office PC (1366×900): create a service post, print its QR
poster, approve the waiting records in one go, import a spreadsheet of records, read the
month's bulletin and download its PDF."""
import io
from datetime import timedelta

import pytest
import zxingcpp
from openpyxl import Workbook
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import func, select

from app import scheduling as scheduler
from app.extensions import db
from app.jobs import JOBS_BY_NAME
from app.models import Post, ServiceRecord, Volunteer
from app.services import ledger
from app.services.clock import now, previous_month
from tests import factories as f
from tests.browser.helpers import check_a11y, read, settle, shot, writing
from tests.browser.test_foundation import log_in
from tests.browser.test_platform_admin_journey import nav_link

pytestmark = pytest.mark.browser


def spreadsheet(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["志愿者编号", "开始时间", "结束时间", "服务岗", "备注"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_unit_admin_journey(app, live_server, desktop):
    unit = f.unit("阳光街道")
    admin = f.unit_admin(unit, username="yangguang")
    people = [f.volunteer(unit, name=name) for name in ("周一", "吴二")]
    numbers = [v.volunteer_no for v in people]
    settle()
    page = desktop
    log_in(page, admin.username)

    # A new service post, and its QR poster.
    nav_link(page, "服务岗").click()
    check_a11y(page)
    page.get_by_role("link", name="新建服务岗").first.click()
    page.get_by_label("服务岗名称").fill("文化广场服务岗")
    page.get_by_label("地址").fill("文化广场东门")
    check_a11y(page)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert").filter(has_text="已创建服务岗“文化广场服务岗”")).to_be_visible()
    poster = page.get_by_role("img", name="文化广场服务岗 的二维码海报")
    expect(poster).to_be_visible()
    scan_url = page.locator(".text-break").inner_text().strip()
    assert scan_url.startswith(live_server.url + "/s/")
    png = page.request.get(poster.get_attribute("src"))
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.body())))
    assert [c.text for c in decoded] == [scan_url]
    shot(page, "unit-post-poster")
    check_a11y(page)
    # The print button opens the poster's PDF (Chromium shows it in its viewer).
    pdf_link = page.get_by_role("link", name="打印海报（PDF）")
    answer = page.request.get(pdf_link.get_attribute("href"))
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(answer.body()))
    assert len(pdf.pages) == 1
    assert "文化广场服务岗" in pdf.pages[0].extract_text()

    # Volunteers served at the post; their records wait for review.
    post = read(select(Post).where(Post.name == "文化广场服务岗"))
    end = now() - timedelta(days=1)
    with writing():
        for volunteer, hours in ((people[0], 2), (people[1], 3), (people[0], 1.5)):
            ledger.create_record(volunteer, started_at=end - timedelta(hours=hours), ended_at=end, by=None,
                                 source="scan", post=post, status="pending")
            end -= timedelta(hours=4)

    # Approve them in one go.
    nav_link(page, "服务记录").click()
    rows = page.get_by_role("row").filter(has_text="文化广场服务岗")
    expect(rows).to_have_count(3)
    check_a11y(page)
    page.get_by_role("checkbox", name="全选").check()
    shot(page, "unit-records-review")
    page.get_by_role("button", name="通过所选记录").click()
    expect(page.get_by_role("alert").filter(has_text="已审核通过3条记录")).to_be_visible()
    settle()
    hours = {v.name: v.approved_seconds / 3600 for v in db.session.scalars(
        select(Volunteer).where(Volunteer.id.in_([p.id for p in people])))}
    assert hours == {"周一": 3.5, "吴二": 3}
    db.session.commit()

    # Import a spreadsheet: a file with a bad row imports nothing and says which row.
    last_month = previous_month()
    day = f"{last_month}-15"  # last month: the month its bulletin counts
    good = [[numbers[0], f"{day} 09:00", f"{day} 11:00", "文化广场服务岗", "周末值守"],
            [numbers[1], f"{day} 14:00", f"{day} 17:30", "", "社区活动"]]
    page.get_by_role("link", name="导入表格").click()
    check_a11y(page)
    upload = page.get_by_label("表格文件（.xlsx 或 .csv）")
    upload.set_input_files(files=[{"name": "records.xlsx", "buffer": spreadsheet(
        good + [["ZY9999999999", f"{day} 09:00", f"{day} 10:00", "", ""]]),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.get_by_role("button", name="上传并核对列").click()
    expect(page.locator("#problems")).to_contain_text("第4行 · 志愿者编号：志愿者编号不存在")
    check_a11y(page)
    assert read(select(func.count()).select_from(ServiceRecord).where(ServiceRecord.source == "import")) == 0

    page.get_by_role("link", name="重新上传").click()
    page.get_by_label("表格文件（.xlsx 或 .csv）").set_input_files(files=[{
        "name": "records.xlsx", "buffer": spreadsheet(good),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.get_by_role("button", name="上传并核对列").click()
    expect(page.locator("#preview-ok")).to_contain_text("全部2行可以导入")
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_role("alert").filter(has_text="已导入2条服务记录")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="导入")).to_have_count(2)
    shot(page, "unit-records-imported")
    check_a11y(page)
    assert read(select(func.count()).select_from(ServiceRecord).where(ServiceRecord.source == "import")) == 2

    # On the 1st the scheduler makes last month's bulletins; the admin reads this unit's.
    run = scheduler.execute(JOBS_BY_NAME["monthly_bulletins"])
    assert run.status == "ok" and run.counts["created"] >= 1
    settle()
    nav_link(page, "月通报").click()
    check_a11y(page)
    page.get_by_role("link", name=last_month).click()
    year, month = int(last_month[:4]), int(last_month[5:])
    title = f"阳光街道 {year}年{month}月志愿服务月通报"
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.locator("main")).to_contain_text("5.5")  # 2 h + 3.5 h imported for that month
    shot(page, "unit-bulletin", docs=True)
    check_a11y(page)
    pdf_link = page.get_by_role("link", name="下载PDF")
    answer = page.request.get(pdf_link.get_attribute("href"))
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.body())).pages)
    assert "阳光街道" in text and f"{year}年{month}月" in text
