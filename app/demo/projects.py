"""Demo data: three service projects (one a unit's, one a team's, one bought by the
government), with an activity and a post in the first, so the project pages have figures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.models import Post, Team, Unit, User
from app.services import projects
from app.services.clock import local_today


def _running(days_ago: int, days_left: int, **plan: Any) -> projects.ProjectInput:
    """A project that began `days_ago` days ago and runs `days_left` days more."""
    today = local_today()
    return projects.ProjectInput(
        starts_on=today - timedelta(days=days_ago), ends_on=today + timedelta(days=days_left), **plan
    )


def load_projects(admin: User, unit_list: list[Unit], team_list: list[Team], first_post: Post | None) -> list:
    plans = [
        _running(
            60,
            300,
            title="邻里守望·关爱空巢老人",
            purpose="每周上门探访空巢、独居老人，陪伴聊天、代购代办，建立一人一档。",
            unit_id=unit_list[0].id,
            target_volunteers=30,
            target_beneficiaries=500,
            budget_source="单位自筹",
        ),
        _running(
            30,
            150,
            title="文明交通劝导",
            purpose="早晚高峰在主要路口劝导行人和非机动车遵守交通信号。",
            team_id=team_list[4].id,
            target_volunteers=40,
        ),
        _running(
            0,
            365,
            title="社区健康义诊",
            purpose="医疗志愿服务队每月在实践站开展义诊和健康科普。",
            team_id=team_list[-1].id,
            target_volunteers=12,
            target_beneficiaries=1200,
            budget_source="政府购买服务",
        ),
    ]
    made = [projects.create_project(plan, by=admin) for plan in plans]
    if first_post is not None:
        first_post.project_id = made[0].id
    return made
