"""Exporting records: a background job with progress and a download link, masked IDs, the
platform admin's full-ID export behind a password and in the audit trail, the editable
national profile, and an export that re-imports to the same records."""
from __future__ import annotations

import csv
import io
import time
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry, ExportJob, ServiceRecord
from app.services import export_profiles, identity, ledger, posts, records_export
from app.services.clock import local_today, now
from app.services.errors import Forbidden, ValidationFailed
from tests import factories as f
from tests.web import import_steps as steps


@pytest.fixture
def scene(db):
    unit = f.unit("阳光社区")
    admin = f.unit_admin(unit)
    post = posts.create_post(unit.id, posts.PostInput(name="图书馆服务岗", address="文化路1号"), by=None)
    db.session.commit()
    wang = f.volunteer(unit, name="王小明")
    li = f.volunteer(unit, name="李华")
    end = now().replace(microsecond=0, second=0) - timedelta(days=2)
    f.give_hours(wang, 3, by=admin, post=post, end=end)
    f.give_hours(wang, 1.5, by=admin, end=end - timedelta(days=1))
    f.give_hours(li, 2, by=admin, post=post, end=end)
    other = f.volunteer(f.unit("别的单位"), name="赵六")
    f.give_hours(other, 5, end=end)
    return {"unit": unit, "admin": admin, "post": post, "wang": wang, "li": li, "other": other}


def _period():
    today = local_today()
    return {"date_from": (today - timedelta(days=30)).isoformat(), "date_to": today.isoformat()}


def export_through_page(client, **choices):
    data = {**_period(), "profile": "standard", "file_format": "xlsx", "status": "approved", **choices}
    response = f.post_form(client, "/admin/exports", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    job_url = response.headers["Location"]
    deadline = time.monotonic() + 90  # a loaded machine
    while True:
        status = client.get(job_url + "/status").json
        # The test client's requests share the test's session: end whatever its after-request
        # work began (on SQLite every transaction holds the write lock), so the export can write.
        _db.session.commit()
        if status["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert status["status"] == "done" and status["progress"] == 100, status
    page = client.get(job_url).get_data(as_text=True)
    assert "下载文件" in page
    return client.get(status["download_url"])


def rows_of(download) -> list[tuple]:
    if download.headers["Content-Disposition"].endswith(".csv"):
        return [tuple(r) for r in csv.reader(io.StringIO(download.data.decode("utf-8-sig")))]
    return list(load_workbook(io.BytesIO(download.data)).active.iter_rows(values_only=True))


def test_a_unit_admin_exports_the_units_records_with_masked_ids(client, db, scene):
    f.login(client, scene["admin"])
    assert "导出完整身份证号" not in client.get("/admin/exports").get_data(as_text=True)
    download = export_through_page(client)
    assert download.status_code == 200
    rows = rows_of(download)
    assert rows[0] == tuple(export_profiles.EXPORT_FIELDS.values())
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert sorted((r["姓名"], r["服务时长（小时）"]) for r in body) == [("李华", 2), ("王小明", 1.5), ("王小明", 3)]
    assert {r["证件号码"] for r in body} == {scene["wang"].id_number_masked, scene["li"].id_number_masked}
    assert {r["证件类型"] for r in body} == {"居民身份证"}
    library = next(r for r in body if r["服务时长（小时）"] == 3)
    assert library["服务岗"] == "图书馆服务岗" and library["服务地点"] == "文化路1号" and library["单位"] == "阳光社区"
    assert library["状态"] == "已通过" and library["记录编号"] > 0


def test_an_export_re_imports_to_the_same_records(client, db, scene):
    f.login(client, scene["admin"])
    download = export_through_page(client, file_format="csv")
    original = db.session.scalars(select(ServiceRecord).where(ServiceRecord.unit_id == scene["unit"].id)).all()
    before = sorted((r.volunteer_id, r.started_at, r.ended_at, r.seconds, r.post_id) for r in original)
    for record in original:
        ledger.reject(record, by=scene["admin"], reason="核对后重新导入")
    db.session.commit()
    page = steps.upload(client, download.data, "export.csv").get_data(as_text=True)
    assert steps.proposed(page) == ["", "name", "", "id_number", "volunteer_no", "content", "started_at", "ended_at",
                                    "hours", "place", "", "project", "post", "", ""]
    assert steps.confirm(client, page).status_code == 302
    again = db.session.scalars(select(ServiceRecord).where(ServiceRecord.unit_id == scene["unit"].id,
                                                           ServiceRecord.status == "approved")).all()
    assert sorted((r.volunteer_id, r.started_at, r.ended_at, r.seconds, r.post_id) for r in again) == before
    db.session.expire_all()
    assert scene["wang"].hours == 4.5 and scene["li"].hours == 2


def test_full_ids_are_the_platform_admins_behind_the_password_and_audited(client, db, scene):
    platform = f.platform_admin()
    with pytest.raises(Forbidden):
        records_export.request_export(records_export.ExportRequest(
            local_today() - timedelta(days=30), local_today(), full_ids=True, password=f.PASSWORD), by=scene["admin"])
    f.login(client, platform)
    refused = f.post_form(client, "/admin/exports", {**_period(), "profile": "standard", "file_format": "xlsx",
                                                     "status": "approved", "unit_id": "0", "full_ids": "y",
                                                     "password": "wrong-password"})
    assert refused.status_code == 422 and "密码不正确" in refused.get_data(as_text=True)
    assert db.session.scalar(select(ExportJob.id)) is None
    download = export_through_page(client, unit_id="0", full_ids="y", password=f.PASSWORD)
    rows = rows_of(download)
    numbers = {r[rows[0].index("证件号码")] for r in rows[1:]}
    assert numbers == {identity.decrypt(v.id_number_encrypted) for v in (scene["wang"], scene["li"], scene["other"])}
    trail = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("records.export%"))
                               .order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.unit_id, e.data["full_ids"], e.data["records"]) for e in trail] == [
        ("records.export_requested", platform.id, None, True, 4)]


