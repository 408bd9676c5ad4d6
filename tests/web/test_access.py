"""Access by role and unit: every door checks who may act on what."""
import pytest

from tests import factories as f


@pytest.fixture
def people(db):
    admin = f.platform_admin("boss")
    unit_a, unit_b = f.unit("甲单位", admin), f.unit("乙单位", admin)
    return {
        "admin": admin, "unit_a": unit_a, "unit_b": unit_b,
        "admin_a": f.unit_admin(unit_a, "admin_a"), "admin_b": f.unit_admin(unit_b, "admin_b"),
        "volunteer_a": f.volunteer(unit_a), "merchant": f.merchant_user("shop"),
    }


def test_pages_need_login(client, people):
    for path in ["/admin/", "/admin/units", "/admin/volunteers", f"/admin/units/{people['unit_a'].id}"]:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("who, path, status", [
    ("admin", "/admin/units", 200),
    ("admin_a", "/admin/units", 403),
    ("merchant", "/admin/", 403),
    ("volunteer_a", "/admin/volunteers", 403),
    ("admin_a", "/admin/volunteers", 200),
])
def test_pages_by_role(client, people, who, path, status):
    user = people[who]
    f.login(client, user.user if who == "volunteer_a" else user)
    assert client.get(path).status_code == status


def test_unit_admin_sees_only_own_unit(client, people):
    f.login(client, people["admin_a"])
    assert client.get(f"/admin/units/{people['unit_a'].id}").status_code == 200
    assert client.get(f"/admin/units/{people['unit_b'].id}").status_code == 403
    other = f.volunteer(people["unit_b"], name="李四")
    # another unit's volunteer answers like a missing one
    assert client.get(f"/admin/volunteers/{other.id}").status_code == 404
    assert client.get("/admin/volunteers/999999").status_code == 404
    page = client.get(f"/admin/volunteers?unit_id={people['unit_b'].id}").get_data(as_text=True)
    assert "李四" not in page


def test_platform_admin_creates_unit_and_admin_who_can_log_in(client, people, db):
    f.login(client, people["admin"])
    response = f.post_form(client, "/admin/units/new", {"name": "新华社区", "contact_email": "xh@example.org"})
    assert response.status_code == 302
    unit_path = response.headers["Location"]
    duplicate = f.post_form(client, "/admin/units/new", {"name": "新华社区"})
    assert "已有同名的成员单位" in duplicate.get_data(as_text=True)
    response = f.post_form(client, unit_path + "/admins", {
        "admin-name": "王主任", "admin-username": "xinhua", "admin-password": "xinhua-pass-1"}, token_from=unit_path)
    assert response.status_code == 302
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/admin/")})
    f.login(client, "xinhua", "xinhua-pass-1")
    assert "新华社区" in client.get("/admin/").get_data(as_text=True)


def test_masked_id_only_for_platform_admin(client, people):
    volunteer = people["volunteer_a"]
    f.login(client, people["admin"])
    assert volunteer.id_number_masked in client.get("/admin/volunteers").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/admin/")})
    f.login(client, people["admin_a"])
    assert volunteer.id_number_masked not in client.get("/admin/volunteers").get_data(as_text=True)


@pytest.mark.parametrize("who, method, path, body, status", [
    ("admin_a", "post", "/api/v1/units", {"name": "X"}, 403),
    ("volunteer_a", "post", "/api/v1/units", {"name": "X"}, 403),
    ("admin", "post", "/api/v1/units", {"name": "X"}, 201),
    ("admin_a", "get", "/api/v1/volunteers/{volunteer}", None, 200),
    ("admin_b", "get", "/api/v1/volunteers/{volunteer}", None, 404),  # another unit's volunteer reads as missing
    ("merchant", "get", "/api/v1/volunteers/{volunteer}", None, 403),
    ("admin_a", "post", "/api/v1/units/{unit_a}/admins", {"username": "zz1", "password": "abcdefgh1", "name": "Z"}, 403),
    ("admin", "post", "/api/v1/units/{unit_a}/admins", {"username": "zz1", "password": "abcdefgh1", "name": "Z"}, 201),
    ("admin", "post", "/api/v1/units/99999/admins", {"username": "zz1", "password": "abcdefgh1", "name": "Z"}, 404),
])
def test_api_by_role(client, people, who, method, path, body, status):
    user = people[who]
    username = user.user.username if who == "volunteer_a" else user.username
    headers = f.api_token(client, username)
    path = path.format(volunteer=people["volunteer_a"].id, unit_a=people["unit_a"].id)
    response = getattr(client, method)(path, json=body, headers=headers)
    assert response.status_code == status, response.json
    if status == 200:
        assert {"id", "name", "hours", "star_level"} <= set(response.json)
        assert "id_number_masked" not in response.json  # unit admins don't see it


