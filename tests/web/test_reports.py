"""Supervisors' reports through the doors: the phone page with a photo and a position, the
office's and the unit's pages, the reporter's view of the outcome, and reportProblem."""
from __future__ import annotations

import base64
import io
import re

from app.models import ProblemReport
from app.services import supervisors
from tests import factories as f
from tests.services.test_photos import jpeg_with_gps


def _scene(db):
    boss = f.platform_admin("boss")
    street = f.unit("街道办")
    reporter = f.volunteer(street, name="李监督")
    supervisors.appoint(reporter, by=boss)
    db.session.commit()
    return boss, street, reporter, f.unit_admin(street, "street")


def _file_on_phone(client, **extra):
    data = {"category": "uncivil", "text": "<script>alert(1)</script>乱扔垃圾", "lat": "30.25",
            "lng": "120.16", "photo": (io.BytesIO(jpeg_with_gps((640, 480))), "IMG_0001.jpg")}
    data.update(extra)
    return f.post_form(client, "/reports/new", data, content_type="multipart/form-data")


def test_the_loop_through_the_pages(client, db):
    boss, street, reporter, street_admin = _scene(db)
    f.login(client, reporter.user)
    assert "随手拍" in client.get("/me/").get_data(as_text=True)
    response = _file_on_phone(client)
    assert response.status_code == 302
    report = db.session.query(ProblemReport).one()
    assert response.headers["Location"].endswith(f"/reports/{report.id}")
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    photo_url = re.search(r'src="(/photos/\d+/thumb\.jpg)"', page).group(1)
    assert client.get(photo_url).status_code == 200
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/me/")})

    f.login(client, boss)
    assert "待分派" in client.get("/office/reports/").get_data(as_text=True)
    assert f.post_form(client, f"/office/reports/{report.id}/route", {"unit_id": street.id, "note": "请核实"},
                       token_from=f"/office/reports/{report.id}").status_code == 302
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/office/reports/")})

    f.login(client, street_admin)
    assert client.get(photo_url).status_code == 200
    assert f.post_form(client, f"/office/reports/{report.id}/reply", {"reply": "已清理并设置提示牌"},
                       token_from=f"/office/reports/{report.id}").status_code == 302
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/office/reports/")})

    f.login(client, boss)
    assert f.post_form(client, "/office/reports/credit-rule", {"minutes": "20"},
                       token_from="/office/reports/").status_code == 302
    assert f.post_form(client, f"/office/reports/{report.id}/close",
                       {"outcome": "confirmed", "note": "感谢监督", "credit": "y"},
                       token_from=f"/office/reports/{report.id}").status_code == 302
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/office/reports/")})

    f.login(client, reporter.user)
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "已清理并设置提示牌" in page and "属实，已处理" in page and "已计入服务时长" in page
    db.session.refresh(reporter)
    assert reporter.approved_seconds == 1200


def test_the_phone_page_refuses_bad_reports_with_messages(client, db):
    _boss, _street, reporter, _admin = _scene(db)
    f.login(client, reporter.user)
    response = _file_on_phone(client, lat="", lng="", address="")
    assert response.status_code == 422 and "请定位或填写地点" in response.get_data(as_text=True)
    response = _file_on_phone(client, photo=(io.BytesIO(b"GIF89a not really"), "a.jpg"))
    assert response.status_code == 422 and "不是照片" in response.get_data(as_text=True)
    assert db.session.query(ProblemReport).count() == 0


def test_a_volunteer_who_is_not_a_supervisor_is_told_so(client, db):
    _scene(db)
    other = f.volunteer(name="王路人")
    f.login(client, other.user)
    assert "只有文明办任命的义务监督员" in client.get("/reports/new").get_data(as_text=True)
    assert "随手拍（义务监督员）" not in client.get("/me/").get_data(as_text=True)
    assert _file_on_phone(client).status_code == 403


def test_others_cannot_see_a_report(client, db):
    boss, street, reporter, _admin = _scene(db)
    f.login(client, reporter.user)
    _file_on_phone(client)
    report = db.session.query(ProblemReport).one()
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/me/")})
    f.login(client, f.unit_admin(f.unit("别的单位")))
    assert client.get(f"/office/reports/{report.id}").status_code == 404
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/office/reports/")})
    f.login(client, f.volunteer(street, name="王路人").user)
    assert client.get(f"/reports/{report.id}").status_code == 404


def test_the_office_names_supervisors_by_number(client, db):
    boss = f.platform_admin("boss")
    volunteer = f.volunteer(name="赵监督")
    f.login(client, boss)
    assert f.post_form(client, "/office/reports/supervisors",
                       {"volunteer_no": volunteer.volunteer_no}).status_code == 302
    assert supervisors.is_supervisor(volunteer)
    assert f.post_form(client, "/office/reports/supervisors", {"volunteer_no": "NOPE"}).status_code == 422
    assert f.post_form(client, f"/office/reports/supervisors/{volunteer.id}/dismiss", {},
                       token_from="/office/reports/supervisors").status_code == 302
    assert not supervisors.is_supervisor(volunteer)


def _api_body(**extra):
    body = {"category": "traffic", "text": "路口车辆乱停", "address": "人民路口",
            "photo": {"file_name": "a.jpg",
                      "content_base64": base64.b64encode(jpeg_with_gps((320, 240))).decode()}}
    body.update(extra)
    return body


def test_report_problem_through_the_api(client, db):
    _boss, _street, reporter, _admin = _scene(db)
    headers = f.api_token(client, reporter.user.username)
    response = client.post("/api/v1/reports", json=_api_body(), headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["status"] == "submitted" and response.json["status_label"] == "待分派"
    bad = client.post("/api/v1/reports", json=_api_body(photo={"file_name": "a.jpg", "content_base64": "%%%"}),
                      headers=headers)
    assert bad.status_code == 422 and "photo" in bad.json["error"]["fields"]
    nowhere = client.post("/api/v1/reports", json=_api_body(address=None), headers=headers)
    assert nowhere.status_code == 422 and "address" in nowhere.json["error"]["fields"]
    assert client.post("/api/v1/reports", json=_api_body(lat=95.0, lng=1.0), headers=headers).status_code == 422
    other = f.volunteer(name="王路人")
    refused = client.post("/api/v1/reports", json=_api_body(), headers=f.api_token(client, other.user.username))
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    assert db.session.query(ProblemReport).count() == 1


def test_report_problem_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/reports"]["post"]
    assert operation["operationId"] == "reportProblem"
    assert operation["security"] == [{"bearerAuth": []}] and "429" in operation["responses"]
