"""Volunteer service teams (志愿服务队): a 总队 → 大队 → 小队 hierarchy and professional teams
with a speciality, each belonging to a unit or to a practice station.

Who may act: the platform admin on every team; a unit admin on its unit's teams and on the
teams of stations the unit is paired with; a team leader (a volunteer) sees only the teams
they lead and records those teams' attendance, which enters the ledger pending the unit's
review.

A team may take applications (app.services.team_recruitment): an accepted applicant becomes a
member like one an admin adds, and only members' attendance can be recorded for the team.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from app.extensions import db, execute_dml
from app.models import PracticePlace, ServiceRecord, Team, TeamMember, Unit, User, Volunteer
from app.models.teams import PARENT_LEVEL, TEAM_LEVELS
from app.services import audit, ledger, places, recruitment, units
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed, get_or_404

LEVEL_LABELS = {
    "corps": _l("总队"),
    "brigade": _l("大队"),
    "squad": _l("小队"),
    "professional": _l("专业志愿服务队"),
}
TEAM_LEADER_FLAG = "team_leader"  # a record a team leader entered


def get_team(team_id: int) -> Team:
    return get_or_404(Team, team_id, _("志愿服务队不存在"))


def _volunteer_of(user: User | None) -> Volunteer | None:
    return user.volunteer if user is not None and user.role == "volunteer" else None


def leads(user: User | None, team: Team) -> bool:
    volunteer = _volunteer_of(user)
    return (
        volunteer is not None
        and db.session.scalar(
            select(TeamMember.id).where(
                TeamMember.team_id == team.id,
                TeamMember.volunteer_id == volunteer.id,
                TeamMember.is_leader.is_(True),
            )
        )
        is not None
    )


def can_manage_team(user: User | None, team: Team) -> bool:
    """The platform admin; the admin of the team's unit, or of a unit paired with its station."""
    if user is None or not user.is_authenticated:
        return False
    if user.role == "platform_admin":
        return True
    if user.role != "unit_admin" or user.unit_id is None:
        return False
    if team.unit_id is not None:
        return units.can_manage_unit(user, team.unit_id)
    return team.station_id is not None and places.is_paired(user.unit_id, team.station_id)


def ensure_can_manage_team(user: User | None, team: Team) -> None:
    if not can_manage_team(user, team):
        raise Forbidden(_("您不能管理这支志愿服务队"))


def ensure_can_see_team(user: User | None, team: Team) -> None:
    """Its managers, and its own leaders: a leader sees only the teams they lead."""
    if not (can_manage_team(user, team) or leads(user, team)):
        raise Forbidden(_("您只能查看自己带领的志愿服务队"))


@dataclass
class TeamInput:
    name: str
    level: str
    speciality: str | None = None
    parent_id: int | None = None
    unit_id: int | None = None
    station_id: int | None = None


def _validated(data: TeamInput, by: User) -> TeamInput:
    name = " ".join((data.name or "").split())
    speciality = " ".join((data.speciality or "").split()) or None
    fields: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        fields["name"] = [_("请填写队伍名称（不超过100字）")]
    if data.level not in TEAM_LEVELS:
        fields["level"] = [_("请选择队伍层级")]
    elif data.level == "professional" and not speciality:
        fields["speciality"] = [_("专业志愿服务队须填写专业方向")]
    if speciality and len(speciality) > 50:
        fields["speciality"] = [_("专业方向不能超过50字")]
    if (data.unit_id is None) == (data.station_id is None):
        fields["unit_id"] = [_("队伍须属于一个成员单位或一个新时代文明实践站（二者选一）")]
    elif data.unit_id is not None:
        if db.session.get(Unit, data.unit_id) is None or not units.can_manage_unit(by, data.unit_id):
            fields["unit_id"] = [_("请选择您管理的成员单位")]
    else:
        station = db.session.get(PracticePlace, data.station_id)
        if station is None or station.level != "station" or not places.can_see_place(by, station):
            fields["station_id"] = [_("请选择与本单位结对的实践站")]
    if data.level in TEAM_LEVELS and "level" not in fields:
        fields.update(_parent_problems(data))
    if fields:
        raise ValidationFailed(fields=fields)
    return TeamInput(
        name=name,
        level=data.level,
        speciality=speciality if data.level == "professional" else None,
        parent_id=data.parent_id,
        unit_id=data.unit_id,
        station_id=data.station_id,
    )


