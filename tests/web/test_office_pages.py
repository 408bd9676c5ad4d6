"""The office's follow-up on the portal and the API: the platform admin raises an item and a
task, the unit admin replies (with a file on the page), the office closes or returns, the
dashboards show what is overdue and open; another unit sees none of it."""
from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import select

from app.models import Bulletin, OfficeTask, Rectification, ScoreSnapshot
from app.services import office_tasks, rectifications
from app.services.bulletins.snapshots import generate_bulletins
from app.services.clock import local_today, now
from app.services.months import Month
from tests import factories as f


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def _people(db):
    unit_a, unit_b = f.unit("甲单位"), f.unit("乙单位")
    return f.platform_admin(), unit_a, unit_b, f.unit_admin(unit_a), f.unit_admin(unit_b)


def test_an_item_is_raised_answered_with_a_file_and_closed_on_the_pages(app, db):
    office, unit_a, _unit_b, admin_a, admin_b = _people(db)
    deadline = (local_today() + timedelta(days=7)).isoformat()
    client = app.test_client()
    f.login(client, office)
    raised = f.post_form(client, "/office/rectifications/new", {
        "unit_id": unit_a.id, "finding": "实践站无活动记录", "source": "第三季度点评", "deadline": deadline})
    assert raised.status_code == 302
    item_id = db.session.scalar(select(Rectification.id))
    bad = f.post_form(client, "/office/rectifications/new", {
        "unit_id": unit_a.id, "finding": "x", "deadline": "2001-01-01"})
    assert bad.status_code == 422 and "截止日期不能早于今天" in bad.get_data(as_text=True)

    unit_client = app.test_client()
    f.login(unit_client, admin_a)
    home = unit_client.get("/admin/").get_data(as_text=True)
    assert "整改与任务" in home
    page = unit_client.get(f"/office/rectifications/{item_id}")
    assert page.status_code == 200 and "实践站无活动记录" in page.get_data(as_text=True)
    wrong = f.post_form(unit_client, f"/office/rectifications/{item_id}/reply",
                        {"reply": "已整改", "files": (io.BytesIO(b"MZ not a pdf"), "报告.pdf")},
                        token_from=f"/office/rectifications/{item_id}", content_type="multipart/form-data")
    assert wrong.status_code == 422 and "不是PDF或图片" in wrong.get_data(as_text=True)
    replied = f.post_form(unit_client, f"/office/rectifications/{item_id}/reply",
                          {"reply": "已开展两场活动", "files": (io.BytesIO(_png()), "现场照片.png")},
                          token_from=f"/office/rectifications/{item_id}", content_type="multipart/form-data")
    assert replied.status_code == 302
    item = db.session.get(Rectification, item_id)
    db.session.refresh(item)
    assert item.status == "replied" and item.files[0].filename == "现场照片.png"

    download = client.get(f"/office/rectifications/{item_id}/files/{item.files[0].id}")
    assert download.status_code == 200 and download.data == _png()
    assert "attachment" in download.headers["Content-Disposition"]
    closed = f.post_form(client, f"/office/rectifications/{item_id}/close", {},
                         token_from=f"/office/rectifications/{item_id}")
    assert closed.status_code == 302
    db.session.refresh(item)
    assert item.status == "closed"

    stranger = app.test_client()
    f.login(stranger, admin_b)
    assert stranger.get(f"/office/rectifications/{item_id}").status_code == 404
    assert stranger.get(f"/office/rectifications/{item_id}/files/{item.files[0].id}").status_code == 404
    assert "实践站无活动记录" not in stranger.get("/office/").get_data(as_text=True)
    assert stranger.get("/office/rectifications/new").status_code == 403


def test_a_task_reaches_the_units_dashboard_and_a_reply_completes_it(app, db):
    office, unit_a, unit_b, admin_a, admin_b = _people(db)
    client = app.test_client()
    f.login(client, office)
    sent = f.post_form(client, "/office/tasks/new", {
        "title": "文明实践自查", "text": "请提交自查报告", "measure": "reply",
        "deadline": (local_today() + timedelta(days=10)).isoformat(), "unit_ids": [unit_a.id]})
    assert sent.status_code == 302
    task_id = db.session.scalar(select(OfficeTask.id))
    unit_client = app.test_client()
    f.login(unit_client, admin_a)
    assert "文明实践自查" in unit_client.get("/admin/").get_data(as_text=True)
    answered = f.post_form(unit_client, f"/office/tasks/{task_id}/reply", {"reply": "自查完成，无问题"},
                           token_from=f"/office/tasks/{task_id}")
    assert answered.status_code == 302
    assert "文明实践自查" not in unit_client.get("/admin/").get_data(as_text=True)  # done: no longer open
    page = client.get(f"/office/tasks/{task_id}").get_data(as_text=True)
    assert "自查完成，无问题" in page and "已完成" in page
    other = app.test_client()
    f.login(other, admin_b)
    assert other.get(f"/office/tasks/{task_id}").status_code == 404


