"""Pupils under 14 on the portal and the API: the guardian's page, registerChild, an admin
signing a child up from the activity register, the guardian's view of hours and certificate."""
import io
from datetime import date, timedelta

from pypdf import PdfReader

from app.models import Volunteer
from app.services import posts
from app.services.clock import local_today, now
from tests import factories as f


def _child_id_number(years: int = 9) -> str:
    today = local_today()
    return f.valid_id_number(date(today.year - years, 1, 1))


def test_guardian_adds_a_child_and_sees_hours_and_the_certificate(client, db):
    guardian = f.volunteer(name="王大明")
    f.login(client, guardian.user)
    refused = f.post_form(client, "/me/children/", {"name": "王小明", "id_number": _child_id_number(),
                                                    "relationship": "father"})
    assert refused.status_code == 422 and "请确认您是该儿童的监护人" in refused.get_data(as_text=True)
    made = f.post_form(client, "/me/children/", {"name": "王小明", "id_number": _child_id_number(),
                                                 "relationship": "father", "consent": "y"})
    assert made.status_code == 302
    child = db.session.scalar(db.select(Volunteer).where(Volunteer.guardian_id == guardian.id))
    f.give_hours(child, 1.5, by=f.unit_admin(guardian.unit))
    page = client.get("/me/children/").get_data(as_text=True)
    assert "王小明" in page and child.volunteer_no in page and "1.5" in page
    issued = f.post_form(client, f"/me/children/{child.id}/certificate", {}, token_from="/me/children/")
    assert issued.status_code == 303
    pdf = client.get(issued.headers["Location"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "王小明" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    stranger = f.volunteer()
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/me/")})
    f.login(client, stranger.user)
    assert client.get(f"/me/children/{child.id}/certificate.pdf").status_code == 404


def test_register_child_on_the_api(client, db):
    guardian = f.volunteer()
    headers = f.api_token(client, guardian.user.username)
    made = client.post("/api/v1/me/children", headers=headers, json={
        "name": "李小红", "id_number": _child_id_number(7), "relationship": "mother", "consent": True})
    assert made.status_code == 201 and made.json["volunteer_no"].startswith("ZY")
    too_old = client.post("/api/v1/me/children", headers=headers, json={
        "name": "李大红", "id_number": _child_id_number(15), "relationship": "mother", "consent": True})
    assert too_old.status_code == 422 and "id_number" in too_old.json["error"]["fields"]
    assert client.post("/api/v1/me/children", headers=headers, json={"name": "x"}).status_code == 422
    admin = f.api_token(client, f.unit_admin(guardian.unit).username)
    assert client.post("/api/v1/me/children", headers=admin, json={
        "name": "李小红", "id_number": _child_id_number(7), "relationship": "mother", "consent": True}).status_code == 403


def test_admin_signs_a_child_up_from_the_register_only_for_a_suitable_activity(client, db):
    guardian = f.volunteer()
    headers = f.api_token(client, guardian.user.username)
    child_no = client.post("/api/v1/me/children", headers=headers, json={
        "name": "赵小虎", "id_number": _child_id_number(10), "relationship": "grandparent",
        "consent": True}).json["volunteer_no"]
    admin = f.unit_admin(guardian.unit)
    start = now() + timedelta(days=1)
    suitable, other = (posts.create_activity(guardian.unit_id, posts.ActivityInput(
        title=title, kind="event", starts_at=start, ends_at=start + timedelta(hours=1), for_minors=minors),
        by=admin)[0] for title, minors in (("亲子阅读", True), ("夜间巡逻", False)))
    db.session.commit()
    f.login(client, admin)
    page = client.get(f"/activities/{suitable.id}/attendance").get_data(as_text=True)
    assert "为儿童报名" in page
    done = f.post_form(client, f"/activities/{suitable.id}/children", {"child-volunteer_no": child_no},
                       token_from=f"/activities/{suitable.id}/attendance", follow_redirects=True)
    assert "赵小虎" in done.get_data(as_text=True)
    refused = f.post_form(client, f"/activities/{other.id}/children", {"child-volunteer_no": child_no},
                          token_from=f"/activities/{suitable.id}/attendance", follow_redirects=True)
    assert "未标记为适合未成年人" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert (suitable.signup_count, other.signup_count) == (1, 0)


def test_another_units_admin_never_sees_a_childs_details(client, db):
    guardian = f.volunteer()
    headers = f.api_token(client, guardian.user.username)
    child_id = client.post("/api/v1/me/children", headers=headers, json={
        "name": "钱小宝", "id_number": _child_id_number(8), "relationship": "mother", "consent": True}).json["id"]
    other_admin = f.unit_admin()
    f.login(client, other_admin)
    assert client.get(f"/admin/volunteers/{child_id}").status_code == 404
    assert "共 0 人" in client.get("/admin/volunteers?q=钱小宝").get_data(as_text=True)
    api = f.api_token(client, other_admin.username)
    assert client.get(f"/api/v1/volunteers/{child_id}", headers=api).status_code == 404
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/admin/")})
    f.login(client, f.unit_admin(guardian.unit))
    page = client.get(f"/admin/volunteers/{child_id}")
    assert page.status_code == 200 and "儿童志愿者，无登录账号" in page.get_data(as_text=True)