def _parent_problems(data: TeamInput) -> dict[str, list[str]]:
    wanted = PARENT_LEVEL[data.level]
    if data.parent_id is None:
        if data.level in ("brigade", "squad"):
            return {
                "parent_id": [
                    _(
                        "%(level)s须隶属于一支%(parent)s",
                        level=LEVEL_LABELS[data.level],
                        parent=LEVEL_LABELS[wanted or ""],
                    )
                ]
            }
        return {}
    parent = db.session.get(Team, data.parent_id)
    if wanted is None or parent is None or parent.level != wanted:
        return {
            "parent_id": [
                _(
                    "上级队伍的层级不对：%(level)s只能隶属于%(parent)s",
                    level=LEVEL_LABELS[data.level],
                    parent=LEVEL_LABELS[wanted],
                )
                if wanted
                else _("总队没有上级队伍")
            ]
        }
    return {}


def create_team(data: TeamInput, *, by: User) -> Team:
    data = _validated(data, by)
    team = Team(
        name=data.name,
        level=data.level,
        speciality=data.speciality,
        parent_id=data.parent_id,
        unit_id=data.unit_id,
        station_id=data.station_id,
    )
    db.session.add(team)
    db.session.flush()
    audit.log("team.created", team, by=by, unit_id=team.unit_id, name=team.name, level=team.level)
    return team


def _visible(user: User):
    """A select of the teams the user may see."""
    stmt = select(Team)
    if user.role == "platform_admin":
        return stmt
    if user.role == "unit_admin":
        stations = places.stations_of_unit(user.unit_id)
        return stmt.where(or_(Team.unit_id == user.unit_id, Team.station_id.in_(stations)))
    volunteer = _volunteer_of(user)
    led = select(TeamMember.team_id).where(
        TeamMember.volunteer_id == (volunteer.id if volunteer else -1), TeamMember.is_leader.is_(True)
    )
    return stmt.where(Team.id.in_(led))


@dataclass
class TeamRow:
    team: Team
    members: int
    leaders: int
    hours: float  # the members' approved hours (all of each member's service)


def team_rows(user: User, *, unit_id: int | None = None) -> list[TeamRow]:
    """The teams a user may see, with counts by team: members, leaders, members' hours. Two queries."""
    stmt = _visible(user).options(
        selectinload(Team.unit), selectinload(Team.station), selectinload(Team.parent)
    )
    if unit_id is not None:
        stmt = stmt.where(Team.unit_id == unit_id)
    teams = list(db.session.scalars(stmt.order_by(Team.id)))
    counts = {
        row[0]: row[1:]
        for row in db.session.execute(
            select(
                TeamMember.team_id,
                func.count(TeamMember.id),
                func.sum(func.cast(TeamMember.is_leader, db.Integer)),
                func.sum(Volunteer.approved_seconds),
            )
            .join(Volunteer, Volunteer.id == TeamMember.volunteer_id)
            .where(TeamMember.team_id.in_([t.id for t in teams]))
            .group_by(TeamMember.team_id)
        )
    }
    return [
        TeamRow(
            t,
            int(counts.get(t.id, (0,))[0] or 0),
            int((counts.get(t.id, (0, 0))[1]) or 0),
            round(int((counts.get(t.id, (0, 0, 0))[2]) or 0) / 3600, 2),
        )
        for t in teams
    ]


def members(team: Team) -> list[TeamMember]:
    return list(
        db.session.scalars(
            select(TeamMember)
            .options(selectinload(TeamMember.volunteer))
            .where(TeamMember.team_id == team.id)
            .order_by(TeamMember.is_leader.desc(), TeamMember.id)
        )
    )


def teams_of(volunteer: Volunteer) -> list[TeamMember]:
    """A volunteer's memberships (a volunteer can be in several teams)."""
    return list(
        db.session.scalars(
            select(TeamMember)
            .options(selectinload(TeamMember.team))
            .where(TeamMember.volunteer_id == volunteer.id)
            .order_by(TeamMember.id)
        )
    )


def add_member(team: Team, *, volunteer_no: str, name: str, leader: bool = False, by: User) -> TeamMember:
    """Add a volunteer, named by volunteer number AND name together (any unit's volunteer may
    join; the pair keeps a number alone from revealing who it is)."""
    ensure_can_manage_team(by, team)
    volunteer = db.session.scalar(
        select(Volunteer).where(Volunteer.volunteer_no == (volunteer_no or "").strip())
    )
    if volunteer is None or volunteer.name != (name or "").strip():
        raise NotFound(_("志愿者不存在"), fields={"volunteer_no": [_("未找到编号和姓名相符的志愿者")]})
    if (
        db.session.scalar(
            select(TeamMember.id).where(
                TeamMember.team_id == team.id, TeamMember.volunteer_id == volunteer.id
            )
        )
        is not None
    ):
        raise Conflict(_("%(n)s已在本队", n=volunteer.name), fields={"volunteer_no": [_("该志愿者已在本队")]})
    return join(team, volunteer, leader=leader, by=by)


