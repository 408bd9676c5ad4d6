"""Project pages: an admin publishes a project; anyone reads its public page with its figures;
a volunteer signs up there once; an anonymous visitor is sent to log in."""
from datetime import timedelta

from sqlalchemy import select

from app.models import Project, ProjectSignup
from app.services.clock import local_today
from tests import factories as f


def test_admin_publishes_a_project_and_a_volunteer_signs_up_on_its_public_page(client, db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    volunteer = f.volunteer(unit, name="报名者")
    f.login(client, admin)
    today = local_today()
    made = f.post_form(client, "/projects/", {
        "title": "河道守护", "purpose": "每周巡河、清理垃圾", "category_id": 0,
        "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=90)).isoformat(),
        "unit_id": unit.id, "team_id": 0, "target_volunteers": 20, "budget_source": "政府购买服务"})
    assert made.status_code == 302, made.get_data(as_text=True)[:500]
    project = db.session.scalar(select(Project).where(Project.title == "河道守护"))
    backwards = f.post_form(client, "/projects/", {
        "title": "倒序", "purpose": "x", "category_id": 0, "starts_on": today.isoformat(),
        "ends_on": (today - timedelta(days=1)).isoformat(), "unit_id": unit.id, "team_id": 0})
    assert backwards.status_code == 422 and db.session.scalar(select(Project.id).where(Project.title == "倒序")) is None
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/projects/")})

    public = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "河道守护" in public and "政府购买服务" in public and "登录后报名" in public
    assert "河道守护" in client.get("/projects/").get_data(as_text=True)
    assert client.post(f"/projects/{project.id}/signup").status_code in (302, 400)
    assert db.session.scalar(select(ProjectSignup.id)) is None

    f.login(client, volunteer.user)
    signed = f.post_form(client, f"/projects/{project.id}/signup", {}, token_from=f"/projects/{project.id}",
                         follow_redirects=True)
    assert "报名成功" in signed.get_data(as_text=True)
    again = f.post_form(client, f"/projects/{project.id}/signup", {}, token_from=f"/projects/{project.id}",
                        follow_redirects=True)
    assert "您已报名该项目" in again.get_data(as_text=True)
    assert db.session.scalar(select(Project.signup_count).where(Project.id == project.id)) == 1
