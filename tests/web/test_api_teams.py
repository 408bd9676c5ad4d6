"""Teams in the JSON API: createTeam, addTeamMember, listTeams (counts by team), listTeamMembers
and recordTeamAttendance, with access as on the pages, all in the OpenAPI document."""
from datetime import timedelta

from app.services.clock import iso, now
from tests import factories as f

OPERATIONS = {"listTeams", "createTeam", "listTeamMembers", "addTeamMember", "recordTeamAttendance"}


def test_the_team_operations_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    ids = {op.get("operationId") for path in spec["paths"].values() for op in path.values() if isinstance(op, dict)}
    assert ids >= OPERATIONS


def test_an_admin_builds_a_team_the_leader_records_attendance_others_are_refused(client, db):
    unit, other = f.unit(), f.unit()
    admin = f.unit_admin(unit)
    leader, member = f.volunteer(unit, name="周队长"), f.volunteer(unit, name="吴队员")
    headers = f.api_token(client, admin.username)
    corps = client.post("/api/v1/teams", json={"name": "青年总队", "level": "corps", "unit_id": unit.id},
                        headers=headers)
    assert corps.status_code == 201, corps.json
    squad_wrong = client.post("/api/v1/teams", json={"name": "小队", "level": "squad", "unit_id": unit.id,
                                                     "parent_id": corps.json["id"]}, headers=headers)
    assert squad_wrong.status_code == 422 and "parent_id" in squad_wrong.json["error"]["fields"]
    team_id = corps.json["id"]
    for v, lead in ((leader, True), (member, False)):
        added = client.post(f"/api/v1/teams/{team_id}/members",
                            json={"volunteer_no": v.volunteer_no, "name": v.name, "leader": lead}, headers=headers)
        assert added.status_code == 201, added.json
    wrong_name = client.post(f"/api/v1/teams/{team_id}/members",
                             json={"volunteer_no": member.volunteer_no, "name": "别人"}, headers=headers)
    assert wrong_name.status_code == 404
    listed = client.get("/api/v1/teams", headers=headers).json["items"]
    assert [(t["name"], t["members"], t["leaders"]) for t in listed] == [("青年总队", 2, 1)]

    leader_headers = f.api_token(client, leader.user.username)
    members = client.get(f"/api/v1/teams/{team_id}/members", headers=leader_headers).json["items"]
    member_id = next(m["id"] for m in members if m["name"] == "吴队员")
    end = now() - timedelta(hours=1)
    recorded = client.post(f"/api/v1/teams/{team_id}/attendance", headers=leader_headers, json={
        "member_id": member_id, "started_at": iso(end - timedelta(hours=2)), "ended_at": iso(end), "note": "巡河"})
    assert recorded.status_code == 201 and recorded.json["status"] == "pending" and recorded.json["hours"] == 2
    assert client.post(f"/api/v1/teams/{team_id}/members", headers=leader_headers,
                       json={"volunteer_no": "x", "name": "y"}).status_code == 403

    member_headers = f.api_token(client, member.user.username)
    assert client.get("/api/v1/teams", headers=member_headers).json["items"] == []
    assert client.get(f"/api/v1/teams/{team_id}/members", headers=member_headers).status_code == 403
    stranger = f.api_token(client, f.unit_admin(other).username)
    assert client.get(f"/api/v1/teams/{team_id}/members", headers=stranger).status_code == 403
    assert client.post(f"/api/v1/teams/{team_id}/attendance", headers=stranger, json={
        "member_id": member_id, "started_at": iso(end - timedelta(hours=6)),
        "ended_at": iso(end - timedelta(hours=5))}).status_code == 403