def join(team: Team, volunteer: Volunteer, *, leader: bool = False, by: User) -> TeamMember:
    """Make a volunteer a member, in one of the team's places when it has a capacity (taken
    by a conditional UPDATE of its member count, so that racing additions keep it)."""
    if not recruitment.take_place(team, "member_count"):
        raise Conflict(_("该队伍已满员"), reason="full")
    member = TeamMember(team_id=team.id, volunteer_id=volunteer.id, is_leader=leader)
    db.session.add(member)
    db.session.flush()
    db.session.refresh(team)
    audit.log(
        "team.member_added", team, by=by, unit_id=team.unit_id, volunteer_id=volunteer.id, leader=leader
    )
    return member


def get_member(team: Team, member_id: int) -> TeamMember:
    return get_or_404(TeamMember, member_id, _("队员不存在"), team_id=team.id)


def set_leader(member: TeamMember, leader: bool, *, by: User) -> TeamMember:
    ensure_can_manage_team(by, member.team)
    member.is_leader = leader
    db.session.flush()
    audit.log(
        "team.leader_set" if leader else "team.leader_unset",
        member.team,
        by=by,
        unit_id=member.team.unit_id,
        volunteer_id=member.volunteer_id,
    )
    return member


def remove_member(member: TeamMember, *, by: User) -> None:
    team = member.team
    ensure_can_manage_team(by, team)
    audit.log("team.member_removed", team, by=by, unit_id=team.unit_id, volunteer_id=member.volunteer_id)
    db.session.delete(member)
    execute_dml(
        update(Team)
        .where(Team.id == team.id)
        .values(member_count=Team.member_count - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.refresh(team)


def record_attendance(
    team: Team, *, member_id: int, started_at: datetime, ended_at: datetime, note: str | None, by: User
) -> ServiceRecord:
    """A leader (or a manager) records a member's service for the team. It enters the ledger
    pending, flagged, in the review list of the team's unit (of the member's own unit for a
    station's team), so an admin approves what a volunteer entered."""
    ensure_can_see_team(by, team)
    member = get_member(team, member_id)
    volunteer = member.volunteer
    return ledger.create_record(
        volunteer,
        started_at=started_at,
        ended_at=ended_at,
        by=by,
        source="manual",
        note=note,
        status="pending",
        flags=[TEAM_LEADER_FLAG],
        unit_id=team.unit_id or volunteer.unit_id,
    )


def team_records(team: Team, *, limit: int = 50) -> list[ServiceRecord]:
    """The latest records the team's leaders entered for its members (newest first)."""
    member_ids = select(TeamMember.volunteer_id).where(TeamMember.team_id == team.id)
    leader_users = (
        select(Volunteer.user_id)
        .join(TeamMember, TeamMember.volunteer_id == Volunteer.id)
        .where(TeamMember.team_id == team.id, TeamMember.is_leader.is_(True))
    )
    return list(
        db.session.scalars(
            select(ServiceRecord)
            .options(selectinload(ServiceRecord.volunteer))
            .where(
                ServiceRecord.volunteer_id.in_(member_ids),
                ServiceRecord.flags.contains(TEAM_LEADER_FLAG),
                ServiceRecord.created_by_id.in_(leader_users),
            )
            .order_by(ServiceRecord.started_at.desc(), ServiceRecord.id.desc())
            .limit(limit)
        )
    )


def choices_for(user: User) -> dict[str, list[tuple[int, str]]]:
    """What a team form offers this user: units, stations and possible parent teams."""
    unit_rows = [
        (u.id, u.name) for u in units.list_units(active_only=True) if units.can_manage_unit(user, u.id)
    ]
    station_rows = [(p.id, p.name) for p in places.visible_stations(user)]
    parent_rows = [
        (r.team.id, f"{LEVEL_LABELS[r.team.level]} · {r.team.name}")
        for r in team_rows(user)
        if r.team.level in ("corps", "brigade")
    ]
    return {"units": unit_rows, "stations": station_rows, "parents": parent_rows}
