"""Service projects (志愿服务项目): a purpose, a period, an owner (a unit or a team), targets for
volunteers and beneficiaries, and a budget source. Activities and posts belong to a project;
volunteers sign up on its public page; the page shows what the project has done so far.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Activity, Post, Project, ProjectSignup, ServiceRecord, Team, User, Volunteer
from app.services import audit, categories, evidence, places, teams, units
from app.services.clock import local_today
from app.services.errors import Conflict, Forbidden, ValidationFailed, get_or_404

PURPOSE_MAX = 2000


@dataclass
class ProjectInput:
    title: str
    purpose: str
    starts_on: date
    ends_on: date
    unit_id: int | None = None
    team_id: int | None = None
    category_id: int | None = None
    target_volunteers: int | None = None
    target_beneficiaries: int | None = None
    budget_source: str | None = None


def get_project(project_id: int) -> Project:
    return get_or_404(Project, project_id, _("项目不存在"))


def can_manage_project(user: User | None, project: Project) -> bool:
    if project.unit_id is not None:
        return units.can_manage_unit(user, project.unit_id)
    team = db.session.get(Team, project.team_id)
    return team is not None and teams.can_manage_team(user, team)


def _validated(data: ProjectInput, by: User) -> ProjectInput:
    title = " ".join((data.title or "").split())
    purpose = (data.purpose or "").strip()
    budget = " ".join((data.budget_source or "").split()) or None
    fields: dict[str, list[str]] = {}
    if not title or len(title) > 100:
        fields["title"] = [_("请填写项目名称（不超过100字）")]
    if not purpose or len(purpose) > PURPOSE_MAX:
        fields["purpose"] = [_("请填写项目宗旨（不超过%(n)d字）", n=PURPOSE_MAX)]
    if data.ends_on < data.starts_on:
        fields["ends_on"] = [_("结束日期不能早于开始日期")]
    for name in ("target_volunteers", "target_beneficiaries"):
        value = getattr(data, name)
        if value is not None and not 1 <= value <= 10_000_000:
            fields[name] = [_("目标人数应在1到10000000之间")]
    if budget and len(budget) > 50:
        fields["budget_source"] = [_("经费来源不能超过50字")]
    if bad := categories.check_choice(data.category_id):
        fields["category_id"] = bad
    if (data.unit_id is None) == (data.team_id is None):
        fields["unit_id"] = [_("项目须由一个成员单位或一支志愿服务队负责（二者选一）")]
    elif data.unit_id is not None and not units.can_manage_unit(by, data.unit_id):
        fields["unit_id"] = [_("请选择您管理的成员单位")]
    elif data.team_id is not None:
        team = db.session.get(Team, data.team_id)
        if team is None or not teams.can_manage_team(by, team):
            fields["team_id"] = [_("请选择您管理的志愿服务队")]
    if fields:
        raise ValidationFailed(fields=fields)
    return replace(data, title=title, purpose=purpose, budget_source=budget)


def create_project(data: ProjectInput, *, by: User) -> Project:
    data = _validated(data, by)
    project = Project(**data.__dict__)
    db.session.add(project)
    db.session.flush()
    audit.log("project.created", project, by=by, unit_id=project.unit_id, title=project.title)
    return project


def list_projects(*, current_only: bool = False) -> list[Project]:
    """Projects, the latest first (current ones only: not yet ended)."""
    stmt = select(Project).options(selectinload(Project.unit), selectinload(Project.team))
    if current_only:
        stmt = stmt.where(Project.ends_on >= local_today())
    return list(db.session.scalars(stmt.order_by(Project.starts_on.desc(), Project.id.desc())))


def sign_up(volunteer: Volunteer, project: Project) -> ProjectSignup:
    """A volunteer joins a project's recruitment, once, until the project ends."""
    if project.ends_on < local_today():
        raise Conflict(_("项目已结束，不能再报名"))
    if (
        db.session.scalar(
            select(ProjectSignup.id).where(
                ProjectSignup.project_id == project.id, ProjectSignup.volunteer_id == volunteer.id
            )
        )
        is not None
    ):
        raise Conflict(_("您已报名该项目"))
    signup = ProjectSignup(project_id=project.id, volunteer_id=volunteer.id)
    db.session.add(signup)
    db.session.flush()
    db.session.execute(
        update(Project)
        .where(Project.id == project.id)
        .values(signup_count=Project.signup_count + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(project, ["signup_count"])
    audit.log("project.signed_up", project, by=volunteer.user, volunteer_id=volunteer.id)
    return signup


def signed_up(volunteer: Volunteer | None, project: Project) -> bool:
    return (
        volunteer is not None
        and db.session.scalar(
            select(ProjectSignup.id).where(
                ProjectSignup.project_id == project.id, ProjectSignup.volunteer_id == volunteer.id
            )
        )
        is not None
    )


@dataclass
class ProjectFigures:
    signups: int
    posts: int
    activities: int
    volunteers: int  # distinct volunteers with approved service in the project
    hours: float
    beneficiaries: int = 0  # people served by its activities and on its posts' days


def figures(project: Project) -> ProjectFigures:
    """What the project has done to date: approved service at its posts or in its activities."""
    in_project = or_(
        ServiceRecord.post_id.in_(select(Post.id).where(Post.project_id == project.id)),
        ServiceRecord.activity_id.in_(select(Activity.id).where(Activity.project_id == project.id)),
    )
    volunteers, seconds = db.session.execute(
        select(
            func.count(func.distinct(ServiceRecord.volunteer_id)),
            func.coalesce(func.sum(ServiceRecord.seconds), 0),
        ).where(ServiceRecord.status == "approved", in_project)
    ).one()
    posts = db.session.scalar(select(func.count()).where(Post.project_id == project.id)) or 0
    activities = db.session.scalar(select(func.count()).where(Activity.project_id == project.id)) or 0
    served = evidence.beneficiaries_sum([Activity.project_id == project.id], [Post.project_id == project.id])
    return ProjectFigures(
        project.signup_count,
        posts,
        activities,
        int(volunteers or 0),
        round(int(seconds or 0) / 3600, 2),
        served,
    )


def check_project_of_unit(project_id: int | None, unit_id: int, *, current: int | None = None) -> list[str]:
    """Messages for the project a unit's post or activity belongs to (empty when fine): one the
    unit owns, or one of a team the unit's admin manages; the current one stays allowed."""
    if project_id is None or project_id == current:
        return []
    project = db.session.get(Project, project_id)
    if project is None or not _unit_runs(project, unit_id):
        return [_("请选择本单位或本单位队伍的项目")]
    return []


def _unit_runs(project: Project, unit_id: int) -> bool:
    if project.unit_id is not None:
        return project.unit_id == unit_id
    team = db.session.get(Team, project.team_id)
    if team is None:
        return False
    return team.unit_id == unit_id or (
        team.station_id is not None and places.is_paired(unit_id, team.station_id)
    )


def project_choices(unit_id: int | None) -> list[tuple[int, str]]:
    """(id, title) of the current projects a unit may attach posts and activities to (all for None)."""
    found = list_projects(current_only=True)
    return [(p.id, p.title) for p in found if unit_id is None or _unit_runs(p, unit_id)]


def ensure_can_manage_project(user: User | None, project: Project) -> None:
    if not can_manage_project(user, project):
        raise Forbidden(_("您不能管理这个项目"))