def test_the_national_profile_is_edited_in_settings(client, db, scene):
    platform = f.platform_admin()
    f.login(client, platform)
    page = client.get("/admin/exports/profile").get_data(as_text=True)
    assert "姓名=name" in page and "服务时长（小时）=hours" in page
    bad = f.post_form(client, "/admin/exports/profile", {"columns": "姓名=name\n身高=height"})
    assert bad.status_code == 422 and "未知的字段代码" in bad.get_data(as_text=True)
    saved = f.post_form(client, "/admin/exports/profile",
                        {"columns": "志愿者姓名=name\n公民身份号码=id_number\n时长=hours"})
    assert saved.status_code == 302
    rows = rows_of(export_through_page(client, profile="national", unit_id=str(scene["unit"].id)))
    assert rows[0] == ("志愿者姓名", "公民身份号码", "时长") and len(rows) == 4
    f.login(client.application.test_client(), scene["admin"])
    assert client.application.test_client().get("/admin/exports/profile").status_code in (302, 403)


def test_an_export_job_is_its_requesters_and_progresses_in_batches(client, db, scene, monkeypatch):
    job = records_export.request_export(records_export.ExportRequest(
        local_today() - timedelta(days=30), local_today(), file_format="csv"), by=scene["admin"])
    db.session.commit()
    assert (job.status, job.total, job.progress) == ("queued", 3, 0)
    monkeypatch.setattr(records_export, "BATCH", 1)  # one record a batch, one progress step each
    records_export.run_export(job.id)
    job = db.session.get(ExportJob, job.id)
    assert job.status == "done" and job.done == 3 and job.progress == 100
    other_admin = f.unit_admin(f.unit("第三单位"))
    with pytest.raises(records_export.NotFound):
        records_export.get_job(job.id, by=other_admin)
    with pytest.raises(ValidationFailed):
        records_export.request_export(records_export.ExportRequest(local_today(), local_today() - timedelta(days=1)),
                                      by=scene["admin"])


def test_an_export_whose_process_died_runs_again_and_gives_up_after_three_attempts(client, db, scene):
    """The job's thread died with its process: queued and never started, or running and no
    longer beating. The scheduler's resume_exports runs it again from the start; a job that
    is still beating, or queued a moment ago, is left to its thread."""
    def ask():
        job = records_export.request_export(records_export.ExportRequest(
            local_today() - timedelta(days=30), local_today(), file_format="csv"), by=scene["admin"])
        db.session.commit()
        return job

    never_started, died_running, still_beating, just_queued, hopeless = (ask() for _ in range(5))
    at = now()
    never_started.created_at = at - timedelta(minutes=3)
    died_running.status, died_running.done = "running", 2
    died_running.heartbeat_at = at - timedelta(minutes=6)
    still_beating.status, still_beating.heartbeat_at = "running", at - timedelta(minutes=1)
    hopeless.status, hopeless.attempts = "running", records_export.MAX_ATTEMPTS
    hopeless.heartbeat_at = at - timedelta(minutes=30)
    db.session.commit()

    from app.jobs import JOBS_BY_NAME
    assert JOBS_BY_NAME["resume_exports"].run(at) == {"resumed": 2, "failed": 1}

    db.session.expire_all()
    for job in (never_started, died_running):
        job = db.session.get(ExportJob, job.id)
        assert (job.status, job.done, job.attempts) == ("done", 3, 2)
        path, _name = records_export.export_file(job, by=scene["admin"])
        assert len(list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))) == 4  # header + 3
    assert db.session.get(ExportJob, still_beating.id).status == "running"
    assert db.session.get(ExportJob, just_queued.id).status == "queued"
    given_up = db.session.get(ExportJob, hopeless.id)
    assert given_up.status == "failed" and given_up.message == records_export.INTERRUPTED
    # A job taken by one runner cannot be run by another (the thread that started late).
    with pytest.raises(records_export.NotFound):
        records_export.run_export(died_running.id)
