"""Teams: the 总队 → 大队 → 小队 hierarchy and professional teams, members in several teams,
leaders who record their team's attendance through the ledger, counts by team, and access
(a leader sees only the team)."""
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from app.extensions import db as _db
from app.models import ServiceRecord, Team
from app.services import ledger, places, teams
from app.services.clock import now
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests import factories as f


def _corps_with_squad(unit, admin):
    corps = teams.create_team(teams.TeamInput(name="市志愿服务总队", level="corps", unit_id=unit.id), by=admin)
    brigade = teams.create_team(teams.TeamInput(name="第一大队", level="brigade", parent_id=corps.id,
                                                unit_id=unit.id), by=admin)
    squad = teams.create_team(teams.TeamInput(name="第一小队", level="squad", parent_id=brigade.id,
                                              unit_id=unit.id), by=admin)
    return corps, brigade, squad


def test_the_hierarchy_is_corps_brigade_squad_and_professional_teams_have_a_speciality(db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    corps, brigade, squad = _corps_with_squad(unit, admin)
    medical = teams.create_team(teams.TeamInput(name="医疗专业队", level="professional", speciality=" 医疗 ",
                                                parent_id=corps.id, unit_id=unit.id), by=admin)
    assert (squad.parent, brigade.parent, medical.speciality) == (brigade, corps, "医疗")
    with pytest.raises(ValidationFailed) as refused:
        teams.create_team(teams.TeamInput(name="错层小队", level="squad", parent_id=corps.id, unit_id=unit.id), by=admin)
    assert "parent_id" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        teams.create_team(teams.TeamInput(name="无上级大队", level="brigade", unit_id=unit.id), by=admin)
    assert "parent_id" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        teams.create_team(teams.TeamInput(name="电力队", level="professional", unit_id=unit.id), by=admin)
    assert "speciality" in refused.value.fields


@pytest.mark.parametrize("owner", ["none", "both", "other_unit"])
def test_a_team_belongs_to_one_unit_the_admin_manages_or_one_station(db, owner):
    unit, other = f.unit(), f.unit()
    admin = f.unit_admin(unit)
    station = _station(f.platform_admin())
    data = {"none": {}, "both": {"unit_id": unit.id, "station_id": station.id},
            "other_unit": {"unit_id": other.id}}[owner]
    with pytest.raises(ValidationFailed):
        teams.create_team(teams.TeamInput(name="某队", level="corps", **data), by=admin)


def test_the_database_refuses_a_team_with_two_owners(db):
    unit = f.unit()
    station = _station(f.platform_admin())
    _db.session.add(Team(name="两头队", level="corps", unit_id=unit.id, station_id=station.id))
    with pytest.raises(IntegrityError):
        _db.session.flush()
    _db.session.rollback()


def _station(admin, name="阳光实践站"):
    centre = places.create_place(name=f"{name}中心", level="centre", by=admin)
    institute = places.create_place(name=f"{name}所", level="institute", parent_id=centre.id, by=admin)
    return places.create_place(name=name, level="station", parent_id=institute.id, by=admin)


def test_a_station_team_is_managed_by_the_units_paired_with_the_station(db):
    admin = f.platform_admin()
    paired_unit, stranger_unit = f.unit(), f.unit()
    station = _station(admin)
    places.pair(station, paired_unit.id, by=admin)
    paired, stranger = f.unit_admin(paired_unit), f.unit_admin(stranger_unit)
    team = teams.create_team(teams.TeamInput(name="站点小队", level="corps", station_id=station.id), by=paired)
    assert teams.can_manage_team(paired, team) and not teams.can_manage_team(stranger, team)
    with pytest.raises(ValidationFailed):
        teams.create_team(teams.TeamInput(name="越权队", level="corps", station_id=station.id), by=stranger)
    assert [r.team for r in teams.team_rows(paired)] == [team]
    assert teams.team_rows(stranger) == []


def test_volunteers_join_several_teams_by_number_and_name(db):
    unit, other = f.unit(), f.unit()
    admin = f.unit_admin(unit)
    corps, brigade, squad = _corps_with_squad(unit, admin)
    wang = f.volunteer(other, name="王芳")  # another unit's volunteer may join
    teams.add_member(corps, volunteer_no=wang.volunteer_no, name="王芳", by=admin)
    teams.add_member(squad, volunteer_no=wang.volunteer_no, name="王芳", leader=True, by=admin)
    assert {m.team for m in teams.teams_of(wang)} == {corps, squad}
    with pytest.raises(Conflict):
        teams.add_member(squad, volunteer_no=wang.volunteer_no, name="王芳", by=admin)
    with pytest.raises(NotFound):  # the number alone does not do
        teams.add_member(brigade, volunteer_no=wang.volunteer_no, name="王五", by=admin)
    with pytest.raises(Forbidden):
        teams.add_member(squad, volunteer_no=wang.volunteer_no, name="王芳", by=f.unit_admin(other))


def test_counts_by_team_members_leaders_and_their_hours(db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    corps, _brigade, squad = _corps_with_squad(unit, admin)
    a, b = f.volunteer(unit, name="甲一"), f.volunteer(unit, name="乙二")
    f.give_hours(a, 3)
    f.give_hours(b, 1.5)
    for v in (a, b):
        teams.add_member(squad, volunteer_no=v.volunteer_no, name=v.name, leader=v is a, by=admin)
    rows = {r.team.id: r for r in teams.team_rows(admin)}
    assert (rows[squad.id].members, rows[squad.id].leaders, rows[squad.id].hours) == (2, 1, 4.5)
    assert (rows[corps.id].members, rows[corps.id].hours) == (0, 0)


def test_a_leader_sees_only_the_team_and_records_its_attendance_pending_review(db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    corps, brigade, squad = _corps_with_squad(unit, admin)
    leader, member, outsider = f.volunteer(unit, name="队长"), f.volunteer(unit, name="队员"), f.volunteer(unit, name="路人")
    teams.add_member(squad, volunteer_no=leader.volunteer_no, name="队长", leader=True, by=admin)
    membership = teams.add_member(squad, volunteer_no=member.volunteer_no, name="队员", by=admin)
    teams.add_member(brigade, volunteer_no=outsider.volunteer_no, name="路人", by=admin)
    _db.session.commit()
    assert [r.team for r in teams.team_rows(leader.user)] == [squad]
    teams.ensure_can_see_team(leader.user, squad)
    for other in (corps, brigade):
        with pytest.raises(Forbidden):
            teams.ensure_can_see_team(leader.user, other)
    with pytest.raises(Forbidden):  # a plain member is no leader
        teams.ensure_can_see_team(member.user, squad)

    end = now() - timedelta(hours=1)
    record = teams.record_attendance(squad, member_id=membership.id, started_at=end - timedelta(hours=2),
                                     ended_at=end, note="社区清扫", by=leader.user)
    _db.session.commit()
    assert (record.status, record.unit_id, record.volunteer_id) == ("pending", unit.id, member.id)
    assert teams.TEAM_LEADER_FLAG in record.flag_list and record.created_by_id == leader.user_id
    assert member.approved_seconds == 0  # counts once the unit approves it
    ledger.approve(record, by=admin)
    _db.session.commit()
    _db.session.refresh(member)
    assert member.hours == 2
    assert teams.team_records(squad) == [record]
    with pytest.raises(Forbidden):
        teams.record_attendance(brigade, member_id=membership.id, started_at=end - timedelta(hours=5),
                                ended_at=end - timedelta(hours=4), note=None, by=leader.user)
    with pytest.raises(NotFound):  # not a member of the squad
        outsider_membership = teams.teams_of(outsider)[0]
        teams.record_attendance(squad, member_id=outsider_membership.id, started_at=end - timedelta(hours=5),
                                ended_at=end - timedelta(hours=4), note=None, by=leader.user)
    assert _db.session.query(ServiceRecord).count() == 1


def test_overlapping_attendance_is_refused_and_writes_nothing(db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    _corps, _brigade, squad = _corps_with_squad(unit, admin)
    member = f.volunteer(unit, name="队员")
    membership = teams.add_member(squad, volunteer_no=member.volunteer_no, name="队员", by=admin)
    end = now() - timedelta(hours=1)
    teams.record_attendance(squad, member_id=membership.id, started_at=end - timedelta(hours=2), ended_at=end,
                            note=None, by=admin)
    with pytest.raises(Conflict):
        teams.record_attendance(squad, member_id=membership.id, started_at=end - timedelta(hours=1),
                                ended_at=end, note=None, by=admin)


def test_leaders_are_set_and_members_removed_by_the_manager_only(db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    _corps, _brigade, squad = _corps_with_squad(unit, admin)
    v = f.volunteer(unit, name="小李")
    member = teams.add_member(squad, volunteer_no=v.volunteer_no, name="小李", by=admin)
    teams.set_leader(member, True, by=admin)
    assert teams.leads(v.user, squad)
    with pytest.raises(Forbidden):  # a leader does not manage the team's membership
        teams.remove_member(member, by=v.user)
    teams.remove_member(member, by=admin)
    assert teams.members(squad) == []