def test_the_api_raises_answers_returns_and_lists(client, db):
    office, unit_a, unit_b, admin_a, admin_b = _people(db)
    deadline = (local_today() + timedelta(days=5)).isoformat()
    office_h = f.api_token(client, office.username)
    made = client.post("/api/v1/rectifications", json={"unit_id": unit_a.id, "finding": "台账缺失",
                                                       "deadline": deadline}, headers=office_h)
    assert made.status_code == 201 and made.json["status"] == "open"
    item_id = made.json["id"]
    unit_h = f.api_token(client, admin_a.username)
    early = client.patch(f"/api/v1/rectifications/{item_id}", json={"action": "close"}, headers=office_h)
    assert early.status_code == 409 and early.json["error"]["code"]
    empty = client.patch(f"/api/v1/rectifications/{item_id}", json={"action": "reply"}, headers=unit_h)
    assert empty.status_code == 422 and "text" in empty.json["error"]["fields"]
    answered = client.patch(f"/api/v1/rectifications/{item_id}", json={"action": "reply", "text": "已补齐"},
                            headers=unit_h)
    assert answered.status_code == 200 and answered.json["status"] == "replied"
    back = client.patch(f"/api/v1/rectifications/{item_id}", json={"action": "return", "reason": "缺少签字"},
                        headers=office_h)
    assert back.json["status"] == "open" and back.json["returned_reason"] == "缺少签字"
    other_h = f.api_token(client, admin_b.username)
    assert client.patch(f"/api/v1/rectifications/{item_id}", json={"action": "reply", "text": "x"},
                        headers=other_h).status_code == 404
    assert client.post("/api/v1/rectifications", json={"unit_id": unit_a.id, "finding": "x", "deadline": deadline},
                       headers=unit_h).status_code == 403

    task = client.post("/api/v1/tasks", json={"title": "学雷锋月", "text": "开展活动", "measure": "activities",
                                              "target": 2, "deadline": deadline}, headers=office_h)
    assert task.status_code == 201 and {u["unit_id"] for u in task.json["units"]} == {unit_a.id, unit_b.id}
    assert client.post("/api/v1/tasks", json={"title": "t", "text": "t", "measure": "hours", "deadline": deadline},
                       headers=office_h).status_code == 422  # a figure task needs a target
    mine = client.get("/api/v1/tasks", headers=unit_h).json["items"]
    assert [(t["title"], [u["unit_id"] for u in t["units"]]) for t in mine] == [("学雷锋月", [unit_a.id])]
    everything = client.get("/api/v1/tasks", headers=office_h).json["items"]
    assert len(everything[0]["units"]) == 2 and everything[0]["units"][0]["percent"] == 0


def test_overdue_items_show_on_both_dashboards(app, db):
    office, unit_a, _unit_b, admin_a, _admin_b = _people(db)
    item = rectifications.raise_item(unit_a.id, finding="未按期整改", deadline=local_today(), by=office)
    item.deadline = local_today() - timedelta(days=2)
    office_tasks.create_task(title="t", text="t", measure="reply", target=None, deadline=local_today(),
                             unit_ids=[unit_a.id], by=office)
    db.session.commit()
    for user in (office, admin_a):
        client = app.test_client()
        f.login(client, user)
        assert "逾期未完成的整改事项 1 项" in client.get("/admin/").get_data(as_text=True)


def test_an_item_is_raised_from_a_bulletins_flag_with_its_text(app, db):
    office, unit_a, _unit_b, _admin_a, _admin_b = _people(db)
    volunteer = f.volunteer(unit_a)  # registered before the month, no service: the unit's bulletin flags it
    volunteer.created_at = now() - timedelta(days=70)
    generate_bulletins(Month.current().previous())
    db.session.commit()
    bulletin = db.session.scalar(select(Bulletin).where(Bulletin.unit_id == unit_a.id))
    client = app.test_client()
    f.login(client, office)
    page = client.get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
    assert "下发整改" in page
    link = page[page.index("/office/rectifications/new?"):].split('"')[0].replace("&amp;", "&")
    form = client.get(link).get_data(as_text=True)
    assert f'<option selected value="{unit_a.id}">' in form and "低于" in form


def test_scores_page_scheme_form_and_get_unit_scores(app, client, db):
    office, unit_a, unit_b, admin_a, _admin_b = _people(db)
    web = app.test_client()
    f.login(web, office)
    page = web.get("/office/scores?period=2026-09")
    assert page.status_code == 200 and "scoreChart" in page.get_data(as_text=True)
    assert web.get("/office/scores?period=2026-13").status_code == 422
    assert "现在确定" in page.get_data(as_text=True)
    kept = f.post_form(web, "/office/scores/keep?period=2026-09", {}, token_from="/office/scores?period=2026-09")
    assert kept.status_code == 302 and db.session.scalar(select(ScoreSnapshot.period)) == "2026-09"
    assert "本期得分已确定" in web.get("/office/scores?period=2026-09").get_data(as_text=True)
    form = {f"w_{key}": 0 for key in ("participation_rate", "trainings_per_volunteer", "activities_held",
                                      "records_reviewed_on_time", "rectifications_on_time")}
    bad = f.post_form(web, "/office/scores/scheme", {**form, "w_hours_per_volunteer": 90,
                                                     "t_hours_per_volunteer": 20}, token_from="/office/scores")
    assert bad.status_code == 422 and "权重之和应为100" in bad.get_data(as_text=True)
    good = f.post_form(web, "/office/scores/scheme", {**form, "w_hours_per_volunteer": 100,
                                                      "t_hours_per_volunteer": 20}, token_from="/office/scores")
    assert good.status_code == 302
    unit_web = app.test_client()
    f.login(unit_web, admin_a)
    assert "测评指标（当前" not in unit_web.get("/office/scores").get_data(as_text=True)  # the office's form only
    assert unit_web.post("/office/scores/scheme").status_code in (400, 403)

    headers = f.api_token(client, admin_a.username)
    answer = client.get(f"/api/v1/scores?period={local_today():%Y-%m}", headers=headers)
    assert answer.status_code == 200 and answer.json["partial"] is True and answer.json["scheme_version"] == 1
    rows = {row["unit_id"]: row for row in answer.json["units"]}
    assert rows[unit_a.id]["breakdown"] and rows[unit_b.id]["breakdown"] == []
    assert client.get("/api/v1/scores?period=Q3", headers=headers).status_code == 422
