"""Service projects: owned by a unit or a team, with a period, targets and a budget source;
posts and activities belong to one; volunteers sign up once while it runs; the figures to
date count the approved service at its posts and in its activities."""
from datetime import timedelta

import pytest

from app.services import posts, projects, teams
from app.services.clock import local_today, now
from app.services.errors import Conflict, ValidationFailed
from tests import factories as f


def _project(by, **extra):
    data = {"title": "关爱空巢老人", "purpose": "上门探访", "starts_on": local_today() - timedelta(days=5),
            "ends_on": local_today() + timedelta(days=30)} | extra
    return projects.create_project(projects.ProjectInput(**data), by=by)


def test_a_project_has_one_owner_the_admin_manages_a_period_and_targets(db):
    unit, other = f.unit(), f.unit()
    admin = f.unit_admin(unit)
    team = teams.create_team(teams.TeamInput(name="总队", level="corps", unit_id=unit.id), by=admin)
    by_unit = _project(admin, unit_id=unit.id, target_volunteers=20, budget_source=" 政府购买服务 ")
    by_team = _project(admin, team_id=team.id, title="义诊")
    assert by_unit.budget_source == "政府购买服务" and by_team.team_id == team.id
    for bad, field in (({"unit_id": other.id}, "unit_id"), ({}, "unit_id"),
                       ({"unit_id": unit.id, "team_id": team.id}, "unit_id"),
                       ({"unit_id": unit.id, "ends_on": local_today() - timedelta(days=6)}, "ends_on"),
                       ({"unit_id": unit.id, "target_volunteers": 0}, "target_volunteers"),
                       ({"unit_id": unit.id, "purpose": "  "}, "purpose")):
        with pytest.raises(ValidationFailed) as refused:
            _project(admin, **bad)
        assert field in refused.value.fields


def test_volunteers_sign_up_once_while_the_project_runs(db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    project = _project(admin, unit_id=unit.id)
    v = f.volunteer(unit, name="报名人")
    projects.sign_up(v, project)
    assert project.signup_count == 1 and projects.signed_up(v, project)
    with pytest.raises(Conflict):
        projects.sign_up(v, project)
    ended = _project(admin, unit_id=unit.id, title="已结束", starts_on=local_today() - timedelta(days=30),
                     ends_on=local_today() - timedelta(days=1))
    with pytest.raises(Conflict):
        projects.sign_up(v, ended)
    assert ended.signup_count == 0


def test_posts_and_activities_belong_to_a_project_and_its_figures_count_their_service(db):
    unit, other = f.unit(), f.unit()
    admin = f.unit_admin(unit)
    project = _project(admin, unit_id=unit.id)
    post = posts.create_post(unit.id, posts.PostInput(name="探访岗", project_id=project.id), by=admin)
    activity = posts.create_activity(unit.id, posts.ActivityInput(
        title="探访日", kind="service", starts_at=now() + timedelta(days=1), ends_at=now() + timedelta(days=1, hours=2),
        post_id=post.id), by=admin)[0]
    assert activity.project_id == project.id
    with pytest.raises(ValidationFailed) as refused:  # another unit's post cannot join
        posts.create_post(other.id, posts.PostInput(name="外单位岗", project_id=project.id), by=f.platform_admin())
    assert "project_id" in refused.value.fields
    outside = posts.create_post(unit.id, posts.PostInput(name="项目外岗"), by=admin)
    a, b = f.volunteer(unit, name="服务甲"), f.volunteer(unit, name="服务乙")
    f.give_hours(a, 2, post=post)
    f.give_hours(b, 1.5, post=post)
    f.give_hours(b, 4, post=outside)
    figures = projects.figures(project)
    assert (figures.posts, figures.activities, figures.volunteers, figures.hours) == (1, 1, 2, 3.5)
