"""Teams that take applications: a team may require an application to join (and have a
capacity). The volunteer applies once with a short note on the team's phone page; whoever
manages the team's members (the platform admin, the admin of the team's unit or of a unit
paired with its station) accepts, which makes the volunteer a member in one of the team's
places, or declines with a reason the volunteer sees. The rules are selective recruitment's
(app.services.recruitment); only members count for the team's attendance, so an applicant's
service is recorded for the team only once accepted."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Team, TeamApplication, TeamMember, User, Volunteer
from app.services import audit, recruitment, teams
from app.services.errors import Conflict, ValidationFailed, get_or_404


def get_application(application_id: int) -> TeamApplication:
    return get_or_404(TeamApplication, application_id, _("申请不存在"))


def _is_member(team: Team, volunteer_id: int) -> bool:
    return (
        db.session.scalar(
            select(TeamMember.id).where(
                TeamMember.team_id == team.id, TeamMember.volunteer_id == volunteer_id
            )
        )
        is not None
    )


def set_recruitment(team: Team, *, requires_application: bool, capacity: int | None, by: User) -> Team:
    """Whether the team takes applications, and how many members it may have at most (never
    fewer than it has)."""
    teams.ensure_can_manage_team(by, team)
    if capacity is not None and (capacity < 1 or capacity > 100000):
        raise ValidationFailed(fields={"capacity": [_("人数上限须为1至100000之间的整数")]})
    if capacity is not None and capacity < team.member_count:
        raise ValidationFailed(
            fields={"capacity": [_("人数上限不能少于现有队员（%(n)d人）", n=team.member_count)]}
        )
    team.requires_application = requires_application
    team.capacity = capacity
    audit.changed(
        "team.recruitment_set", team, by=by, requires_application=requires_application, capacity=capacity
    )
    return team


def apply(volunteer: Volunteer, team: Team, note: str) -> TeamApplication:
    """Apply once to join an active team that takes applications and has a place left."""
    note = recruitment.clean_note(note)
    if not team.requires_application:
        raise Conflict(_("该队伍不接受入队申请"), reason="no_application")
    if not team.is_active:
        raise Conflict(_("该队伍已停用"), reason="over")
    if _is_member(team, volunteer.id):
        raise Conflict(_("您已是该队队员"), reason="member")
    if not recruitment.has_room(team, "member_count"):
        raise Conflict(_("该队伍已满员"), reason="full")
    application = TeamApplication(team_id=team.id, volunteer_id=volunteer.id, note=note)
    return recruitment.file(
        application, volunteer=volunteer, unit_id=team.unit_id, already=_("您已申请过该队伍")
    )


def decide(application: TeamApplication, *, accept: bool, reason: str | None, by: User) -> TeamApplication:
    """Accept (a place, a membership) or decline (a reason is required) a pending application."""
    team = application.team
    teams.ensure_can_manage_team(by, team)
    reason = recruitment.settle(application, accept=accept, reason=reason, by=by)
    if accept and not _is_member(team, application.volunteer_id):
        if not team.is_active:
            raise Conflict(_("该队伍已停用"), reason="over")
        teams.join(team, application.volunteer, by=by)
    return recruitment.concluded(application, team, accept=accept, reason=reason, by=by)


def applications_of(team: Team) -> list[TeamApplication]:
    return recruitment.listed_for(TeamApplication, "team", team.id)


def my_applications(volunteer: Volunteer) -> list[TeamApplication]:
    return recruitment.listed_by(TeamApplication, "team", volunteer)


def application_of(volunteer: Volunteer | None, team: Team) -> TeamApplication | None:
    return recruitment.one_of(TeamApplication, "team", team.id, volunteer)


def recruiting_teams() -> list[Team]:
    """Active teams that take applications, for volunteers to find (at most 100)."""
    return list(
        db.session.scalars(
            select(Team)
            .where(Team.requires_application.is_(True), Team.is_active.is_(True))
            .options(selectinload(Team.unit), selectinload(Team.station))
            .order_by(Team.id)
            .limit(100)
        )
    )
