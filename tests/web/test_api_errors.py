"""Every error of the API has the contract's shape; bad input never yields a 500."""
import pytest

from tests import factories as f


def assert_error_shape(response, status, code=None):
    assert response.status_code == status
    assert response.is_json
    error = response.json["error"]
    assert set(error) >= {"code", "message", "fields"}
    assert isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code
    return error


def test_unknown_path_and_method(client):
    assert_error_shape(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error_shape(client.delete("/api/v1/tokens"), 405, "method_not_allowed")


def test_malformed_json(client):
    response = client.post("/api/v1/tokens", data="{not json", content_type="application/json")
    assert_error_shape(response, 400, "malformed_json")


@pytest.mark.parametrize("body, field", [
    ({}, "username"),
    ({"username": "a", "password": "b", "extra": 1}, "extra"),
    ({"username": ["a"], "password": "b"}, "username"),
    ({"username": "x" * 65, "password": "b"}, "username"),
])
def test_bad_bodies_are_422_per_field(client, body, field):
    error = assert_error_shape(client.post("/api/v1/tokens", json=body), 422, "validation_failed")
    assert field in error["fields"]


def test_body_that_is_not_an_object(client):
    response = client.post("/api/v1/tokens", json=["a", "b"])
    assert response.status_code in (400, 422)
    assert_error_shape(response, response.status_code)


def test_openapi_document_lists_the_operations(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    ids = {op["operationId"] for item in spec["paths"].values() for op in item.values()
           if isinstance(op, dict) and "operationId" in op}
    contract = {"createToken", "registerVolunteer", "getMe", "createUnit", "createUnitAdmin", "createPost",
                "getPostPoster", "scan", "createRecord", "listRecords", "approveRecord", "rejectRecord",
                "getVolunteer", "createMerchant", "createOffer", "claimCoupon", "getCouponCode", "getCardCode",
                "verifyCode", "redeemCoupon", "generateBulletins", "listBulletins", "getBulletin",
                "revokeToken", "changePassword", "issueCertificate", "reportProblem", "listMyShifts",
                "applyForActivity", "decideApplication", "createNotice", "listNotices"}
    assert contract - ids == set()
    assert spec["paths"]["/api/v1/tokens/current"]["delete"]["operationId"] == "revokeToken"
    assert spec["paths"]["/api/v1/certificates"]["post"]["operationId"] == "issueCertificate"
    assert spec["paths"]["/api/v1/me/password"]["post"]["operationId"] == "changePassword"
    secured = [op for item in spec["paths"].values() for op in item.values()
               if isinstance(op, dict) and op.get("operationId") not in ("createToken", "registerVolunteer", "listCategories",
                                                                      "listSkills", "createNeed", "rateNeed",
                                                                      "getNeedStatus", "listProjects", "getProject")
               and "operationId" in op]
    assert all(op.get("security") == [{"bearerAuth": []}] for op in secured)


def test_html_errors_are_chinese_pages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"


def test_forbidden_page_in_chinese(client, db):
    f.login(client, f.unit_admin())
    response = client.get("/admin/units")
    assert response.status_code == 403
    assert "没有权限" in response.get_data(as_text=True)


def test_every_operation_documents_the_503_of_a_database_outage(client):
    spec = client.get("/api/v1/openapi.json").json
    operations = [op for item in spec["paths"].values() for op in item.values()
                  if isinstance(op, dict) and "operationId" in op]
    missing = [op["operationId"] for op in operations if "503" not in op["responses"]]
    assert operations and missing == []
    answer = operations[0]["responses"]["503"]
    assert "Retry-After" in answer["headers"]
    assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
