"""Teams that take applications, through the pages: the team's manager opens the team to
applications with a capacity; a volunteer finds it and applies on the phone (once); the
manager accepts one and declines another with a reason; the accepted one is a member and
the declined one reads the reason."""
from sqlalchemy import select

from app.models import TeamApplication, TeamMember
from app.services import teams
from tests import factories as f


def _logout(client):
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/campaigns/")})


def test_a_team_recruits_on_the_phone_and_its_manager_decides(client, db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    team = teams.create_team(teams.TeamInput(name="河湖守护队", level="corps", unit_id=unit.id), by=admin)
    chosen, other = f.volunteer(unit, name="入选者"), f.volunteer(unit, name="落选者")
    db.session.commit()

    f.login(client, admin)
    assert f"/team-applications/team/{team.id}/review" in client.get(f"/teams/{team.id}").get_data(as_text=True)
    review = f"/team-applications/team/{team.id}/review"
    bad = f.post_form(client, review, {"requires_application": "y", "capacity": "0"})
    assert bad.status_code in (400, 422) and not teams.get_team(team.id).requires_application
    saved = f.post_form(client, review, {"requires_application": "y", "capacity": "1"}, follow_redirects=True)
    assert saved.status_code == 200
    db.session.expire_all()
    assert (team.requires_application, team.capacity) == (True, 1)
    _logout(client)

    f.login(client, f.unit_admin(f.unit()))
    assert client.get(review).status_code == 403
    _logout(client)

    for volunteer, note in ((chosen, "<b>会游泳</b>"), (other, "")):
        f.login(client, volunteer.user)
        assert "申请加入志愿服务队" in client.get("/applications/mine").get_data(as_text=True)
        listed = client.get("/team-applications/").get_data(as_text=True)
        assert "河湖守护队" in listed and f"/team-applications/team/{team.id}" in listed
        sent = f.post_form(client, f"/team-applications/team/{team.id}", {"note": note}, follow_redirects=True)
        assert "已提交申请" in sent.get_data(as_text=True)
        again = f.post_form(client, f"/team-applications/team/{team.id}", {"note": "x"},
                            token_from="/applications/mine")
        assert again.status_code == 200 and "您已申请过该队伍" in again.get_data(as_text=True)
        _logout(client)
    assert len(db.session.scalars(select(TeamApplication)).all()) == 2

    f.login(client, admin)
    page = client.get(review).get_data(as_text=True)
    assert "&lt;b&gt;会游泳" in page and "入选者" in page
    first, second = db.session.scalars(select(TeamApplication).order_by(TeamApplication.id)).all()
    f.post_form(client, f"/team-applications/{first.id}/decide", {"decision": "accept"}, token_from=review)
    no_reason = f.post_form(client, f"/team-applications/{second.id}/decide", {"decision": "decline"},
                            token_from=review, follow_redirects=True)
    assert "婉拒时请填写理由" in no_reason.get_data(as_text=True)
    f.post_form(client, f"/team-applications/{second.id}/decide", {"decision": "decline", "reason": "本期已满员"},
                token_from=review)
    db.session.expire_all()
    assert [m.volunteer_id for m in db.session.scalars(select(TeamMember))] == [chosen.id]
    assert (first.status, second.status, second.reason) == ("accepted", "declined", "本期已满员")
    _logout(client)

    f.login(client, other.user)
    mine = client.get("/applications/mine").get_data(as_text=True)
    assert "入队：河湖守护队" in mine and "已婉拒" in mine and "本期已满员" in mine
