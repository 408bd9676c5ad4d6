"""importRecords (with a mapping) and exportRecords (a job whose result is a file) in the
JSON API and its OpenAPI document."""
from __future__ import annotations

import base64
import csv
import io
import time
from datetime import timedelta

from sqlalchemy import func, select

from app.models import ServiceRecord
from app.services.clock import local, local_today, now
from tests import factories as f


def _scene(db):
    unit = f.unit("阳光社区")
    admin = f.unit_admin(unit, "sunadmin")
    li = f.volunteer(unit, name="李华")
    return unit, admin, li


def test_both_operations_are_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json
    ids = {op["operationId"] for path in doc["paths"].values() for op in path.values() if "operationId" in op}
    assert {"importRecords", "exportRecords", "getExport", "downloadExport"} <= ids


def test_import_records_with_a_mapping(client, db):
    unit, admin, li = _scene(db)
    api = f.api_token(client, "sunadmin")
    day = local(now() - timedelta(days=3)).strftime("%Y-%m-%d")
    sheet = f"人员,电话,日子,小时\r\n李华,{li.phone},{day},2\r\n示例,13800000000,{day},1\r\n".encode("gb18030")
    body = {"file_name": "unit.csv", "content_base64": base64.b64encode(sheet).decode(),
            "mapping": {"人员": "name", "电话": "phone", "日子": "service_date", "小时": "hours"}}
    path = f"/api/v1/units/{unit.id}/records/import"
    dry = client.post(path, headers=api, json={**body, "dry_run": True})
    assert dry.status_code == 200 and dry.json["imported"] == 1 and dry.json["skipped_examples"] == 1
    assert db.session.scalar(select(func.count(ServiceRecord.id))) == 0
    done = client.post(path, headers=api, json=body)
    assert done.status_code == 200 and done.json["imported"] == 1
    assert done.json["mapping"] == {"人员": "name", "电话": "phone", "日子": "service_date", "小时": "hours"}
    db.session.expire_all()
    assert li.hours == 2
    again = client.post(path, headers=api, json=body)  # the same hours again overlap
    assert again.status_code == 422 and again.json["error"]["problems"][0]["row"] == 2
    unknown = client.post(path, headers=api, json={**body, "mapping": {"身高": "name"}})
    assert unknown.status_code == 422 and "mapping" in unknown.json["error"]["fields"]
    other = f.unit_admin(f.unit("别的单位"), "otheradmin")
    assert client.post(path, headers=f.api_token(client, other.username), json=body).status_code == 403


def test_export_records_is_a_job_whose_result_is_a_file(client, db):
    unit, admin, li = _scene(db)
    f.give_hours(li, 2, by=admin)
    api = f.api_token(client, "sunadmin")
    today = local_today()
    started = client.post("/api/v1/exports", headers=api, json={
        "date_from": (today - timedelta(days=30)).isoformat(), "date_to": today.isoformat(), "format": "csv"})
    assert started.status_code == 202 and started.json["status"] in ("queued", "running", "done")
    deadline = time.monotonic() + 30
    while True:
        job = client.get(f"/api/v1/exports/{started.json['id']}", headers=api).json
        if job["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert job["status"] == "done" and job["total"] == 1
    file = client.get(job["file_url"], headers=api)
    rows = list(csv.reader(io.StringIO(file.data.decode("utf-8-sig"))))
    assert rows[1][rows[0].index("姓名")] == "李华" and rows[1][rows[0].index("证件号码")] == li.id_number_masked
    full = client.post("/api/v1/exports", headers=api, json={
        "date_from": today.isoformat(), "date_to": today.isoformat(), "full_ids": True, "password": f.PASSWORD})
    assert full.status_code == 403
    other = f.unit_admin(f.unit("别的单位"), "otheradmin")
    assert client.get(f"/api/v1/exports/{started.json['id']}", headers=f.api_token(client, other.username)
                      ).status_code == 404
