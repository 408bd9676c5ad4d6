"""Changing one's own password (page and changePassword), revoking the token in use
(revokeToken), and logout versus "sign out everywhere"."""
import pytest

from app.models import AuditEntry
from tests import factories as f


def _users(db):
    unit = f.unit()
    return [f.platform_admin(), f.unit_admin(unit), f.merchant_user(), f.volunteer(unit).user]


@pytest.mark.parametrize("role", [0, 1, 2, 3])
def test_every_role_changes_its_own_password_with_the_current_one(app, client, db, role):
    user = _users(db)[role]
    other_device = app.test_client()
    f.login(other_device, user)
    token = f.api_token(client, user.username)
    f.login(client, user)
    assert client.get("/account/password").status_code == 200
    wrong = f.post_form(client, "/account/password", {"old_password": "not-it-123", "password": "new-pass-456",
                                                      "confirm": "new-pass-456"})
    assert wrong.status_code == 200 and "当前密码不正确" in wrong.get_data(as_text=True)
    done = f.post_form(client, "/account/password", {"old_password": f.PASSWORD, "password": "new-pass-456",
                                                     "confirm": "new-pass-456"})
    assert done.status_code == 302
    assert client.get("/account/password").status_code == 200  # this device stays signed in
    assert other_device.get("/account/password").status_code == 302  # the others do not
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert client.post("/api/v1/tokens", json={"username": user.username, "password": "new-pass-456"}).status_code == 201
    assert db.session.scalar(db.select(AuditEntry.id).where(AuditEntry.action == "user.password_changed"))


def test_change_password_in_the_api(client, db):
    user = _users(db)[3]
    token = f.api_token(client, user.username)
    spare = f.api_token(client, user.username)
    wrong = client.post("/api/v1/me/password", headers=token, json={"old_password": "nope-1234",
                                                                  "new_password": "new-pass-456"})
    assert wrong.status_code == 422 and "old_password" in wrong.json["error"]["fields"]
    same = client.post("/api/v1/me/password", headers=token, json={"old_password": f.PASSWORD,
                                                                 "new_password": f.PASSWORD})
    assert same.status_code == 422 and "new_password" in same.json["error"]["fields"]
    done = client.post("/api/v1/me/password", headers=token, json={"old_password": f.PASSWORD,
                                                                 "new_password": "new-pass-456"})
    assert done.status_code == 200
    assert client.get("/api/v1/me", headers=token).status_code == 200  # the token in use stays
    assert client.get("/api/v1/me", headers=spare).status_code == 401
    assert client.post("/api/v1/me/password", json={}).status_code == 401


def test_revoke_token_ends_only_that_token(client, db):
    user = _users(db)[1]
    token, other = f.api_token(client, user.username), f.api_token(client, user.username)
    response = client.delete("/api/v1/tokens/current", headers=token)
    assert response.status_code == 204
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert client.delete("/api/v1/tokens/current", headers=token).status_code == 401
    assert client.get("/api/v1/me", headers=other).status_code == 200


def test_logout_page_explains_tokens_and_signs_out_everywhere(app, client, db):
    user = _users(db)[3]
    other_device = app.test_client()
    f.login(other_device, user)
    token = f.api_token(client, user.username)
    f.login(client, user)
    page = client.get("/logout").get_data(as_text=True)
    assert "API" in page and "令牌不会因退出而失效" in page and 'action="/logout/everywhere"' in page
    # plain logout leaves the token and the other device alone
    f.post_form(client, "/logout", {}, token_from="/logout")
    assert client.get("/api/v1/me", headers=token).status_code == 200
    assert other_device.get("/me/").status_code == 200
    f.login(client, user)
    assert f.post_form(client, "/logout/everywhere", {}, token_from="/logout").status_code == 302
    assert client.get("/me/").status_code == 302
    assert other_device.get("/me/").status_code == 302
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert client.get("/logout").status_code == 302  # not signed in: off to the login page
