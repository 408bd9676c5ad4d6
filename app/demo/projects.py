"""Demo data: three service projects (one a unit's, one a team's, one bought by the
government), with an activity and a post in the first, so the project pages have figures."""

from __future__ import annotations

from datetime import timedelta

from app.models import Post, Team, Unit, User
from app.services import projects
from app.services.clock import local_today


def load_projects(admin: User, unit_list: list[Unit], team_list: list[Team], first_post: Post | None) -> list:
    today = local_today()
    made = [
        projects.create_project(
            projects.ProjectInput(
                title="邻里守望·关爱空巢老人",
                purpose="每周上门探访空巢、独居老人，陪伴聊天、代购代办，建立一人一档。",
                starts_on=today - timedelta(days=60),
                ends_on=today + timedelta(days=300),
                unit_id=unit_list[0].id,
                target_volunteers=30,
                target_beneficiaries=500,
                budget_source="单位自筹",
            ),
            by=admin,
        ),
        projects.create_project(
            projects.ProjectInput(
                title="文明交通劝导",
                purpose="早晚高峰在主要路口劝导行人和非机动车遵守交通信号。",
                starts_on=today - timedelta(days=30),
                ends_on=today + timedelta(days=150),
                team_id=team_list[4].id,
                target_volunteers=40,
            ),
            by=admin,
        ),
        projects.create_project(
            projects.ProjectInput(
                title="社区健康义诊",
                purpose="医疗志愿服务队每月在实践站开展义诊和健康科普。",
                starts_on=today,
                ends_on=today + timedelta(days=365),
                team_id=team_list[-1].id,
                target_volunteers=12,
                target_beneficiaries=1200,
                budget_source="政府购买服务",
            ),
            by=admin,
        ),
    ]
    if first_post is not None:
        first_post.project_id = made[0].id
    return made
