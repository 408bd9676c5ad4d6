"""Login, logout and sessions: a new session at login, a logout that really ends it."""
from sqlalchemy import select

from app.models import LoginSession
from tests import factories as f


def test_login_sets_secure_cookie_flags_and_a_fresh_session(client, db):
    admin = f.platform_admin("boss")
    client.get("/login")
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
    response = f.login(client, admin)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    with client.session_transaction() as s:
        assert "planted" not in s  # session fixation: nothing survives login
        assert s["login_session"]
    assert client.get("/admin/").status_code == 200


def test_wrong_password_is_refused_without_saying_which_part(client, db):
    f.platform_admin("boss")
    response = f.post_form(client, "/login", {"username": "boss", "password": "wrong-password"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)
    response = f.post_form(client, "/login", {"username": "nobody", "password": "wrong-password"})
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_logout_ends_the_session_even_for_a_copied_cookie(client, app, db):
    admin = f.platform_admin("boss")
    f.login(client, admin)
    with client.session_transaction() as s:
        stolen = dict(s)
    response = f.post_form(client, "/logout", {}, token_from="/admin/")
    assert response.status_code == 302
    assert db.session.scalar(select(LoginSession)).ended_at is not None
    # someone replays the old cookie: the server-side session is over
    thief = app.test_client()
    with thief.session_transaction() as s:
        s.update(stolen)
    assert thief.get("/admin/").status_code == 302


def test_logout_needs_csrf_token(client, db):
    f.login(client, f.platform_admin("boss"))
    assert client.post("/logout").status_code == 400
    assert client.get("/admin/").status_code == 200


def test_open_redirect_after_login_is_ignored(client, db):
    admin = f.platform_admin("boss")
    response = client.post("/login?next=https://evil.example/", data={
        "username": "boss", "password": f.PASSWORD, "csrf_token": f.csrf_token(client)})
    assert response.headers["Location"].startswith("/")
    assert admin.last_login_at is not None


def test_language_switch_to_english(client, db):
    client.get("/lang/en")
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)
    client.get("/lang/zh_CN")
    assert 'lang="zh-CN"' in client.get("/login").get_data(as_text=True)


def test_api_token_round_trip_and_bad_tokens(client, db):
    f.platform_admin("boss")
    assert client.post("/api/v1/tokens", json={"username": "boss", "password": "nope"}).status_code == 401
    headers = f.api_token(client, "boss")
    assert client.get("/api/v1/me", headers=headers).json["role"] == "platform_admin"
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer forged"}).status_code == 401
    assert client.get("/api/v1/me").json["error"]["code"] == "unauthorized"
    # a portal cookie is not an API credential
    f.login(client, "boss")
    assert client.get("/api/v1/me").status_code == 401


def test_english_from_the_browser_language(client, db):
    html = client.get("/register", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "Resident ID number" in html and "身份证号码" not in html
    html = client.get("/register", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert "身份证号码" in html
