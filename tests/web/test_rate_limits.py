"""Rate limits on the doors that guess or probe, per client address and per account, with the
in-memory storage and (when TEST_REDIS_URL is set) a real Redis. A limited request gets 429
with Retry-After: the contract's error shape under /api/, a short page elsewhere."""
import os
import uuid

import pytest

from tests import factories as f

LOW = {"login_per_ip": "6/hour", "login_per_account": "3/hour",
       "register_per_ip": "4/hour", "register_per_account": "2/hour",
       "code_per_ip": "50/hour", "code_per_account": "3/hour",
       "certificate_check_per_ip": "3/hour",
       "password_reset_per_ip": "50/hour", "password_reset_per_account": "2/hour"}


@pytest.fixture(params=["memory", "redis"])
def storage_uri(request):
    if request.param == "memory":
        return "memory://"
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail("REQUIRE_REDIS=1 but TEST_REDIS_URL is not set")
        pytest.skip("TEST_REDIS_URL not set: the limiter runs on memory:// only")
    return url


@pytest.fixture
def app_config(storage_uri):
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage_uri,
            # each test app counts under its own prefix, so Redis state never leaks between tests
            "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"vs-test-{uuid.uuid4().hex}"},
            "RATE_LIMITS": LOW}


def assert_limited_json(response):
    assert response.status_code == 429, response.get_data(as_text=True)[:300]
    assert set(response.json) == {"error"}
    error = response.json["error"]
    assert error["code"] == "rate_limited" and error["message"] and error["fields"] == {}
    assert int(response.headers["Retry-After"]) >= 1


def assert_limited_page(response):
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    html = response.get_data(as_text=True)
    assert "请求过于频繁" in html and "<html" in html


def _login_try(client, username, **kw):
    return client.post("/login", data={"username": username, "password": "wrong-password",
                                       "csrf_token": f.csrf_token(client)}, **kw)


def test_login_is_limited_per_account_across_page_and_api(client, db):
    f.platform_admin("boss")
    for _ in range(2):
        assert _login_try(client, "boss").status_code == 200
    assert client.post("/api/v1/tokens", json={"username": "boss", "password": "x"}).status_code == 401
    assert_limited_page(_login_try(client, "boss"))        # the 4th try for this name
    assert_limited_json(client.post("/api/v1/tokens", json={"username": "BOSS ", "password": "x"}))
    assert client.get("/login").status_code == 200         # showing the page is not counted
    assert _login_try(client, "someone-else").status_code == 200


def test_login_is_limited_per_address(client, db):
    for n in range(6):
        assert _login_try(client, f"name{n}").status_code == 200
    assert_limited_page(_login_try(client, "name-new"))
    other = client.post("/api/v1/tokens", json={"username": "name-x", "password": "x"},
                        environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other.status_code == 401                        # another address is not affected


def test_registration_is_limited_per_phone_and_per_address(client, db):
    unit = f.unit()
    phone = f.unique_phone()
    body = {"name": "李小龙", "id_number": "bad", "phone": phone, "password": "good-pass-123",
            "consent": True, "unit_id": unit.id}
    elsewhere = {"REMOTE_ADDR": "198.51.100.7"}
    assert client.post("/api/v1/volunteers", json=body).status_code == 422
    assert client.post("/api/v1/volunteers", json=body).status_code == 422
    assert_limited_json(client.post("/api/v1/volunteers", json=body, environ_base=elsewhere))  # same phone
    page = client.post("/register", data={"phone": phone, "csrf_token": f.csrf_token(client, "/register")})
    assert_limited_page(page)                              # the page shares the counts
    for _ in range(2):                                     # this address: 4 counted in all
        other = dict(body, phone=f.unique_phone())
        assert client.post("/api/v1/volunteers", json=other).status_code in (422, 429)
    assert_limited_json(client.post("/api/v1/volunteers", json=dict(body, phone=f.unique_phone())))
    assert client.post("/api/v1/volunteers", json=dict(body, phone=f.unique_phone()),
                       environ_base=elsewhere).status_code == 422


def test_verify_code_is_limited_per_merchant(client, db):
    from app.services.incentives.merchants import create_merchant, create_merchant_account
    admin = f.platform_admin("boss")
    merchant = create_merchant(name="城东药房", address="人民路1号", by=admin, approved=True)
    create_merchant_account(merchant, username="shop", password=f.PASSWORD, name="店长", by=admin)
    db.session.commit()
    headers = f.api_token(client, "shop")
    for _ in range(3):
        assert client.post("/api/v1/merchant/verify", json={"code": "nonsense"}, headers=headers).status_code == 400
    assert_limited_json(client.post("/api/v1/merchant/verify", json={"code": "nonsense"}, headers=headers))
    assert_limited_json(client.post("/api/v1/coupons/1/redeem", json={"code": "nonsense"}, headers=headers))


def test_the_merchant_counter_page_is_limited_per_merchant(client, db):
    from app.services.incentives.merchants import create_merchant, create_merchant_account
    admin = f.platform_admin("boss")
    merchant = create_merchant(name="城东药房", address="人民路1号", by=admin, approved=True)
    create_merchant_account(merchant, username="shop", password=f.PASSWORD, name="店长", by=admin)
    db.session.commit()
    f.login(client, "shop")
    token = f.csrf_token(client, "/merchant/")
    for _ in range(3):
        assert client.post("/merchant/code", data={"csrf_token": token, "code": "nonsense"}).status_code == 400
    assert_limited_page(client.post("/merchant/code", data={"csrf_token": token, "code": "nonsense"}))
    assert_limited_page(client.post("/merchant/redeem", data={"csrf_token": token, "code": "x", "coupon_id": 1}))


def test_certificate_check_is_limited_per_address(client, db):
    for _ in range(3):
        assert client.get("/certificates/check/forged-token").status_code == 404
    assert_limited_page(client.get("/certificates/check/forged-token"))
    english = client.get("/certificates/check/forged-token", headers={"Accept-Language": "en"})
    assert english.status_code == 429 and "Too many requests" in english.get_data(as_text=True)
    assert client.get("/certificates/check/forged-token",
                      environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 404


def test_password_reset_is_limited_per_admin(client, db):
    boss = f.platform_admin("boss")
    unit = f.unit(admin=boss)
    target = f.unit_admin(unit)
    f.login(client, boss)
    path = f"/admin/units/{unit.id}/admins/{target.id}/password"
    for _ in range(2):
        assert f.post_form(client, path, {"password": "short"}).status_code == 200
    assert_limited_page(f.post_form(client, path, {"password": "another-good-pass"}))
    assert client.get(path).status_code == 200            # the form still shows


def test_the_openapi_document_describes_429(client, db):
    spec = client.get("/api/v1/openapi.json").json
    operations = {op["operationId"]: op for path in spec["paths"].values() for op in path.values()
                  if isinstance(op, dict) and "operationId" in op}
    for name in ("createToken", "registerVolunteer", "verifyCode", "redeemCoupon"):
        answer = operations[name]["responses"]["429"]
        assert "Retry-After" in answer["headers"]
        assert "error" in answer["content"]["application/json"]["schema"]["properties"]
