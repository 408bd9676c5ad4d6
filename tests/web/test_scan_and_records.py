"""The scan pages, record review, manual entry, import, the attendance API and hours verify."""
import io
import re
from datetime import timedelta

import pytest
import zxingcpp
from openpyxl import Workbook, load_workbook
from PIL import Image
from sqlalchemy import func, select

from app.models import AuditEntry, ServiceRecord
from app.services import attendance, ledger, posts
from app.services.clock import local, now
from tests import factories as f
from tests.web import import_steps as steps


@pytest.fixture
def scene(db):
    unit = f.unit("阳光社区")
    other_unit = f.unit("市民政局")
    post = posts.create_post(unit.id, posts.PostInput(name="图书馆服务岗"), by=None)
    volunteer = f.volunteer(unit)
    volunteer.created_at = now() - timedelta(days=30)  # registered a month ago
    db.session.commit()
    return {"unit": unit, "other_unit": other_unit, "post": post, "admin": f.unit_admin(unit, "sunadmin"),
            "other_admin": f.unit_admin(other_unit, "mzadmin"), "volunteer": volunteer}


def path_of(url: str) -> str:
    return url.replace("http://vs.test", "")


def test_get_never_changes_state_and_post_checks_in_and_out(client, db, scene):
    url = path_of(posts.scan_url(scene["post"]))
    anonymous = client.get(url).get_data(as_text=True)
    assert "图书馆服务岗" in anonymous and "登录后签到" in anonymous
    f.login(client, scene["volunteer"].user)
    page = client.get(url).get_data(as_text=True)
    assert "签到" in page and db.session.scalar(select(func.count(ServiceRecord.id))) == 0
    response = f.post_form(client, url, {})
    assert response.status_code == 302
    assert "签到成功" in client.get(response.headers["Location"]).get_data(as_text=True)
    record = db.session.scalar(select(ServiceRecord))
    assert record.status == "open"
    db.session.execute(db.update(ServiceRecord).values(started_at=now() - timedelta(hours=2)))
    db.session.commit()
    assert "签退" in client.get(url).get_data(as_text=True)
    response = f.post_form(client, url, {})
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "签退成功" in result and "本次服务 2 小时" in result


def test_scan_page_offers_check_out_at_the_other_post(client, db, scene):
    park = posts.create_post(scene["unit"].id, posts.PostInput(name="公园服务岗"), by=None)
    db.session.commit()
    attendance.scan(scene["volunteer"], posts.scan_url(scene["post"]), at=now() - timedelta(hours=1))
    db.session.commit()
    f.login(client, scene["volunteer"].user)
    url = path_of(posts.scan_url(park))
    assert "图书馆服务岗" in client.get(url).get_data(as_text=True)
    f.post_form(client, url, {"action": "check_out_elsewhere"})
    assert ledger.open_session(scene["volunteer"].id) is None


def test_scan_page_moves_the_session_to_this_post_in_one_tap(client, db, scene):
    park = posts.create_post(scene["unit"].id, posts.PostInput(name="公园服务岗"), by=None)
    db.session.commit()
    attendance.scan(scene["volunteer"], posts.scan_url(scene["post"]), at=now() - timedelta(hours=1))
    db.session.commit()
    f.login(client, scene["volunteer"].user)
    url = path_of(posts.scan_url(park))
    assert 'value="switch_here"' in client.get(url).get_data(as_text=True)
    response = f.post_form(client, url, {"action": "switch_here"})
    assert response.status_code == 302 and "/scan/records/" in response.headers["Location"]
    assert "签到成功" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert ledger.open_session(scene["volunteer"].id).post_id == park.id


def test_a_tampered_code_gets_a_clear_page(client, scene):
    response = client.get(path_of(posts.scan_url(scene["post"]))[:-4] + "xxxx")
    assert response.status_code == 400 and "二维码" in response.get_data(as_text=True)


