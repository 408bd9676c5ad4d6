"""Volunteer self-registration on the phone page and through registerVolunteer."""
from datetime import date

import pytest
from sqlalchemy import select, text

from app.models import AuditEntry, User, Volunteer
from app.services import identity
from app.services.clock import local_today
from tests import factories as f


def birth_years_ago(years: int, days_after: int = 0) -> date:
    today = local_today()
    try:
        born = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        born = today.replace(year=today.year - years, day=28)
    from datetime import timedelta
    return born + timedelta(days=days_after)


def form_data(unit, **overrides):
    data = {"name": "李小龙", "id_number": f.valid_id_number(date(1992, 5, 17)), "phone": f.unique_phone(),
            "unit_id": unit.id, "password": "good-pass-123", "confirm": "good-pass-123", "consent": "y"}
    data.update(overrides)
    return data


def test_register_on_the_phone_page_logs_in_and_hides_the_id_number(client, db):
    unit = f.unit("阳光社区")
    data = form_data(unit)
    response = f.post_form(client, "/register", data)
    assert response.status_code == 302
    volunteer = db.session.scalar(select(Volunteer))
    assert volunteer.name == "李小龙" and volunteer.unit_id == unit.id
    assert volunteer.birth_date == date(1992, 5, 17)
    assert volunteer.volunteer_no.startswith("ZY") and data["id_number"] not in volunteer.volunteer_no
    assert volunteer.user.username == data["phone"]
    # the ID number is nowhere in clear: not in any column of any table
    for table in ("volunteers", "users", "audit_entries"):
        dump = str(db.session.execute(text(f"SELECT * FROM {table}")).all())
        assert data["id_number"] not in dump
    assert identity.decrypt(volunteer.id_number_encrypted) == data["id_number"]
    assert volunteer.id_number_masked == data["id_number"][0] + "*" * 16 + data["id_number"][-1]
    # logged in right away
    assert client.get("/admin/").status_code == 403


@pytest.mark.parametrize("field, value, message", [
    ("id_number", "11010519491231002Y", "18位"),
    ("id_number", "110105194912310021", "校验位"),
    ("phone", "12345", "手机号码"),
    ("name", "李", "姓名"),
    ("confirm", "other-pass-1", "不一致"),
])
def test_bad_input_is_explained_beside_the_field(client, db, field, value, message):
    unit = f.unit()
    response = f.post_form(client, "/register", form_data(unit, **{field: value}))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Volunteer)) is None
    assert db.session.scalar(select(User).where(User.role == "volunteer")) is None


def test_consent_is_required(client, db):
    unit = f.unit()
    data = form_data(unit)
    del data["consent"]
    response = f.post_form(client, "/register", data)
    assert "隐私政策" in response.get_data(as_text=True)
    assert db.session.scalar(select(Volunteer)) is None


def test_under_fourteen_is_refused(client, db):
    unit = f.unit()
    id_number = f.valid_id_number(birth_years_ago(14, days_after=1))  # 14th birthday is tomorrow
    response = f.post_form(client, "/register", form_data(unit, id_number=id_number))
    assert "未满14周岁" in response.get_data(as_text=True)
    assert db.session.scalar(select(Volunteer)) is None


def test_minor_needs_a_guardian(client, db):
    unit = f.unit()
    id_number = f.valid_id_number(birth_years_ago(14))  # 14 today
    response = f.post_form(client, "/register", form_data(unit, id_number=id_number))
    assert "监护人" in response.get_data(as_text=True)
    assert db.session.scalar(select(Volunteer)) is None
    response = f.post_form(client, "/register", form_data(
        unit, id_number=id_number, guardian_name="李大龙", guardian_phone="13912345678"))
    assert response.status_code == 302
    assert db.session.scalar(select(Volunteer)).guardian_name == "李大龙"


def test_adult_needs_no_guardian(client, db):
    unit = f.unit()
    response = f.post_form(client, "/register", form_data(unit, id_number=f.valid_id_number(birth_years_ago(18))))
    assert response.status_code == 302


def test_duplicate_id_number_and_phone_are_refused(client, db):
    unit = f.unit()
    first = form_data(unit)
    assert f.post_form(client, "/register", first).status_code == 302
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/privacy")})
    again = form_data(unit, id_number=first["id_number"])
    assert "该身份证号码已注册" in f.post_form(client, "/register", again).get_data(as_text=True)
    again = form_data(unit, phone=first["phone"])
    assert "该手机号码已注册" in f.post_form(client, "/register", again).get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(Volunteer.id))) == 1


def test_register_through_the_api(client, db):
    unit = f.unit()
    body = {"name": "王小明", "id_number": f.valid_id_number(date(1988, 8, 8)), "phone": f.unique_phone(),
            "password": "good-pass-123", "consent": True, "unit_id": unit.id}
    response = client.post("/api/v1/volunteers", json=body)
    assert response.status_code == 201
    assert set(response.json) == {"id", "volunteer_no", "name", "star_level", "hours"}
    assert response.json["star_level"] == 0 and response.json["hours"] == 0
    assert body["id_number"] not in response.get_data(as_text=True)
    headers = f.api_token(client, body["phone"], "good-pass-123")
    me = client.get("/api/v1/me", headers=headers).json
    assert me["role"] == "volunteer" and me["next_star_at_hours"] == 100
    duplicate = client.post("/api/v1/volunteers", json=dict(body, phone=f.unique_phone()))
    assert duplicate.status_code == 409
    assert duplicate.json["error"]["fields"] == {"id_number": ["该身份证号码已注册"]}
    assert db.session.scalar(select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "volunteer.registered")) == 1


@pytest.mark.parametrize("change, field", [
    ({"id_number": "110105194912310021"}, "id_number"),
    ({"consent": False}, "consent"),
    ({"phone": "1234"}, "phone"),
    ({"unit_id": 99999}, "unit_id"),
    ({"name": 12}, "name"),
    ({"nickname": "x"}, "nickname"),
    ({"password": "short"}, "password"),
])
def test_api_registration_errors_are_per_field(client, db, change, field):
    unit = f.unit()
    body = {"name": "王小明", "id_number": f.valid_id_number(date(1988, 8, 8)), "phone": f.unique_phone(),
            "password": "good-pass-123", "consent": True, "unit_id": unit.id}
    body.update(change)
    response = client.post("/api/v1/volunteers", json=body)
    assert response.status_code == 422, response.json
    assert set(response.json["error"]) == {"code", "message", "fields"}
    assert field in response.json["error"]["fields"]
    assert db.session.scalar(select(db.func.count(Volunteer.id))) == 0
