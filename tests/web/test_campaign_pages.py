"""Campaign pages: the office sets a campaign and asks a unit for people; the unit names a
volunteer; the volunteer sees the shift on the phone and through listMyShifts; other units'
admins cannot touch the roster."""
from datetime import timedelta

from sqlalchemy import func, select

from app.models import Campaign, Shift, ShiftAssignment
from app.services.clock import local_today
from tests import factories as f


def test_office_sets_a_campaign_a_unit_fills_its_shift_and_the_volunteer_sees_it(client, db):
    office, unit = f.platform_admin(), f.unit(name="阳光街道")
    admin = f.unit_admin(unit)
    volunteer = f.volunteer(unit, name="排班者")
    stranger = f.unit_admin(f.unit())
    today = local_today()
    f.login(client, office)
    made = f.post_form(client, "/campaigns/", {
        "name": "文明劝导行动", "kind": "campaign", "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=30)).isoformat(), "description": "<b>路口劝导</b>"})
    assert made.status_code == 302, made.get_data(as_text=True)[:500]
    campaign = db.session.scalar(select(Campaign))
    bad = f.post_form(client, "/campaigns/", {"name": "x", "kind": "campaign", "starts_on": today.isoformat(),
                                              "ends_on": (today - timedelta(days=1)).isoformat()})
    assert bad.status_code == 422 and db.session.scalar(select(Campaign).where(Campaign.name == "x")) is None
    page = f"/campaigns/{campaign.id}"
    assert "&lt;b&gt;路口劝导" in client.get(page).get_data(as_text=True)
    tomorrow = (today + timedelta(days=1)).isoformat()
    asked = f.post_form(client, f"{page}/quota", {
        "unit_id": unit.id, "post_id": 0, "area": "人民路口", "first_day": tomorrow, "last_day": tomorrow,
        "start": "08:00", "end": "10:00", "quota": 2}, token_from=page)
    assert asked.status_code == 302, asked.get_data(as_text=True)[:800]
    shift = db.session.scalar(select(Shift))
    assert shift.quota == 2 and shift.unit_id == unit.id
    client.post("/logout", data={"csrf_token": f.csrf_token(client, page)})

    f.login(client, stranger)
    assert client.get(f"/campaigns/shifts/{shift.id}").status_code == 403
    refused = f.post_form(client, f"/campaigns/shifts/{shift.id}/roster", {"volunteer_no": volunteer.volunteer_no},
                          token_from="/campaigns/")
    assert refused.status_code == 403
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/campaigns/")})

    f.login(client, admin)
    shown = client.get(page).get_data(as_text=True)
    assert "人民路口" in shown and "向单位派驻" not in shown
    rostered = f.post_form(client, f"/campaigns/shifts/{shift.id}/roster", {"volunteer_no": volunteer.volunteer_no},
                           token_from=f"/campaigns/shifts/{shift.id}", follow_redirects=True)
    assert "已安排排班者" in rostered.get_data(as_text=True)
    twice = f.post_form(client, f"/campaigns/shifts/{shift.id}/roster", {"volunteer_no": volunteer.volunteer_no},
                        token_from=f"/campaigns/shifts/{shift.id}")
    assert twice.status_code == 409 and "已有排班" in twice.get_data(as_text=True)
    unknown = f.post_form(client, f"/campaigns/shifts/{shift.id}/roster", {"volunteer_no": "nobody"},
                          token_from=f"/campaigns/shifts/{shift.id}")
    assert unknown.status_code == 422
    assert db.session.scalar(select(Shift.filled)) == 1
    client.post("/logout", data={"csrf_token": f.csrf_token(client, page)})

    f.login(client, volunteer.user)
    phone = client.get("/me/shifts/").get_data(as_text=True)
    assert "人民路口" in phone and "文明劝导行动" in phone
    headers = f.api_token(client, volunteer.user.username)
    listed = client.get("/api/v1/me/shifts", headers=headers)
    assert listed.status_code == 200
    [item] = listed.json["items"]
    assignment = db.session.scalar(select(ShiftAssignment))
    assert item["id"] == assignment.id and item["area"] == "人民路口" and item["came_at"] is None
    admin_headers = f.api_token(client, admin.username)
    assert client.get("/api/v1/me/shifts", headers=admin_headers).status_code == 403


def test_a_unit_gives_its_posts_days_and_projects_to_a_campaign(client, db):
    from app.models import CampaignPostDay, Project
    from app.services import campaigns, posts, projects
    office, unit, other = f.platform_admin(), f.unit(), f.unit()
    admin = f.unit_admin(unit)
    today = local_today()
    campaign = campaigns.create_campaign(campaigns.CampaignInput(
        name="我们的节日·春节", kind="theme", starts_on=today, ends_on=today + timedelta(days=10)), by=office)
    post = posts.create_post(unit.id, posts.PostInput(name="社区岗"), by=admin)
    foreign = posts.create_post(other.id, posts.PostInput(name="别家岗"), by=office)
    project = projects.create_project(projects.ProjectInput(
        title="春节送温暖", purpose="探访", starts_on=today, ends_on=today + timedelta(days=5), unit_id=unit.id), by=admin)
    db.session.commit()
    f.login(client, admin)
    page = f"/campaigns/{campaign.id}"
    shown = client.get(page).get_data(as_text=True)
    assert "社区岗" in shown and "别家岗" not in shown
    given = f.post_form(client, f"{page}/post-days", {"post_id": post.id, "first": today.isoformat(),
                                                      "last": (today + timedelta(days=2)).isoformat()})
    assert given.status_code == 302
    assert db.session.scalar(select(func.count(CampaignPostDay.id))) == 3
    outside = f.post_form(client, f"{page}/post-days", {"post_id": post.id, "first": today.isoformat(),
                                                        "last": (today + timedelta(days=20)).isoformat()})
    assert outside.status_code == 422
    not_ours = f.post_form(client, f"{page}/post-days", {"post_id": foreign.id, "first": today.isoformat(),
                                                         "last": today.isoformat()})
    assert not_ours.status_code == 422  # not offered to this unit
    tagged = f.post_form(client, f"{page}/projects", {"project_id": project.id})
    assert tagged.status_code == 302
    assert db.session.get(Project, project.id).campaign_id == campaign.id