def test_disabling_a_unit_admin_ends_their_sessions_and_tokens(app, client, people, db):
    admin_a = people["admin_a"]
    theirs = app.test_client()
    f.login(theirs, admin_a)
    headers = f.api_token(theirs, admin_a.username)
    f.login(client, people["admin"])
    unit_path = f"/admin/units/{people['unit_a'].id}"
    response = f.post_form(client, f"{unit_path}/admins/{admin_a.id}/active", {"active": "0"}, token_from=unit_path)
    assert response.status_code == 302
    assert theirs.get("/admin/").status_code == 302          # logged out
    assert theirs.get("/api/v1/me", headers=headers).status_code == 401
    assert f.post_form(theirs, "/login", {"username": admin_a.username, "password": f.PASSWORD}).status_code == 200
    # re-enabled, and a new password set by the platform admin
    f.post_form(client, f"{unit_path}/admins/{admin_a.id}/active", {"active": "1"}, token_from=unit_path)
    path = f"{unit_path}/admins/{admin_a.id}/password"
    assert f.post_form(client, path, {"password": "short"}).status_code == 200
    assert f.post_form(client, path, {"password": "brand-new-pass"}).status_code == 302
    f.login(theirs, admin_a.username, "brand-new-pass")


def test_only_platform_admin_manages_admin_accounts(client, people):
    f.login(client, people["admin_a"])
    path = f"/admin/units/{people['unit_a'].id}/admins/{people['admin_a'].id}/password"
    assert client.get(path).status_code == 403


def test_admin_of_another_unit_is_not_found_under_this_unit(client, people):
    f.login(client, people["admin"])
    path = f"/admin/units/{people['unit_a'].id}/admins/{people['admin_b'].id}/password"
    assert client.get(path).status_code == 404


def test_volunteer_list_runs_a_fixed_number_of_queries(client, people, count_queries, db):
    f.login(client, people["admin"])
    client.get("/admin/volunteers")
    db.session.commit()  # start both measurements from an expired session
    with count_queries() as few:
        assert client.get("/admin/volunteers").status_code == 200
    for _ in range(8):
        f.volunteer(people["unit_b"])
    db.session.commit()
    with count_queries() as many:
        assert client.get("/admin/volunteers").status_code == 200
    assert many["n"] == few["n"]


def test_volunteer_detail_offers_a_certificate(client, people):
    volunteer = people["volunteer_a"]
    f.login(client, people["admin_a"])
    html = client.get(f"/admin/volunteers/{volunteer.id}").get_data(as_text=True)
    assert volunteer.volunteer_no in html and f"/certificates/?volunteer_id={volunteer.id}" in html
    assert volunteer.id_number_masked not in html  # unit admins never see even the masked ID


def test_dashboard_charts_hours_by_month_for_the_unit(client, people, db):
    f.give_hours(people["volunteer_a"], 3)
    f.login(client, people["admin_a"])
    html = client.get("/admin/").get_data(as_text=True)
    assert "hoursChart" in html
    from app.services import dashboard
    months = dashboard.overview(people["unit_a"].id)["hours_by_month"]
    assert len(months) == 12 and sum(h for _m, h in months) == 3
    assert sum(h for _m, h in dashboard.overview(people["unit_b"].id)["hours_by_month"]) == 0


def test_admin_pages_show_only_the_first_and_last_character_of_the_id_number(client, people, db):
    from app.services import identity
    volunteer = people["volunteer_a"]
    number = identity.decrypt(volunteer.id_number_encrypted)
    f.login(client, people["admin"])
    for path in ("/admin/volunteers", f"/admin/volunteers/{volunteer.id}"):
        html = client.get(path).get_data(as_text=True)
        assert number[0] + "*" * 16 + number[-1] in html, path
        assert number[-4:] not in html and number[:6] not in html, path
    api = client.get(f"/api/v1/volunteers/{volunteer.id}", headers=f.api_token(client, "boss"))
    assert api.json["id_number_masked"] == number[0] + "*" * 16 + number[-1]
