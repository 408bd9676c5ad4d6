"""Projects and sign-ups in the JSON API: createProject, listProjects, getProject (with its
figures) and signUpForProject, in the OpenAPI document."""
from datetime import timedelta

from app.services.clock import local_today
from tests import factories as f

OPERATIONS = {"listProjects", "createProject", "getProject", "signUpForProject"}


def test_the_project_operations_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    ids = {op.get("operationId") for path in spec["paths"].values() for op in path.values() if isinstance(op, dict)}
    assert ids >= OPERATIONS


def test_an_admin_creates_a_project_a_volunteer_signs_up_once(client, db):
    unit, other = f.unit(), f.unit()
    admin, volunteer = f.unit_admin(unit), f.volunteer(unit, name="接口报名")
    headers = f.api_token(client, admin.username)
    today = local_today()
    body = {"title": "夏日送清凉", "purpose": "为户外劳动者送水", "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=60)).isoformat(), "unit_id": unit.id, "budget_source": "政府购买服务"}
    made = client.post("/api/v1/projects", json=body, headers=headers)
    assert made.status_code == 201, made.json
    project_id = made.json["id"]
    assert client.post("/api/v1/projects", json=body | {"unit_id": other.id}, headers=headers).status_code == 422
    assert client.post("/api/v1/projects", json=body | {"ends_on": "2000-01-01"}, headers=headers).status_code == 422
    assert [p["title"] for p in client.get("/api/v1/projects").json["items"]] == ["夏日送清凉"]

    v_headers = f.api_token(client, volunteer.user.username)
    signed = client.post(f"/api/v1/projects/{project_id}/signups", headers=v_headers)
    assert signed.status_code == 201 and signed.json["signup_count"] == 1
    assert client.post(f"/api/v1/projects/{project_id}/signups", headers=v_headers).status_code == 409
    assert client.post(f"/api/v1/projects/{project_id}/signups", headers=headers).status_code == 403
    shown = client.get(f"/api/v1/projects/{project_id}").json
    assert shown["figures"] == {"signups": 1, "posts": 0, "activities": 0, "volunteers": 0, "hours": 0,
                                "beneficiaries": 0}
    assert client.get("/api/v1/projects/999999").status_code == 404
