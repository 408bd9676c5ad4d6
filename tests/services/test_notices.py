"""Notices: the office or a unit posts to its volunteers, a team, a campaign's roster or (the
office) everyone; each volunteer sees the notices addressed to them, unread first, marks them
read once; the sender sees the read count."""
from datetime import time, timedelta

import pytest

from app.services import campaigns, notices, rosters, teams
from app.services.clock import local_today
from app.services.errors import Forbidden, NotFound, ValidationFailed
from tests import factories as f


def test_each_audience_reaches_its_volunteers_only(db):
    office, unit, other = f.platform_admin(), f.unit(), f.unit()
    admin = f.unit_admin(unit)
    mine, theirs, member, rostered, elsewhere = (f.volunteer(unit), f.volunteer(other), f.volunteer(unit),
                                                  f.volunteer(unit), f.volunteer(other))
    team = teams.create_team(teams.TeamInput(name="河道守护队", level="corps", unit_id=unit.id), by=admin)
    teams.add_member(team, volunteer_no=member.volunteer_no, name=member.name, by=admin)
    campaign = campaigns.create_campaign(campaigns.CampaignInput(
        name="学雷锋月", kind="campaign", starts_on=local_today(), ends_on=local_today() + timedelta(days=9)), by=office)
    for who, unit_obj in ((rostered, unit), (elsewhere, other)):
        shift = rosters.assign_quota(campaign, rosters.QuotaInput(
            unit_id=unit_obj.id, area="路口", first_day=local_today() + timedelta(days=1),
            last_day=local_today() + timedelta(days=1), start=time(8), end=time(9), quota=1), by=office)[0]
        rosters.roster(shift, who, by=office)

    def send(audience, target, by=admin, title="通知"):
        return notices.create_notice(audience=audience, target_id=target, title=title, body="内容", by=by)

    everyone = send("all", None, by=office, title="全体")
    to_unit = send("unit", unit.id, title="本单位")
    to_team = send("team", team.id, title="服务队")
    unit_roster = send("campaign", campaign.id, title="本单位排班")
    office_roster = send("campaign", campaign.id, by=office, title="全部排班")

    def titles(volunteer):
        return {r.notice.title for r in notices.for_volunteer(volunteer)}

    assert titles(mine) == {"全体", "本单位"}
    assert titles(member) == {"全体", "本单位", "服务队"}
    assert titles(rostered) == {"全体", "本单位", "本单位排班", "全部排班"}
    assert titles(elsewhere) == {"全体", "全部排班"}   # a unit's roster notice stays with its unit
    assert titles(theirs) == {"全体"}
    with pytest.raises(NotFound):
        notices.mark_read(theirs, to_unit.id)
    assert {e.notice.id for e in notices.sent_by(admin)} == {to_unit.id, to_team.id, unit_roster.id}
    assert len(notices.sent_by(office)) == 5 and everyone.unit_id is None and office_roster.unit_id is None


def test_senders_are_checked_and_bad_notices_refused(db):
    office, unit, other = f.platform_admin(), f.unit(), f.unit()
    admin = f.unit_admin(unit)
    for audience, target in (("all", None), ("unit", other.id)):
        with pytest.raises(Forbidden):
            notices.create_notice(audience=audience, target_id=target, title="t", body="b", by=admin)
    foreign_team = teams.create_team(teams.TeamInput(name="别队", level="corps", unit_id=other.id), by=office)
    with pytest.raises(Forbidden):
        notices.create_notice(audience="team", target_id=foreign_team.id, title="t", body="b", by=admin)
    with pytest.raises(Forbidden):
        notices.create_notice(audience="all", target_id=None, title="t", body="b", by=f.volunteer(unit).user)
    for bad, field in (({"audience": "planet"}, "audience"), ({"title": " "}, "title"),
                       ({"body": "x" * 5001}, "body"), ({"target_id": None}, "target_id"),
                       ({"target_id": 999999}, "target_id"), ({"audience": "campaign", "target_id": 999999}, "target_id")):
        data = {"audience": "unit", "target_id": unit.id, "title": "t", "body": "b"} | bad
        with pytest.raises(ValidationFailed) as refused:
            notices.create_notice(**data, by=admin)
        assert field in refused.value.fields


def test_unread_first_marked_read_once_and_the_sender_sees_the_count(db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    reader, other = f.volunteer(unit), f.volunteer(unit)
    first = notices.create_notice(audience="unit", target_id=unit.id, title="第一条", body="b", by=admin)
    second = notices.create_notice(audience="unit", target_id=unit.id, title="第二条", body="b", by=admin)
    assert [r.notice.id for r in notices.for_volunteer(reader)] == [second.id, first.id]
    notices.mark_read(reader, second.id)
    notices.mark_read(reader, second.id)  # again: nothing more
    received = notices.for_volunteer(reader)
    assert [(r.notice.id, r.read) for r in received] == [(first.id, False), (second.id, True)]
    home, unread = notices.for_home(reader)
    assert [r.notice.id for r in home] == [first.id] and unread == 1
    notices.mark_read(other, second.id)
    counts = {s.notice.id: s.read_count for s in notices.sent_by(admin)}
    assert counts == {first.id: 0, second.id: 2}
    assert notices.read_count(second) == 2
