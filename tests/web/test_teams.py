"""Team pages: an admin builds a team and adds members and a leader; the leader sees only
that team and records attendance, which waits in the unit's review list."""
from datetime import timedelta

from sqlalchemy import select

from app.models import ServiceRecord, Team, TeamMember
from app.services import teams
from app.services.clock import local, now
from tests import factories as f


def _form_time(dt):
    return local(dt).strftime("%Y-%m-%dT%H:%M")


def test_admin_builds_a_team_a_leader_records_attendance_the_unit_reviews_it(client, db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    leader, member = f.volunteer(unit, name="李队长"), f.volunteer(unit, name="赵队员")
    f.login(client, admin)
    made = f.post_form(client, "/teams/", {"name": "阳光总队", "level": "corps", "unit_id": unit.id,
                                           "parent_id": 0, "station_id": 0}, token_from="/teams/")
    assert made.status_code == 302
    corps = db.session.scalar(select(Team).where(Team.name == "阳光总队"))
    refused = f.post_form(client, "/teams/", {"name": "无上级小队", "level": "squad", "unit_id": unit.id,
                                              "parent_id": 0, "station_id": 0}, token_from="/teams/")
    assert refused.status_code == 422 and "须隶属于" in refused.get_data(as_text=True)
    token = f.csrf_token(client, "/teams/")
    for v, lead in ((leader, "y"), (member, "")):
        data = {"member-csrf_token": token, "member-volunteer_no": v.volunteer_no, "member-name": v.name,
                "member-submit": "1"}
        if lead:
            data["member-leader"] = "y"
        assert client.post(f"/teams/{corps.id}", data=data).status_code == 302
    wrong = client.post(f"/teams/{corps.id}", data={"member-csrf_token": token, "member-volunteer_no": member.volunteer_no,
                                                    "member-name": "别人", "member-submit": "1"})
    assert wrong.status_code == 422 and "未找到编号和姓名相符的志愿者" in wrong.get_data(as_text=True)
    listing = client.get("/teams/").get_data(as_text=True)
    assert "阳光总队" in listing and "总队" in listing

    client.post("/logout", data={"csrf_token": token})
    f.login(client, leader.user)
    assert "阳光总队" in client.get("/teams/").get_data(as_text=True)
    page = client.get(f"/teams/{corps.id}")
    assert page.status_code == 200 and "赵队员" in page.get_data(as_text=True)
    assert "添加队员" not in page.get_data(as_text=True)  # the leader does not manage membership
    membership = db.session.scalar(select(TeamMember).where(TeamMember.volunteer_id == member.id))
    end = now() - timedelta(hours=2)
    token = f.csrf_token(client, f"/teams/{corps.id}")
    done = client.post(f"/teams/{corps.id}/attendance", data={
        "attendance-csrf_token": token, "attendance-member_id": membership.id,
        "attendance-started_at": _form_time(end - timedelta(hours=3)), "attendance-ended_at": _form_time(end),
        "attendance-note": "敬老院探访"})
    assert done.status_code == 302
    record = db.session.scalar(select(ServiceRecord).where(ServiceRecord.volunteer_id == member.id))
    assert record.status == "pending" and teams.TEAM_LEADER_FLAG in record.flag_list
    backwards = client.post(f"/teams/{corps.id}/attendance", data={
        "attendance-csrf_token": token, "attendance-member_id": membership.id,
        "attendance-started_at": _form_time(end), "attendance-ended_at": _form_time(end - timedelta(hours=1))})
    assert backwards.status_code == 422
    assert db.session.scalar(select(ServiceRecord.id).where(ServiceRecord.id != record.id)) is None


def test_a_leader_sees_only_the_team_a_member_and_other_admins_see_nothing(client, db):
    unit, other = f.unit(), f.unit()
    admin = f.unit_admin(unit)
    corps = teams.create_team(teams.TeamInput(name="总队", level="corps", unit_id=unit.id), by=admin)
    brigade = teams.create_team(teams.TeamInput(name="一大队", level="brigade", parent_id=corps.id, unit_id=unit.id),
                                by=admin)
    leader, plain = f.volunteer(unit, name="钱队长"), f.volunteer(unit, name="孙队员")
    teams.add_member(brigade, volunteer_no=leader.volunteer_no, name="钱队长", leader=True, by=admin)
    teams.add_member(corps, volunteer_no=plain.volunteer_no, name="孙队员", by=admin)
    db.session.commit()
    f.login(client, leader.user)
    assert client.get(f"/teams/{brigade.id}").status_code == 200
    assert client.get(f"/teams/{corps.id}").status_code == 403
    listing = client.get("/teams/").get_data(as_text=True)
    assert "一大队" in listing and f'/teams/{corps.id}"' not in listing
    assert client.post(f"/teams/{brigade.id}/members/1", data={"action": "remove"}).status_code in (400, 403)
    client2 = client.application.test_client()
    f.login(client2, plain.user)
    assert client2.get(f"/teams/{corps.id}").status_code == 403
    client3 = client.application.test_client()
    f.login(client3, f.unit_admin(other))
    assert client3.get(f"/teams/{corps.id}").status_code == 403
    assert f'/teams/{corps.id}"' not in client3.get("/teams/").get_data(as_text=True)
