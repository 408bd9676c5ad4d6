"""API: teams (志愿服务队), their members, and the attendance their leaders record."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.auth_state import ADMINS, api_user
from app.hours import hours
from app.models.teams import TEAM_LEVELS
from app.services import teams
from app.services.clock import iso, parse_local
from app.web.api.common import Bool, Id, Int, Moment, OptionalText, StrictSchema, Text, operation

blp = Blueprint("api_teams", __name__, description="Teams: hierarchy, members, leaders' attendance")
SEERS = ("platform_admin", "unit_admin", "volunteer")


class TeamCreate(StrictSchema):
    name = Text(required=True, validate=validate.Length(min=1, max=100))
    level = Text(
        required=True,
        validate=validate.OneOf(TEAM_LEVELS),
        metadata={
            "description": "corps 总队, brigade 大队 (under a corps), squad 小队 (under a brigade), "
            "professional 专业志愿服务队 (with a speciality)"
        },
    )
    speciality = OptionalText(50)
    parent_id = Id(load_default=None, allow_none=True)
    unit_id = Id(load_default=None, allow_none=True, metadata={"description": "the owner: a unit, or"})
    station_id = Id(load_default=None, allow_none=True, metadata={"description": "a practice station"})


class TeamOut(StrictSchema):
    id = Id()
    name = Text()
    level = Text()
    speciality = Text(allow_none=True)
    parent_id = Id(allow_none=True)
    unit_id = Id(allow_none=True)
    station_id = Id(allow_none=True)
    members = Int()
    leaders = Int()
    hours = fields.Float(metadata={"description": "the members' approved hours"})


class TeamList(StrictSchema):
    items = fields.List(fields.Nested(TeamOut))


class MemberCreate(StrictSchema):
    volunteer_no = Text(required=True, validate=validate.Length(min=1, max=20))
    name = Text(
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"description": "must match the volunteer number"},
    )
    leader = Bool(load_default=False)


class MemberOut(StrictSchema):
    id = Id()
    volunteer_id = Id()
    volunteer_no = Text(attribute="volunteer.volunteer_no")
    name = Text(attribute="volunteer.name")
    leader = Bool(attribute="is_leader")
    hours = fields.Float(attribute="volunteer.hours")


class MemberList(StrictSchema):
    items = fields.List(fields.Nested(MemberOut))


class AttendanceCreate(StrictSchema):
    member_id = Id(required=True, metadata={"description": "from listTeamMembers"})
    started_at = Moment(required=True, default_timezone=None)
    ended_at = Moment(required=True, default_timezone=None)
    note = OptionalText(500)


class AttendanceResult(StrictSchema):
    id = Id()
    volunteer_id = Id()
    started_at = Text()
    ended_at = Text()
    hours = fields.Float()
    status = Text(metadata={"description": "pending: counts once the unit approves it"})


def _team_json(row: teams.TeamRow) -> dict:
    t = row.team
    return {
        "id": t.id,
        "name": t.name,
        "level": t.level,
        "speciality": t.speciality,
        "parent_id": t.parent_id,
        "unit_id": t.unit_id,
        "station_id": t.station_id,
        "members": row.members,
        "leaders": row.leaders,
        "hours": row.hours,
    }


@blp.get("/teams")
@operation(blp, "listTeams", *SEERS)
@blp.response(200, TeamList)
def list_teams():
    """The teams the caller may see (a leader: the teams they lead), with counts by team."""
    return {"items": [_team_json(r) for r in teams.team_rows(api_user())]}


@blp.post("/teams")
@operation(blp, "createTeam", *ADMINS)
@blp.arguments(TeamCreate)
@blp.response(201, TeamOut)
def create_team(body):
    team = teams.create_team(teams.TeamInput(**body), by=api_user())
    return _team_json(teams.TeamRow(team, 0, 0, 0.0))


@blp.get("/teams/<int:team_id>/members")
@operation(blp, "listTeamMembers", *SEERS)
@blp.response(200, MemberList)
def list_team_members(team_id: int):
    team = teams.get_team(team_id)
    teams.ensure_can_see_team(api_user(), team)
    return {"items": teams.members(team)}


@blp.post("/teams/<int:team_id>/members")
@operation(blp, "addTeamMember", *ADMINS)
@blp.arguments(MemberCreate)
@blp.response(201, MemberOut)
def add_team_member(body, team_id: int):
    return teams.add_member(teams.get_team(team_id), **body, by=api_user())  # volunteer_no, name, leader


@blp.post("/teams/<int:team_id>/attendance")
@operation(blp, "recordTeamAttendance", *SEERS)
@blp.arguments(AttendanceCreate)
@blp.response(201, AttendanceResult)
def record_team_attendance(body, team_id: int):
    """A team leader (or a manager) records a member's service: pending the unit's review."""
    record = teams.record_attendance(
        teams.get_team(team_id),
        member_id=body["member_id"],
        started_at=parse_local(body["started_at"]),
        ended_at=parse_local(body["ended_at"]),
        note=body["note"],
        by=api_user(),
    )
    return _attendance_json(record)


def _attendance_json(record) -> dict:
    return {
        "id": record.id,
        "volunteer_id": record.volunteer_id,
        "started_at": iso(record.started_at),
        "ended_at": iso(record.ended_at),
        "hours": hours(record.seconds),
        "status": record.status,
    }
