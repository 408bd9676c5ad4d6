"""Volunteer self-registration on the phone page and through registerVolunteer."""
import re
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


def test_register_on_the_phone_page_creates_the_account_and_hides_the_id_number(client, db):
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
    # the answer does not log in (a known person would not be); the new account logs in
    assert response.headers["Location"].endswith("/login")
    f.login(client, data["phone"], "good-pass-123")
    assert client.get("/me/").status_code == 200


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


def test_a_known_id_number_or_phone_gets_the_same_answer_and_creates_nothing(client, db):
    unit = f.unit()
    first = form_data(unit)
    new = f.post_form(client, "/register", first)
    assert new.status_code == 302
    new_page = client.get(new.headers["Location"]).get_data(as_text=True)
    answers = []
    for again in (form_data(unit, id_number=first["id_number"]), form_data(unit, phone=first["phone"]),
                  dict(first)):
        response = f.post_form(client, "/register", again)
        assert response.status_code == 302 and response.headers["Location"] == new.headers["Location"]
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        answers.append(page)
        assert "已注册" not in page
    strip = lambda html: re.sub(r'value="[^"]*"|nonce-?[=\w"-]*', "", html)  # noqa: E731
    assert all(strip(a) == strip(new_page) for a in answers)
    assert "重新绑定" in new_page
    assert db.session.scalar(select(db.func.count(Volunteer.id))) == 1
    assert db.session.scalar(select(db.func.count(User.id)).where(User.role == "volunteer")) == 1
    assert db.session.scalar(select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "volunteer.registration_repeated")) == 3


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
    assert db.session.scalar(select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "volunteer.registered")) == 1


def test_api_registration_of_a_known_person_is_answered_like_a_new_one(client, db):
    unit = f.unit()
    known = f.volunteer(unit)
    fresh = {"name": "王小明", "id_number": f.valid_id_number(date(1988, 8, 8)), "phone": f.unique_phone(),
             "password": "good-pass-123", "consent": True, "unit_id": unit.id}
    from app.services import identity
    repeats = [dict(fresh, id_number=identity.decrypt(known.id_number_encrypted), phone=f.unique_phone()),
               dict(fresh, id_number=f.valid_id_number(date(1988, 8, 8)), phone=known.phone)]
    answers = [client.post("/api/v1/volunteers", json=body) for body in repeats]
    made = client.post("/api/v1/volunteers", json=fresh)
    for answer in answers + [made]:
        assert answer.status_code == 201
        assert set(answer.json) == {"id", "volunteer_no", "name", "star_level", "hours"}
        assert answer.json["name"] == "王小明" and answer.json["star_level"] == 0 and answer.json["hours"] == 0
        assert answer.json["volunteer_no"].startswith("ZY") and len(answer.json["volunteer_no"]) == 12
        assert answer.headers["Content-Type"] == made.headers["Content-Type"]
    # the ids move on as if each answer had made an account, so successive answers cannot be
    # compared to learn which were repeats
    ids = [answer.json["id"] for answer in answers + [made]]
    assert ids == [ids[0], ids[0] + 1, ids[0] + 2] and ids[0] > known.id
    assert db.session.get(Volunteer, ids[2]).name == "王小明"
    # nothing created for the known person, the attempts are audited
    assert db.session.scalar(select(db.func.count(Volunteer.id))) == 2
    assert db.session.scalar(select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "volunteer.registration_repeated")) == 2
    assert known.user.username == known.phone  # the known account is untouched


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


def test_unit_admin_rebinds_an_account_after_a_face_to_face_check(client, app, db):
    unit = f.unit()
    volunteer = f.volunteer(unit)
    old_phone = volunteer.phone
    lost = app.test_client()
    f.login(lost, volunteer.user)
    token = f.api_token(client, old_phone)
    admin = f.unit_admin(unit)
    f.login(client, admin)
    page = f"/admin/volunteers/{volunteer.id}/rebind"
    assert f"/admin/volunteers/{volunteer.id}/rebind" in client.get(f"/admin/volunteers/{volunteer.id}").get_data(
        as_text=True)
    unchecked = f.post_form(client, page, {"phone": "13712345678", "password": "temp-pass-99"})
    assert unchecked.status_code == 200 and "当面核验" in unchecked.get_data(as_text=True)
    taken = f.post_form(client, page, {"phone": f.volunteer(unit).phone, "password": "temp-pass-99",
                                       "identity_checked": "y"})
    assert "已被其他账号使用" in taken.get_data(as_text=True)
    done = f.post_form(client, page, {"phone": "13712345678", "password": "temp-pass-99", "identity_checked": "y"})
    assert done.status_code == 302
    db.session.expire_all()
    assert volunteer.phone == volunteer.user.username == "13712345678"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "volunteer.rebound"))
    assert entry.actor_id == admin.id and "13712345678" not in str(entry.data)
    # the old sessions and tokens ended; the new login works, the old one does not
    assert lost.get("/me/").status_code == 302
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert client.post("/api/v1/tokens", json={"username": old_phone, "password": f.PASSWORD}).status_code == 401
    assert client.post("/api/v1/tokens", json={"username": "13712345678",
                                               "password": "temp-pass-99"}).status_code == 201
    # another unit's admin: as if the volunteer did not exist
    other = app.test_client()
    f.login(other, f.unit_admin(f.unit()))
    assert other.get(page).status_code == 404
    assert other.get(f"/admin/volunteers/{volunteer.id}").status_code == 404


def test_every_problem_is_shown_at_once_and_what_was_typed_is_kept(client, db):
    unit = f.unit("阳光社区")
    # the form's own check (passwords differ) and the service's (bad ID number, bad phone)
    # object in one answer; the name typed stays, the passwords are asked for again
    data = form_data(unit, id_number="110105194912310021", phone="12345", confirm="other-pass-1")
    html = f.post_form(client, "/register", data).get_data(as_text=True)
    assert "校验位" in html and "11位中国大陆手机号码" in html and "两次输入的密码不一致" in html
    assert 'value="李小龙"' in html and 'value="12345"' in html
    assert "good-pass-123" not in html and "请重新输入两次密码" in html
    assert db.session.scalar(select(Volunteer)) is None


def test_the_unit_list_starts_on_choose_and_must_be_chosen(client, db):
    unit = f.unit("阳光社区")
    html = client.get("/register").get_data(as_text=True)
    first_option = re.search(r'<select[^>]*id="unit_id"[^>]*>\s*<option([^>]*)>([^<]*)</option>', html)
    assert first_option.group(2) == "请选择" and "selected" not in html.split('id="unit_id"')[1].split("</select>")[0]
    html = f.post_form(client, "/register", form_data(unit, unit_id=0)).get_data(as_text=True)
    assert "请选择成员单位" in html and "该字段是必填字段" not in html
    assert db.session.scalar(select(Volunteer)) is None


def test_registration_started_at_a_post_goes_on_to_login_with_the_phone_filled_in(client, db):
    unit = f.unit("阳光社区")
    data = form_data(unit)
    response = f.post_form(client, "/register?next=/s/some-post-code", data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/s/some-post-code"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'value="{data["phone"]}"' in html
    assert 'href="/register?next=/s/some-post-code"' in html
    # a next that leaves the site is dropped
    response = f.post_form(client, "/register?next=//evil.example/", form_data(unit), token_from="/register")
    assert response.headers["Location"] == "/login"
