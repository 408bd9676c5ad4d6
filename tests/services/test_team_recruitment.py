"""Teams that take applications: a volunteer applies once with a note; whoever manages the
team accepts (a place, a membership) or declines with a reason; only members count for the
team's attendance; the capacity holds under racing applications, acceptances and additions."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import AuditEntry, Team, TeamApplication, TeamMember, User, Volunteer
from app.services import team_recruitment, teams
from app.services.clock import now
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests import factories as f


def recruiting(unit, admin, *, capacity=2, name="应急救援队"):
    team = teams.create_team(teams.TeamInput(name=name, level="corps", unit_id=unit.id), by=admin)
    return team_recruitment.set_recruitment(team, requires_application=True, capacity=capacity, by=admin)


@pytest.fixture
def setting(db):
    unit = f.unit()
    return unit, f.unit_admin(unit)


def reason_of(exc_info) -> str:
    return exc_info.value.details["reason"]


def test_a_team_takes_applications_only_when_its_managers_say_so(setting):
    unit, admin = setting
    team = teams.create_team(teams.TeamInput(name="普通队", level="corps", unit_id=unit.id), by=admin)
    assert (team.requires_application, team.capacity, team.member_count) == (False, None, 0)
    volunteer = f.volunteer(unit)
    with pytest.raises(Conflict) as plain:
        team_recruitment.apply(volunteer, team, "")
    assert reason_of(plain) == "no_application"
    with pytest.raises(Forbidden):
        team_recruitment.set_recruitment(team, requires_application=True, capacity=None, by=f.unit_admin(f.unit()))
    with pytest.raises(ValidationFailed):
        team_recruitment.set_recruitment(team, requires_application=True, capacity=0, by=admin)
    teams.add_member(team, volunteer_no=volunteer.volunteer_no, name=volunteer.name, by=admin)
    teams.add_member(team, volunteer_no=(v2 := f.volunteer(unit, name="李四")).volunteer_no, name="李四", by=admin)
    assert team.member_count == 2
    with pytest.raises(ValidationFailed) as below:
        team_recruitment.set_recruitment(team, requires_application=True, capacity=1, by=admin)
    assert "capacity" in below.value.fields
    team_recruitment.set_recruitment(team, requires_application=True, capacity=2, by=admin)
    assert (team.requires_application, team.capacity) == (True, 2)
    assert team_recruitment.recruiting_teams() == [team]
    with pytest.raises(Conflict) as member:
        team_recruitment.apply(volunteer, team, "")
    assert reason_of(member) == "member"
    with pytest.raises(Conflict) as full:
        team_recruitment.apply(f.volunteer(unit), team, "")
    assert reason_of(full) == "full"
    with pytest.raises(Conflict) as full_add:  # the capacity holds for an admin's addition too
        teams.add_member(team, volunteer_no=(v3 := f.volunteer(unit, name="王五")).volunteer_no, name=v3.name, by=admin)
    assert reason_of(full_add) == "full"
    teams.remove_member(teams.members(team)[-1], by=admin)
    assert team.member_count == 1 and teams.members(team)[0].volunteer_id == volunteer.id
    assert v2.id not in {m.volunteer_id for m in teams.members(team)}
    team.is_active = False
    with pytest.raises(Conflict) as inactive:
        team_recruitment.apply(f.volunteer(unit), team, "")
    assert reason_of(inactive) == "over"
    assert team_recruitment.recruiting_teams() == []


def test_apply_once_then_accept_into_the_team_or_decline_with_a_reason(setting):
    unit, admin = setting
    team = recruiting(unit, admin, capacity=1)
    a, b, c = f.volunteer(unit, name="甲一"), f.volunteer(unit, name="乙二"), f.volunteer(f.unit(), name="丙三")
    first = team_recruitment.apply(a, team, " 有救援证书 ")
    assert (first.status, first.note, first.team_id) == ("pending", "有救援证书", team.id)
    with pytest.raises(Conflict) as twice:
        team_recruitment.apply(a, team, "again")
    assert reason_of(twice) == "already_applied"
    with pytest.raises(ValidationFailed):
        team_recruitment.apply(b, team, "长" * 301)
    second = team_recruitment.apply(b, team, "")
    third = team_recruitment.apply(c, team, "")  # another unit's volunteer may apply, as be added
    assert team_recruitment.application_of(a, team) == first and team_recruitment.application_of(None, team) is None
    assert team.member_count == 0 and teams.members(team) == []  # applying makes no member

    with pytest.raises(Forbidden):
        team_recruitment.decide(first, accept=True, reason=None, by=f.unit_admin(f.unit()))
    with pytest.raises(Forbidden):  # a volunteer decides nothing
        team_recruitment.decide(first, accept=True, reason=None, by=b.user)
    with pytest.raises(ValidationFailed):
        team_recruitment.decide(second, accept=False, reason="  ", by=admin)
    with pytest.raises(ValidationFailed):
        team_recruitment.decide(second, accept=False, reason="长" * 301, by=admin)

    accepted = team_recruitment.decide(first, accept=True, reason=None, by=admin)
    assert (accepted.status, accepted.decided_by_id) == ("accepted", admin.id) and accepted.decided_at
    assert [m.volunteer_id for m in teams.members(team)] == [a.id] and team.member_count == 1
    _db.session.commit()
    with pytest.raises(Conflict) as decided:
        team_recruitment.decide(first, accept=False, reason="x", by=admin)
    assert reason_of(decided) == "decided"
    with pytest.raises(Conflict) as full:
        team_recruitment.decide(second, accept=True, reason=None, by=admin)
    assert reason_of(full) == "full"
    _db.session.rollback()  # the door rolls a refusal back: the application stays pending
    second = _db.session.get(TeamApplication, second.id)
    assert second.status == "pending"
    declined = team_recruitment.decide(second, accept=False, reason="名额已满，下次优先", by=admin)
    assert (declined.status, declined.reason) == ("declined", "名额已满，下次优先")
    assert [x.id for x in team_recruitment.my_applications(b)] == [second.id]  # the volunteer sees why
    assert [x.id for x in team_recruitment.applications_of(team)] == [first.id, second.id, third.id]
    actions = set(_db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "TeamApplication")))
    assert actions == {"application.created", "application.accepted", "application.declined"}
    with pytest.raises(NotFound):
        team_recruitment.get_application(10**9)


def test_accepting_someone_already_added_takes_no_second_place(setting):
    unit, admin = setting
    team = recruiting(unit, admin, capacity=3)
    volunteer = f.volunteer(unit, name="赵六")
    application = team_recruitment.apply(volunteer, team, "")
    teams.add_member(team, volunteer_no=volunteer.volunteer_no, name="赵六", by=admin)
    assert team_recruitment.decide(application, accept=True, reason=None, by=admin).status == "accepted"
    assert team.member_count == 1 and len(teams.members(team)) == 1


def test_only_members_count_for_the_teams_attendance(setting):
    unit, admin = setting
    team = recruiting(unit, admin, capacity=5)
    leader, applicant, declined = f.volunteer(unit, name="队长"), f.volunteer(unit, name="申请人"), f.volunteer(unit, name="落选")
    teams.add_member(team, volunteer_no=leader.volunteer_no, name="队长", leader=True, by=admin)
    pending = team_recruitment.apply(applicant, team, "")
    team_recruitment.decide(team_recruitment.apply(declined, team, ""), accept=False, reason="不符合", by=admin)
    assert [m.volunteer_id for m in teams.members(team)] == [leader.id]  # the leader's attendance list
    end = now() - timedelta(hours=1)
    team_recruitment.decide(pending, accept=True, reason=None, by=admin)
    membership = next(m for m in teams.members(team) if m.volunteer_id == applicant.id)
    record = teams.record_attendance(team, member_id=membership.id, started_at=end - timedelta(hours=1),
                                     ended_at=end, note=None, by=leader.user)
    assert record.volunteer_id == applicant.id and record.status == "pending"


@pytest.mark.race
def test_racing_acceptances_and_applications_keep_the_teams_capacity(race, setting):
    unit, admin = setting
    team = recruiting(unit, admin, capacity=2)
    applicants = [f.volunteer(unit, name=f"申请{i}") for i in range(6)]
    application_ids = [team_recruitment.apply(v, team, "").id for v in applicants]
    admin_id, team_id = admin.id, team.id

    def accept(i):
        application = _db.session.get(TeamApplication, application_ids[i])
        return team_recruitment.decide(application, accept=True, reason=None, by=_db.session.get(User, admin_id)).id

    results = race(6, accept)
    assert len([r for r in results if isinstance(r, int)]) == 2
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, int))
    _db.session.expire_all()
    assert _db.session.get(Team, team_id).member_count == 2
    assert _db.session.scalar(select(func.count(TeamMember.id)).where(TeamMember.team_id == team_id)) == 2
    assert sorted(_db.session.scalars(select(TeamApplication.status))) == ["accepted"] * 2 + ["pending"] * 4

    late = f.volunteer(unit, name="迟到").id
    open_team = recruiting(unit, admin, capacity=5, name="第二队")
    open_id = open_team.id

    def apply_again(_i):
        return team_recruitment.apply(_db.session.get(Volunteer, late), _db.session.get(Team, open_id), "").id

    results = race(4, apply_again)
    assert len([r for r in results if isinstance(r, int)]) == 1  # the database keeps one application
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, int))
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count(TeamApplication.id)).where(TeamApplication.team_id == open_id)) == 1
