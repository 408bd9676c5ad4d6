"""Bulletin pages, downloads, generation in the portal, the job log, the API and the CLI."""
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.models import Volunteer
from app.services import ledger
from app.services.bulletins.figures import targets
from app.services.bulletins.snapshots import list_bulletins
from app.services.months import Month
from tests import factories as f

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def scene(app, db):
    a, b = f.unit("甲单位"), f.unit("乙单位")
    volunteer = f.volunteer(a)
    start = datetime(2026, 10, 8, 9, tzinfo=BEIJING)
    ledger.create_record(volunteer, started_at=start, ended_at=start + timedelta(hours=4), by=None)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["bulletins", "generate", "--month", "2026-10"])
    assert result.exit_code == 0 and "created 3" in result.output
    again = app.test_cli_runner().invoke(args=["bulletins", "generate", "--month", "2026-10"])
    assert "created 0" in again.output
    return {"a": a, "b": b, "admin_a": f.unit_admin(a, "admin_a"), "admin_b": f.unit_admin(b, "admin_b"),
            "boss": f.platform_admin("boss"), "bulletin": list_bulletins(a.id)[0]}


def test_unit_admin_reads_own_bulletin_and_downloads_it(client, scene):
    f.login(client, scene["admin_a"])
    listing = client.get("/bulletins/").get_data(as_text=True)
    assert "2026-10" in listing and "乙单位" not in listing
    bulletin_id = scene["bulletin"].id
    page = client.get(f"/bulletins/{bulletin_id}").get_data(as_text=True)
    assert "甲单位 2026年10月志愿服务月通报" in page and "monthsChart" in page
    pdf = client.get(f"/bulletins/{bulletin_id}.pdf")
    assert "甲单位" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    xlsx = client.get(f"/bulletins/{bulletin_id}.xlsx")
    assert load_workbook(io.BytesIO(xlsx.data)).worksheets[0]["A1"].value.startswith("甲单位")
    other = list_bulletins(scene["b"].id)[0]
    assert client.get(f"/bulletins/{other.id}").status_code == 403
    assert client.get(f"/bulletins/{other.id}.pdf").status_code == 403
    assert client.get("/bulletins/quarter?year=2026&q=4").status_code == 200


def test_platform_admin_generates_sets_targets_and_sees_the_job_log(client, db, scene):
    f.login(client, scene["boss"])
    assert "全市" in client.get("/bulletins/").get_data(as_text=True)
    response = f.post_form(client, "/bulletins/generate", {"month": "2026-10"}, token_from="/bulletins/",
                           follow_redirects=True)
    assert "已经生成过" in response.get_data(as_text=True)
    f.post_form(client, "/bulletins/targets", {"hours_per_volunteer_year": "30", "trainings_per_year": "3"},
                token_from="/bulletins/")
    assert targets() == {"hours_per_volunteer_year": 30.0, "trainings_per_year": 3}
    from app import scheduling as scheduler
    from app.jobs import JOBS_BY_NAME
    scheduler.execute(JOBS_BY_NAME["expire_coupons"])
    log_page = client.get("/admin/system/jobs").get_data(as_text=True)
    assert "优惠券过期处理" in log_page and "每小时第7分" in log_page and "目前没有进程在执行定时任务" in log_page
    scheduler.acquire_lease(holder="web-1:4242")
    assert "web-1:4242" in client.get("/admin/system/jobs").get_data(as_text=True)


def test_bulletin_api(client, scene):
    boss = f.api_token(client, "boss")
    assert client.post("/api/v1/bulletins", headers=boss, json={"month": "2026-10"}).json == {"created": 0}
    assert client.post("/api/v1/bulletins", headers=boss, json={"month": "2026-9"}).status_code == 422
    running = str(Month.current())
    refused = client.post("/api/v1/bulletins", headers=boss, json={"month": running})
    assert refused.status_code == 422 and "month" in refused.json["error"]["fields"]
    admin = f.api_token(client, "admin_a")
    listing = client.get(f"/api/v1/units/{scene['a'].id}/bulletins", headers=admin).json
    assert listing == {"items": [{"id": scene["bulletin"].id, "month": "2026-10", "revision": 0}]}
    one = client.get(f"/api/v1/bulletins/{scene['bulletin'].id}", headers=admin).json
    assert one["unit_id"] == scene["a"].id and one["month"] == "2026-10"
    assert set(one["figures"]) == {"registered_volunteers", "active_volunteers", "participation_rate",
                                   "service_hours", "records", "activities", "new_volunteers", "star_upgrades", "rank"}
    assert one["figures"]["service_hours"] == 4 and one["figures"]["rank"] == 1
    assert client.get(f"/api/v1/bulletins/{scene['bulletin'].id}.pdf", headers=admin).data.startswith(b"%PDF")
    sheet = load_workbook(io.BytesIO(client.get(f"/api/v1/bulletins/{scene['bulletin'].id}.xlsx",
                                                headers=admin).data)).worksheets[0]
    cells = {label: value for label, value in sheet.iter_rows(min_row=3, values_only=True)}
    labels = {"registered_volunteers": "注册志愿者", "new_volunteers": "本月新增志愿者", "active_volunteers": "活跃志愿者",
              "participation_rate": "参与率", "service_hours": "服务时长（小时）", "records": "服务记录（条）",
              "activities": "开展活动（场）", "star_upgrades": "星级晋升（人次）", "rank": "全市排名"}
    assert {key: cells[label] for key, label in labels.items()} == one["figures"]
    other = f.api_token(client, "admin_b")
    assert client.get(f"/api/v1/units/{scene['a'].id}/bulletins", headers=other).status_code == 403
    assert client.get(f"/api/v1/bulletins/{scene['bulletin'].id}", headers=other).status_code == 403
    assert client.post("/api/v1/bulletins", headers=admin, json={"month": "2026-10"}).status_code == 403


def test_platform_admin_issues_a_revision_from_the_page_and_the_api_shows_it(client, db, scene):
    volunteer = db.session.scalars(db.select(Volunteer)).first()
    start = datetime(2026, 10, 20, 9, tzinfo=BEIJING)
    ledger.create_record(volunteer, started_at=start, ended_at=start + timedelta(hours=2), by=None)  # late
    db.session.commit()
    f.login(client, scene["boss"])
    response = f.post_form(client, "/bulletins/generate", {"month": "2026-10", "revise": "y"},
                           token_from="/bulletins/", follow_redirects=True)
    assert "已发布 2026-10 的修订版通报 3 份" in response.get_data(as_text=True)
    revised = [b for b in list_bulletins(scene["a"].id) if b.revision == 1][0]
    assert revised.figures["service_hours"] == 6 and scene["bulletin"].figures["service_hours"] == 4
    page = client.get(f"/bulletins/{revised.id}").get_data(as_text=True)
    assert "甲单位 2026年10月志愿服务月通报（修订版 1）" in page and "这是修订版 1" in page
    assert "修订版 1" in client.get("/bulletins/").get_data(as_text=True)
    admin = f.api_token(client, "admin_a")
    one = client.get(f"/api/v1/bulletins/{revised.id}", headers=admin).json
    assert one["revision"] == 1 and one["figures"]["service_hours"] == 6
    assert one["generated_at"].endswith("+08:00")
    original = client.get(f"/api/v1/bulletins/{scene['bulletin'].id}", headers=admin).json
    assert original["revision"] == 0 and original["figures"]["service_hours"] == 4