def test_admin_prints_a_poster_that_a_camera_reads(app, client, scene):
    f.login(client, scene["admin"])
    png = client.get(f"/admin/posts/{scene['post'].id}/poster.png")
    assert png.mimetype == "image/png"
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))] == [posts.scan_url(scene["post"])]
    assert client.get(f"/admin/posts/{scene['post'].id}/poster.pdf").mimetype == "application/pdf"
    assert client.get("/admin/posts/sheet.pdf").data.startswith(b"%PDF")
    other = app.test_client()
    f.login(other, scene["other_admin"])
    assert other.get(f"/admin/posts/{scene['post'].id}/poster.png").status_code == 403


def test_admin_creates_a_post_and_rotates_its_code(client, db, scene):
    f.login(client, scene["admin"])
    response = f.post_form(client, "/admin/posts/new", {"unit_id": scene["unit"].id, "name": "社区服务站",
                                                        "geofence_mode": "refuse", "min_minutes": 10,
                                                        "max_minutes": 240}, token_from="/admin/posts/new")
    assert response.status_code == 302
    post = posts.list_posts(scene["unit"].id)[-1]
    old = posts.scan_url(post)
    show = response.headers["Location"]
    f.post_form(client, f"/admin/posts/{post.id}/rotate", {}, token_from=show)
    db.session.refresh(post)
    assert posts.scan_url(post) != old
    refused = client.get(path_of(old))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "此服务岗二维码已更换，请扫描现场最新二维码" in page
    assert "请让出示方刷新" not in page  # that is the kiosk screen's advice
    kiosk, _expires = posts.kiosk_code(post)
    posts.rotate_code(post, by=None)
    db.session.commit()
    assert "请让出示方刷新" in client.get(path_of(kiosk)).get_data(as_text=True)
    api = client.post("/api/v1/scan", json={"code": old}, headers=f.api_token(client, scene["volunteer"].user.username))
    assert api.status_code == 400 and api.json["error"]["code"] == "code_rotated"


def test_a_post_may_count_from_the_first_minute(client, db, scene):
    f.login(client, scene["admin"])
    response = f.post_form(client, "/admin/posts/new", {"unit_id": scene["unit"].id, "name": "零起计服务岗",
                                                        "geofence_mode": "refuse", "min_minutes": 0,
                                                        "max_minutes": 240}, token_from="/admin/posts/new")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert posts.list_posts(scene["unit"].id)[-1].min_minutes == 0
    empty = f.post_form(client, "/admin/posts/new", {"unit_id": scene["unit"].id, "name": "空白服务岗",
                                                     "geofence_mode": "refuse", "min_minutes": "",
                                                     "max_minutes": 240}, token_from="/admin/posts/new")
    assert empty.status_code == 200 and "空白服务岗" not in [p.name for p in posts.list_posts(scene["unit"].id)]


def test_bulk_approve_and_reject_with_reason(app, client, db, scene):
    volunteer = scene["volunteer"]
    start = now() - timedelta(days=2)
    ids = []
    for day in range(3):
        attendance.scan(volunteer, posts.scan_url(scene["post"]), at=start + timedelta(hours=5 * day))
        ids.append(attendance.scan(volunteer, posts.scan_url(scene["post"]),
                                   at=start + timedelta(hours=5 * day + 1)).record.id)
    db.session.commit()
    f.login(client, scene["admin"])
    page = client.get("/admin/records/").get_data(as_text=True)
    assert page.count('name="record_id"') == 3
    f.post_form(client, "/admin/records/approve", {"record_id": ids[:2]}, token_from="/admin/records/")
    db.session.expire_all()
    assert volunteer.hours == 2
    f.post_form(client, f"/admin/records/{ids[0]}/reject", {"reason": "重复签到"}, token_from="/admin/records/")
    db.session.expire_all()
    assert volunteer.hours == 1
    trail = client.get(f"/admin/records/{ids[0]}").get_data(as_text=True)
    assert "审核通过" in trail and "审核不通过" in trail and "重复签到" in trail
    assert "record.approved" not in trail and "record.rejected" not in trail
    # another unit's admin can neither see nor touch it
    other = app.test_client()
    f.login(other, scene["other_admin"])
    assert other.get(f"/admin/records/{ids[2]}").status_code == 403
    assert "重复签到" not in other.get("/admin/records/?status=").get_data(as_text=True)
    f.post_form(other, "/admin/records/approve", {"record_id": [ids[2]]}, token_from="/admin/records/")
    db.session.expire_all()
    assert db.session.get(ServiceRecord, ids[2]).status == "pending"


