"""Bad input gets a 4xx in the contract's error shape (or a form error on a page), never a 500
and never a half-written change: ids beyond the database's integer, NUL and lone surrogates,
dates out of range, deeply nested JSON, names differing only in non-ASCII case, fractions where
integers belong, unique violations that escape a service."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from app.models import Bulletin, ServiceRecord, Unit
from app.services import ledger
from app.services.clock import local_today, now
from app.services.errors import ValidationFailed
from app.services.incentives.merchants import create_merchant, create_merchant_account
from tests import factories as f
from tests.web.test_api_errors import assert_error_shape

BIG = 2**31  # one past PostgreSQL's integer
NUL, SURROGATE = "a\u0000b", "a\ud800b"
BAD_CHARS = "不能包含空字符或无效的Unicode字符"


@pytest.fixture
def admin_headers(client, db):
    admin = f.platform_admin()
    return admin, f.api_token(client, admin.username)


# -- 1. integers beyond 2^31-1 ------------------------------------------------------------------

def test_ids_above_the_database_integer_are_404_in_paths(client, db, admin_headers):
    admin, headers = admin_headers
    assert_error_shape(client.get(f"/api/v1/volunteers/{BIG}", headers=headers), 404, "not_found")
    assert_error_shape(client.get(f"/api/v1/bulletins/{BIG}", headers=headers), 404, "not_found")
    assert_error_shape(client.get("/api/v1/volunteers/0", headers=headers), 404, "not_found")
    f.login(client, admin)
    assert client.get(f"/admin/records/{BIG}").status_code == 404
    assert client.get(f"/admin/volunteers/{BIG}").status_code == 404
    assert client.get(f"/admin/records/{2**31 - 1}").status_code == 404  # the largest id: no row


def test_every_int_route_answers_a_too_big_id_without_a_500(app, client, db, admin_headers):
    admin, headers = admin_headers
    f.login(client, admin)
    seen = 0
    for rule in app.url_map.iter_rules():
        if not any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            continue
        path = re.sub(r"<int:[^>]+>", str(BIG), rule.rule)
        path = re.sub(r"<(?:string:)?[^>]+>", "x", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, headers=headers)
            assert response.status_code == 404, (method, path, response.status_code)
            seen += 1
    assert seen > 30


def test_ids_above_the_database_integer_in_queries_and_bodies(client, db, admin_headers):
    admin, headers = admin_headers
    unit = f.unit(admin=admin)
    response = client.get(f"/api/v1/units/{unit.id}/records?volunteer_id={BIG}", headers=headers)
    assert "volunteer_id" in assert_error_shape(response, 422, "validation_failed")["fields"]
    response = client.post(f"/api/v1/units/{unit.id}/records", headers=headers, json={
        "volunteer_id": BIG, "started_at": "2026-01-01T09:00:00+08:00", "ended_at": "2026-01-01T10:00:00+08:00"})
    assert "volunteer_id" in assert_error_shape(response, 422)["fields"]
    response = client.post("/api/v1/volunteers", json={
        "name": "张三", "id_number": f.valid_id_number(), "phone": f.unique_phone(), "password": "good-pass-1",
        "consent": True, "unit_id": BIG})
    assert "unit_id" in assert_error_shape(response, 422)["fields"]
    f.login(client, admin)
    for query in (f"volunteer_id={BIG}", f"post_id={BIG}", f"unit_id={BIG}", f"page={BIG}", "page=²"):
        assert client.get(f"/admin/records/?{query}").status_code == 200, query
    assert client.get(f"/admin/volunteers?unit_id={BIG}&page={BIG}").status_code == 200


# -- 2. NUL and lone surrogates -----------------------------------------------------------------

@pytest.mark.parametrize("bad", [NUL, SURROGATE])
def test_create_token_refuses_nul_and_lone_surrogates(client, db, bad):
    for field in ("username", "password"):
        body = {"username": "someone", "password": "secret-pass-1", field: bad}
        error = assert_error_shape(client.post("/api/v1/tokens", json=body), 422, "validation_failed")
        assert error["fields"][field] == [BAD_CHARS]


@pytest.mark.parametrize("bad", [NUL, SURROGATE])
def test_every_api_text_field_refuses_nul_and_lone_surrogates(client, db, admin_headers, bad):
    admin, headers = admin_headers
    unit = f.unit(admin=admin)
    merchant = create_merchant(name="好味餐厅", by=admin, approved=True)
    db.session.commit()
    volunteer = f.volunteer(unit)
    volunteer_headers = f.api_token(client, volunteer.user.username)
    shop = create_merchant_account(merchant, username="shop-nul", password=f.PASSWORD, name="店员",
                                              by=admin)
    db.session.commit()
    shop_headers = f.api_token(client, shop.username)
    cases = [
        ("/api/v1/volunteers", {}, {"name": bad, "id_number": f.valid_id_number(), "phone": f.unique_phone(),
                                    "password": "good-pass-1", "consent": True}, "name"),
        ("/api/v1/units", headers, {"name": bad}, "name"),
        ("/api/v1/units", headers, {"name": "新单位", "contact_email": f"x{bad}@example.org"}, "contact_email"),
        (f"/api/v1/units/{unit.id}/admins", headers, {"username": "ua-new", "password": "good-pass-1",
                                                      "name": bad}, "name"),
        (f"/api/v1/units/{unit.id}/posts", headers, {"name": "岗", "address": bad}, "address"),
        ("/api/v1/merchants", headers, {"name": bad, "username": "shop-x", "password": "good-pass-1"}, "name"),
        (f"/api/v1/merchants/{merchant.id}/offers", headers, {"title": bad, "min_star": 1}, "title"),
        ("/api/v1/scan", volunteer_headers, {"code": bad}, "code"),
        ("/api/v1/merchant/verify", shop_headers, {"code": bad}, "code"),
        (f"/api/v1/units/{unit.id}/records", headers, {
            "volunteer_id": volunteer.id, "started_at": "2026-01-01T09:00:00+08:00",
            "ended_at": "2026-01-01T10:00:00+08:00", "note": bad}, "note"),
    ]
    for path, auth, body, field in cases:
        error = assert_error_shape(client.post(path, json=body, headers=auth), 422, "validation_failed")
        assert error["fields"].get(field) == [BAD_CHARS], (path, error)
    response = client.get(f"/api/v1/units/{unit.id}/records?status=a%00b", headers=headers)
    assert "status" in assert_error_shape(response, 422)["fields"]
    assert db.session.scalar(select(func.count(Unit.id))) == 1


def test_raw_paths_and_query_strings_with_nul_fail_cleanly(client, db, admin_headers):
    admin, headers = admin_headers
    assert client.get("/s/abc%00def").status_code == 404
    assert client.get("/q/abc%00def").status_code == 404
    assert_error_shape(client.get("/api/v1/me%00", headers=headers), 404)
    f.login(client, admin)
    assert client.get("/admin/records/?status=%00").status_code == 400
    assert client.get("/admin/volunteers?q=a%00b").status_code == 400
    assert client.get("/admin/volunteers?q=a%ED%A0%80b").status_code == 200  # decoded as U+FFFD


def test_the_id_pattern_is_exactly_one_to_int_max():
    from app.web import _ID_PATTERN
    pattern = re.compile(_ID_PATTERN + "$")
    for n in [0, 1, 9, 10, 99, 100, 999_999_999, 1_000_000_000, 1_999_999_999, 2_000_000_000, 2_099_999_999,
              2_100_000_000, 2_147_483_639, 2_147_483_646, 2_147_483_647, 2_147_483_648, 2_147_483_650,
              2_999_999_999, 9_999_999_999, *range(2_147_483_000, 2_147_484_000, 7)]:
        assert bool(pattern.match(str(n))) == (1 <= n <= 2**31 - 1), n
    assert not pattern.match("007")


@pytest.mark.parametrize("bad", [NUL])  # a form body cannot carry a lone surrogate (decoded as U+FFFD)
def test_every_form_text_field_refuses_nul_with_a_form_error(client, db, bad):
    admin = f.platform_admin()
    unit = f.unit(admin=admin)
    response = f.post_form(client, "/login", {"username": bad, "password": "x"})
    assert response.status_code == 200 and BAD_CHARS in response.get_data(as_text=True)
    response = f.post_form(client, "/register", {
        "name": bad, "id_number": f.valid_id_number(), "phone": f.unique_phone(), "unit_id": unit.id,
        "password": "good-pass-123", "confirm": "good-pass-123", "consent": "y"})
    assert response.status_code == 200 and BAD_CHARS in response.get_data(as_text=True)
    f.login(client, admin)
    response = f.post_form(client, "/admin/units/new", {"name": bad})
    assert response.status_code == 200 and BAD_CHARS in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Unit.id))) == 1


def test_every_portal_form_is_a_base_form():
    """The filter lives in one base class; every form of the portal derives from it."""
    import importlib

    from flask_wtf import FlaskForm

    from app.web import PAGE_MODULES
    from app.web.forms import BaseForm
    forms = [obj for name in PAGE_MODULES for obj in vars(importlib.import_module(name)).values()
             if isinstance(obj, type) and issubclass(obj, FlaskForm) and obj not in (FlaskForm, BaseForm)]
    assert len(forms) > 15
    assert all(issubclass(form, BaseForm) for form in forms)


# -- 3. dates out of range ----------------------------------------------------------------------

@pytest.mark.parametrize("started, ended", [
    ("0001-01-01T00:00:00+08:00", "0001-01-01T01:00:00+08:00"),
    ("9999-12-31T22:00:00-08:00", "9999-12-31T23:00:00-08:00"),
    ("1900-01-01T09:00:00+08:00", "1900-01-01T10:00:00+08:00"),
    ("1999-12-31T09:00:00+08:00", "1999-12-31T10:00:00+08:00"),
])
def test_create_record_refuses_years_out_of_range(client, db, admin_headers, started, ended):
    admin, headers = admin_headers
    unit = f.unit(admin=admin)
    volunteer = f.volunteer(unit)
    response = client.post(f"/api/v1/units/{unit.id}/records", headers=headers,
                           json={"volunteer_id": volunteer.id, "started_at": started, "ended_at": ended})
    assert_error_shape(response, 422, "validation_failed")
    assert db.session.scalar(select(func.count(ServiceRecord.id))) == 0


def test_the_ledger_refuses_records_before_2000_whatever_the_door(db):
    volunteer = f.volunteer()
    start = now().replace(year=1999)
    with pytest.raises(ValidationFailed) as caught:
        ledger.create_record(volunteer, started_at=start, ended_at=start + timedelta(hours=1), by=None)
    assert "started_at" in caught.value.fields
    # 2000 is fine
    record = ledger.create_record(volunteer, started_at=now().replace(year=2000, month=6),
                                  ended_at=now().replace(year=2000, month=6) + timedelta(hours=1), by=None)
    assert record.id


@pytest.mark.parametrize("field, value", [
    ("valid_until", "9999-12-31T23:59:59"), ("valid_from", "0001-01-01T00:00:00"),
    ("valid_until", "0001-01-01T00:00:00+14:00"),
])
def test_create_offer_refuses_years_out_of_range(client, db, admin_headers, field, value):
    admin, headers = admin_headers
    merchant = create_merchant(name="好味餐厅", by=admin, approved=True)
    db.session.commit()
    response = client.post(f"/api/v1/merchants/{merchant.id}/offers", headers=headers,
                           json={"title": "九折", "min_star": 1, field: value})
    assert field in assert_error_shape(response, 422, "validation_failed")["fields"]


@pytest.mark.parametrize("month", ["0000-01", "0001-01", "1900-01", "1999-12", "9999-12"])
def test_generate_bulletins_refuses_months_out_of_range(client, db, admin_headers, month):
    admin, headers = admin_headers
    f.unit(admin=admin)
    response = client.post("/api/v1/bulletins", headers=headers, json={"month": month})
    assert "month" in assert_error_shape(response, 422, "validation_failed")["fields"]
    assert db.session.scalar(select(func.count(Bulletin.id))) == 0


def test_flask_bulletins_generate_refuses_1900(app, db):
    f.unit()
    result = app.test_cli_runner().invoke(args=["bulletins", "generate", "--month", "1900-01"])
    assert result.exit_code != 0
    assert "2000" in result.output
    assert db.session.scalar(select(func.count(Bulletin.id))) == 0


def test_record_filters_and_forms_refuse_years_out_of_range(client, db):
    admin = f.unit_admin()
    volunteer = f.volunteer(db.session.get(Unit, admin.unit_id))
    f.login(client, admin)
    for query in ("from=0001-01-01", "to=9999-12-31", "from=1899-12-31"):
        assert client.get(f"/admin/records/?{query}").status_code == 422, query
    assert client.get("/admin/records/?from=2026-01-01&to=2026-01-31").status_code == 200
    response = f.post_form(client, "/admin/records/new", {
        "volunteer_no": volunteer.volunteer_no, "started_at": "0001-01-01T09:00", "ended_at": "0001-01-01T10:00",
        "note": "补录"})
    assert response.status_code == 200
    assert "日期超出合理范围" in response.get_data(as_text=True)
    response = f.post_form(client, "/admin/records/new", {
        "volunteer_no": volunteer.volunteer_no, "started_at": "1990-01-01T09:00", "ended_at": "1990-01-01T10:00",
        "note": "补录"})
    assert response.status_code == 200
    assert "服务时间应在2000年至明年之间" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ServiceRecord.id))) == 0


def test_certificate_range_out_of_sane_years_is_refused(client, db):
    volunteer = f.volunteer()
    f.login(client, volunteer.user)
    assert client.get("/me/certificate.pdf?from=0001-01-01").status_code == 422
    # a sane range with nothing issued yet is the page that offers to issue, not a refusal
    assert client.get(f"/me/certificate.pdf?to={local_today():%Y-%m-%d}").status_code == 404
    assert f.post_form(client, "/me/certificate", {"from": "0001-01-01"}, token_from="/me/").status_code == 422
    assert f.post_form(client, "/me/certificate", {"to": f"{local_today():%Y-%m-%d}"},
                       token_from="/me/").status_code == 303


# -- 4. deeply nested JSON ----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/tokens", "/api/v1/volunteers", "/api/v1/units"])
def test_deeply_nested_json_is_400(client, db, admin_headers, path):
    _admin, headers = admin_headers
    for body in ("[" * 100_000, '{"a":' * 100_000):
        response = client.post(path, data=body, content_type="application/json", headers=headers)
        assert_error_shape(response, 400, "malformed_json")


# -- 5. names differing only in non-ASCII case; unique violations that escape ---------------------

def test_unit_names_compare_case_folded(client, db, admin_headers):
    admin, headers = admin_headers
    assert client.post("/api/v1/units", headers=headers, json={"name": "Ÿtest"}).status_code == 201
    for name in ("Ÿtest", "ÿtest", "ŸTEST"):
        error = assert_error_shape(client.post("/api/v1/units", headers=headers, json={"name": name}), 409)
        assert "name" in error["fields"]
    f.login(client, admin)
    response = f.post_form(client, "/admin/units/new", {"name": "ÿTest"})
    assert response.status_code == 200 and "已有同名的成员单位" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Unit.id))) == 1


def test_a_unique_violation_that_escapes_a_service_is_409_or_a_form_message(app, db):
    """Two racing requests can both pass a service's check; the database's constraint then
    decides, and the loser gets a 409 (API) or the page again with a message."""
    from app.extensions import csrf
    f.unit(name="重复单位")

    def insert_duplicate():
        db.session.add(Unit(name="重复单位"))
        db.session.flush()
        return "unreachable"

    app.add_url_rule("/api/v1/_test_duplicate", "api_dup", insert_duplicate, methods=["POST"])
    app.add_url_rule("/_test_duplicate", "page_dup", insert_duplicate, methods=["POST"])
    csrf.exempt(insert_duplicate)
    client = app.test_client()
    response = client.post("/api/v1/_test_duplicate")
    assert_error_shape(response, 409, "conflict")
    response = client.post("/_test_duplicate", headers={"Referer": "http://localhost/admin/units/new"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/units/new")
    response = client.post("/_test_duplicate")
    assert response.status_code == 409 and "与现有数据冲突" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Unit.id))) == 1


# -- 7. fractions where integers belong ----------------------------------------------------------

def test_fractional_integers_are_refused_not_truncated(client, db, admin_headers):
    admin, headers = admin_headers
    unit = f.unit(admin=admin)
    merchant = create_merchant(name="好味餐厅", by=admin, approved=True)
    db.session.commit()
    for field, body in [("min_star", {"title": "九折", "min_star": 2.5}),
                        ("per_volunteer_limit", {"title": "九折", "min_star": 1, "per_volunteer_limit": 2.5}),
                        ("quantity", {"title": "九折", "min_star": 1, "quantity": 10.5})]:
        response = client.post(f"/api/v1/merchants/{merchant.id}/offers", headers=headers, json=body)
        assert field in assert_error_shape(response, 422)["fields"]
    response = client.post(f"/api/v1/units/{unit.id}/posts", headers=headers, json={"name": "岗", "radius_m": 20.5})
    assert "radius_m" in assert_error_shape(response, 422)["fields"]
    response = client.get(f"/api/v1/units/{unit.id}/records?page=1.5", headers=headers)
    assert "page" in assert_error_shape(response, 422)["fields"]
    # a whole number written as 2.0 is still the integer 2
    response = client.post(f"/api/v1/merchants/{merchant.id}/offers", headers=headers,
                           json={"title": "八折", "min_star": 2.0})
    assert response.status_code == 201


def test_booleans_are_true_or_false(client, db, admin_headers):
    admin, headers = admin_headers
    unit = f.unit(admin=admin)
    response = client.post(f"/api/v1/units/{unit.id}/posts", headers=headers, json={"name": "岗", "auto_approve": 1})
    assert "auto_approve" in assert_error_shape(response, 422)["fields"]


# -- numbers that are no numbers ------------------------------------------------------------------

@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-inf"])
def test_number_fields_refuse_nan_and_infinity_with_a_form_error(client, db, value):
    admin = f.unit_admin()
    f.login(client, admin)
    response = f.post_form(client, "/admin/posts/new", {
        "unit_id": admin.unit_id, "name": "社区服务站", "lat": value, "lng": "121.5", "radius_m": 100,
        "geofence_mode": "refuse", "min_minutes": 10, "max_minutes": 240})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "请输入有效的数字" in page


def test_targets_refuse_nan(client, db):
    admin = f.platform_admin()
    f.login(client, admin)
    from app.services.bulletins.figures import targets
    before = targets()
    response = f.post_form(client, "/bulletins/targets", {"hours_per_volunteer_year": "NaN",
                                                          "trainings_per_year": 2}, token_from="/bulletins/")
    assert response.status_code in (200, 302)
    assert targets() == before


def test_a_nan_position_is_no_position_at_a_fenced_post(client, db):
    from app.services import posts
    unit = f.unit()
    post = posts.create_post(unit.id, posts.PostInput(name="图书馆服务岗", lat=31.2304, lng=121.4737, radius_m=100),
                             by=None)
    db.session.commit()
    volunteer = f.volunteer(unit)
    f.login(client, volunteer.user)
    path = posts.scan_url(post).replace("http://vs.test", "")
    response = f.post_form(client, path, {"lat": "nan", "lng": "nan"})
    assert response.status_code in (200, 302, 403)
    assert db.session.scalar(select(func.count(ServiceRecord.id))) == 0  # no check-in without a real position


def test_a_raw_form_value_with_nul_is_refused_by_the_service(client, db):
    from app.models import Merchant
    admin = f.platform_admin()
    merchant = create_merchant(name="好味餐厅", by=admin, approved=False)
    db.session.commit()
    f.login(client, admin)
    response = f.post_form(client, f"/admin/merchants/{merchant.id}/status", {"status": "approved", "reason": NUL},
                           token_from=f"/admin/merchants/{merchant.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Merchant, merchant.id).status == "pending"


def test_a_form_integer_must_fit_the_database_whatever_the_form_allows(app):
    from wtforms import IntegerField

    from app.web.forms import BaseForm

    class Unbounded(BaseForm):
        count = IntegerField()

    for value, ok in [(str(2**31 - 1), True), (str(2**31), False), (str(-(2**31) - 1), False)]:
        with app.test_request_context("/", method="POST", data={"count": value}):
            form = Unbounded(meta={"csrf": False})
            assert form.validate() is ok, value
            if not ok:
                assert form.count.errors == ["数字超出范围"]
