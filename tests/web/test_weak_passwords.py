"""Common passwords are refused wherever a password is set (ASVS 2.1.7); the length rule stays."""
from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import User
from app.services import accounts
from app.services.errors import ValidationFailed
from app.services.incentives.merchants import create_merchant
from tests import factories as f

COMMON = "这个密码太常见"


@pytest.mark.parametrize("password", ["12345678", "password", "PassWord", "qwertyui", "11111111", "1qaz2wsx",
                                      "a123456789", "woaini1314", "iloveyou", "19901010", "admin12345",
                                      "abcd1234", "88888888"])
def test_common_passwords_are_refused_with_a_clear_message(app, password):
    with pytest.raises(ValidationFailed) as refused:
        accounts.validate_password(password)
    assert COMMON in refused.value.fields["password"][0]


def test_uncommon_passwords_pass_and_the_minimum_length_stays(app):
    accounts.validate_password("secret-pass-1")
    accounts.validate_password("梅花香自苦寒来2026")
    with pytest.raises(ValidationFailed) as short:
        accounts.validate_password("x7#Kp2")
    assert "至少8位" in short.value.fields["password"][0]


def _users(db) -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_registration_on_the_page_and_the_api_refuses_a_common_password(client, db):
    unit = f.unit()
    before = _users(db)
    page = f.post_form(client, "/register", {
        "name": "李小龙", "id_number": f.valid_id_number(date(1992, 5, 17)), "phone": f.unique_phone(),
        "unit_id": unit.id, "password": "12345678", "confirm": "12345678", "consent": "y"})
    assert page.status_code == 200 and COMMON in page.get_data(as_text=True)
    api = client.post("/api/v1/volunteers", json={
        "name": "李小龙", "id_number": f.valid_id_number(date(1992, 5, 18)), "phone": f.unique_phone(),
        "password": "woaini1314", "consent": True, "unit_id": unit.id})
    assert api.status_code == 422 and COMMON in api.json["error"]["fields"]["password"][0]
    assert _users(db) == before


def test_admin_doors_refuse_a_common_password(client, db):
    admin = f.platform_admin("boss")
    unit = f.unit(admin=admin)
    ua = f.unit_admin(unit)
    merchant = create_merchant(name="城东药房", address="人民路1号", by=admin, approved=True)
    db.session.commit()
    before = _users(db)
    headers = f.api_token(client, "boss")
    made = client.post(f"/api/v1/units/{unit.id}/admins", json={"username": "weak1", "password": "1q2w3e4r",
                                                                  "name": "Z"}, headers=headers)
    assert made.status_code == 422 and COMMON in made.json["error"]["fields"]["password"][0]
    made = client.post("/api/v1/merchants", json={"name": "药房二", "username": "weak2", "password": "qwerty123"},
                       headers=headers)
    assert made.status_code == 422 and COMMON in made.json["error"]["fields"]["password"][0]
    f.login(client, admin)
    unit_path = f"/admin/units/{unit.id}"
    page = f.post_form(client, unit_path + "/admins", {"admin-name": "王主任", "admin-username": "weak3",
                                                       "admin-password": "password1"}, token_from=unit_path)
    assert COMMON in page.get_data(as_text=True)
    detail = f"/admin/merchants/{merchant.id}"
    page = f.post_form(client, detail + "/accounts", {"a-name": "店员", "a-username": "weak4",
                                                      "a-password": "iloveyou"}, token_from=detail)
    assert COMMON in page.get_data(as_text=True)
    reset = f.post_form(client, f"{unit_path}/admins/{ua.id}/password", {"password": "zaq12wsx"})
    assert reset.status_code == 200 and COMMON in reset.get_data(as_text=True)
    assert _users(db) == before
    f.login(client.application.test_client(), ua)  # the old password still works


def test_users_create_refuses_a_common_password(app, db):
    result = app.test_cli_runner().invoke(args=["users", "create", "--role", "platform_admin", "--username", "root",
                                                "--password", "admin123456"])
    assert result.exit_code != 0 and COMMON in result.output
    assert db.session.scalar(select(User).where(User.username == "root")) is None