def test_manual_entry_keeps_who_and_why(client, db, scene):
    f.login(client, scene["admin"])
    start = local(now() - timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    response = f.post_form(client, "/admin/records/new", {
        "volunteer_no": scene["volunteer"].volunteer_no, "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"), "post_id": 0,
        "note": "纸质签到表补录"})
    assert response.status_code == 302
    record = db.session.scalar(select(ServiceRecord))
    assert record.source == "manual" and record.status == "approved" and record.created_by_id == scene["admin"].id
    assert scene["volunteer"].hours == 3
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "record.created"))
    unknown = f.post_form(client, "/admin/records/new", {
        "volunteer_no": "ZY000", "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "post_id": 0, "note": "x"})
    assert unknown.status_code == 200 and "未找到该编号的志愿者" in unknown.get_data(as_text=True)


def test_manual_entry_before_registration_needs_the_history_box_and_a_note_and_is_flagged(client, db, scene):
    volunteer = scene["volunteer"]
    f.login(client, scene["admin"])
    start = local(volunteer.created_at - timedelta(days=5)).replace(hour=9, minute=0, second=0, microsecond=0)
    form = {"volunteer_no": volunteer.volunteer_no, "started_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ended_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "post_id": 0,
            "note": "纸质签到表"}
    refused = f.post_form(client, "/admin/records/new", form)
    assert refused.status_code == 200 and "早于志愿者的注册时间" in refused.get_data(as_text=True)
    assert "补录注册前的服务" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ServiceRecord.id))) == 0 and volunteer.approved_seconds == 0
    entered = f.post_form(client, "/admin/records/new", {**form, "before_registration": "y"},
                          token_from="/admin/records/new")
    assert entered.status_code == 302
    record = db.session.scalar(select(ServiceRecord))
    assert record.status == "approved" and record.flag_list == ["pre_registration"] and record.note == "纸质签到表"
    listing = client.get("/admin/records/?status=approved").get_data(as_text=True)
    assert "注册前" in listing
    assert "注册前" in client.get("/admin/records/?status=&flagged=1").get_data(as_text=True)

    api = f.api_token(client, "sunadmin")
    path = f"/api/v1/units/{scene['unit'].id}/records"
    earlier = start - timedelta(days=1)
    body = {"volunteer_id": volunteer.id, "started_at": earlier.isoformat(),
            "ended_at": (earlier + timedelta(hours=1)).isoformat()}
    no = client.post(path, headers=api, json=body)
    assert no.status_code == 422 and "started_at" in no.json["error"]["fields"]
    no_note = client.post(path, headers=api, json={**body, "before_registration": True})
    assert no_note.status_code == 422 and "note" in no_note.json["error"]["fields"]
    yes = client.post(path, headers=api, json={**body, "before_registration": True, "note": "档案补录"})
    assert yes.status_code == 201 and yes.json["status"] == "approved"
    listed = client.get(f"{path}?status=approved", headers=api).json["items"]
    assert {tuple(r["flags"]) for r in listed} == {("pre_registration",)}
    db.session.expire_all()
    assert volunteer.hours == 3


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["志愿者编号", "开始时间", "结束时间", "服务岗", "备注"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_import_is_all_or_nothing_with_row_errors(client, db, scene):
    f.login(client, scene["admin"])
    template = client.get("/admin/records/template.xlsx")
    assert load_workbook(io.BytesIO(template.data)).active["A1"].value == "志愿者编号"
    number = scene["volunteer"].volunteer_no
    bad = xlsx([[number, "2026-10-01 09:00", "2026-10-01 12:00", "图书馆服务岗", ""],
                ["ZY404", "2026-10-02 09:00", "2026-10-02 12:00", "", ""],
                [number, "2026-10-03 12:00", "2026-10-03 09:00", "", ""],
                [number, "2026-10-04 09:00", "2026-10-04 12:00", "不存在的岗", ""]])
    response = steps.import_file(client, bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "第3行" in page and "第4行" in page and "第5行" in page and "第2行" not in page
    assert db.session.scalar(select(func.count(ServiceRecord.id))) == 0 and scene["volunteer"].approved_seconds == 0
    good = xlsx([[number, "2026-10-01 09:00", "2026-10-01 12:00", "图书馆服务岗", "活动"],
                 [number, "2026-10-02 09:00", "2026-10-02 11:30", "", ""]])
    response = steps.import_file(client, good)
    assert response.status_code == 302
    db.session.expire_all()
    assert scene["volunteer"].hours == 5.5
    assert db.session.scalar(select(func.count(ServiceRecord.id)).where(ServiceRecord.source == "import")) == 2


def test_import_refuses_a_file_that_is_not_a_spreadsheet(client, db, scene):
    f.login(client, scene["admin"])
    response = steps.upload(client, b"not a zip", "x.xlsx")
    assert response.status_code == 422 and "无法读取文件" in response.get_data(as_text=True)


def test_a_file_level_import_problem_reads_as_a_sentence_not_a_field_key(client, db, scene):
    f.login(client, scene["admin"])
    workbook = Workbook()
    workbook.active.append(["姓名", "日期", "小时"])
    workbook.active.append(["张三", "2026-10-01", 3])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = steps.upload(client, buffer.getvalue(), "x.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "请指定能识别志愿者的列" in page
    assert "以下行有错误" not in page and "<strong>file</strong>" not in page
    assert not re.search(r"\bfile\s*[:：]", re.sub(r"<[^>]+>", " ", page))


def test_attendance_api(client, db, scene):
    admin = f.api_token(client, "sunadmin")
    created = client.post(f"/api/v1/units/{scene['unit'].id}/posts", headers=admin,
                          json={"name": "地铁站服务岗", "max_hours": 4, "auto_approve": True})
    assert created.status_code == 201 and set(created.json) == {"id", "name", "category_id", "scan_url"}
    poster = client.get(f"/api/v1/posts/{created.json['id']}/poster.png", headers=admin)
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(poster.data)))] == [created.json["scan_url"]]
    volunteer = f.api_token(client, scene["volunteer"].user.username)
    first = client.post("/api/v1/scan", headers=volunteer, json={"code": created.json["scan_url"]})
    assert first.status_code == 200 and first.json["action"] == "check_in"
    assert first.json["record"]["ended_at"] is None and first.json["record"]["status"] == "open"
    assert client.post("/api/v1/scan", headers=volunteer, json={"code": "nonsense"}).json["error"]["code"] == "code_invalid"
    listing = client.get(f"/api/v1/units/{scene['unit'].id}/records?status=open", headers=admin).json
    assert listing["total"] == 1 and listing["items"][0]["volunteer_id"] == scene["volunteer"].id
    start = (now() - timedelta(days=3)).replace(microsecond=0)
    made = client.post(f"/api/v1/units/{scene['unit'].id}/records", headers=admin, json={
        "volunteer_id": scene["volunteer"].id, "started_at": start.isoformat(),
        "ended_at": (start + timedelta(hours=2)).isoformat(), "note": "API"})
    assert made.status_code == 201 and made.json == {"id": made.json["id"], "hours": 2.0, "status": "approved"}
    rejected = client.post(f"/api/v1/records/{made.json['id']}/reject", headers=admin, json={"reason": "错误"})
    assert rejected.json == {"id": made.json["id"], "status": "rejected"}
    assert client.post(f"/api/v1/records/{made.json['id']}/approve", headers=admin).status_code == 409
    other = f.api_token(client, "mzadmin")
    assert client.get(f"/api/v1/units/{scene['unit'].id}/records", headers=other).status_code == 403
    assert client.post(f"/api/v1/records/{made.json['id']}/reject", headers=other,
                       json={"reason": "x"}).status_code == 403
    bad = client.post(f"/api/v1/units/{scene['unit'].id}/records", headers=admin,
                      json={"volunteer_id": scene["volunteer"].id, "started_at": "yesterday"})
    assert bad.status_code == 422 and {"started_at", "ended_at"} <= set(bad.json["error"]["fields"])


def test_hours_verify(app, db, scene):
    runner = app.test_cli_runner()
    f.give_hours(scene["volunteer"], 3)
    assert runner.invoke(args=["hours", "verify"]).exit_code == 0
    db.session.execute(db.update(type(scene["volunteer"])).values(approved_seconds=1))
    db.session.commit()
    result = runner.invoke(args=["hours", "verify"])
    assert result.exit_code == 1 and scene["volunteer"].volunteer_no in result.output


def test_admin_corrects_a_record_without_editing_it(app, client, db, scene):
    record = f.give_hours(scene["volunteer"], 3, end=now() - timedelta(days=1))
    db.session.commit()
    f.login(client, scene["admin"])
    page = client.get(f"/admin/records/{record.id}").get_data(as_text=True)
    assert 'name="correct-started_at"' in page
    start = local(record.started_at)
    bad = f.post_form(client, f"/admin/records/{record.id}/correct", {
        "correct-started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "correct-ended_at": (start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "correct-reason": "时间填反"}, token_from=f"/admin/records/{record.id}")
    assert bad.status_code == 422 and "结束时间必须晚于开始时间" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ServiceRecord, record.id).status == "approved"
    response = f.post_form(client, f"/admin/records/{record.id}/correct", {
        "correct-started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "correct-ended_at": (start + timedelta(hours=1, minutes=30)).strftime("%Y-%m-%dT%H:%M"),
        "correct-reason": "提前离开"}, token_from=f"/admin/records/{record.id}")
    assert response.status_code == 302
    replacement = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"记录 #{record.id}" in replacement and "提前离开" in replacement
    db.session.expire_all()
    assert scene["volunteer"].hours == 1.5
    assert "更正时间" in client.get(f"/admin/records/{record.id}").get_data(as_text=True)
    other = app.test_client()
    f.login(other, scene["other_admin"])
    assert f.post_form(other, f"/admin/records/{record.id}/correct", {"correct-reason": "x"},
                       token_from="/admin/records/").status_code == 403


def test_review_and_post_lists_run_a_fixed_number_of_queries(client, db, scene, count_queries):
    def add_records(n):
        for _ in range(n):
            f.give_hours(f.volunteer(scene["unit"], name="赵六"), 1)
            posts.create_post(scene["unit"].id, posts.PostInput(name="服务岗"), by=None)
        db.session.commit()

    add_records(1)
    f.login(client, scene["admin"])
    client.get("/admin/records/?status=")
    db.session.commit()
    with count_queries() as few:
        assert client.get("/admin/records/?status=").status_code == 200
        assert client.get("/admin/posts/").status_code == 200
    add_records(6)
    with count_queries() as many:
        page = client.get("/admin/records/?status=")
        assert client.get("/admin/posts/").status_code == 200
    assert page.get_data(as_text=True).count("赵六") == 7
    assert many["n"] == few["n"]
