"""Skills: a volunteer's skills with notes, the admins' search by skill, name, number, phone
and category, and an activity's staff with the skill it asks for listed first."""
from datetime import timedelta

import pytest

from app.models import Skill, Volunteer
from app.services import categories, posts, skills, volunteers
from app.services.clock import now
from app.services.errors import ValidationFailed
from tests import factories as f


def _skill(name: str) -> int:
    return next(s.id for s in skills.list_skills() if s.name == name)


def test_the_catalogue_is_seeded(db):
    names = [s.name for s in skills.list_skills()]
    for expected in ("医生", "护士", "律师", "教师", "社会工作者", "心理咨询师", "电工", "手语", "驾驶员"):
        assert expected in names


def test_a_volunteer_sets_skills_with_trimmed_notes_and_replaces_them(db):
    volunteer = f.volunteer()
    skills.set_skills(volunteer, {_skill("医生"): "  执业证 1100 2233  ", _skill("手语"): ""}, by=volunteer.user)
    db.session.commit()
    db.session.expire_all()
    held = {vs.skill.name: vs.note for vs in volunteer.skills}
    assert held == {"医生": "执业证 1100 2233", "手语": None}
    skills.set_skills(volunteer, {_skill("手语"): "国家通用手语"}, by=volunteer.user)
    db.session.commit()
    db.session.expire_all()
    assert {vs.skill.name: vs.note for vs in volunteer.skills} == {"手语": "国家通用手语"}


@pytest.mark.parametrize("wanted", [
    {999_999: None},                       # not in the catalogue
    {1: "x" * 101},                        # note too long
    {i: None for i in range(1, 23)},       # too many
])
def test_bad_skills_are_refused_and_nothing_changes(db, wanted):
    volunteer = f.volunteer()
    skills.set_skills(volunteer, {_skill("电工"): "电工证"}, by=None)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        skills.set_skills(volunteer, wanted, by=None)
    assert "skills" in refused.value.fields
    db.session.rollback()
    assert [vs.skill.name for vs in volunteer.skills] == ["电工"]


def test_a_retired_skill_can_be_kept_but_not_newly_chosen(db):
    a, b = f.volunteer(), f.volunteer()
    driver = db.session.get(Skill, _skill("驾驶员"))
    skills.set_skills(a, {driver.id: "A2"}, by=None)
    driver.active = False
    db.session.commit()
    skills.set_skills(a, {driver.id: "A1"}, by=None)
    with pytest.raises(ValidationFailed):
        skills.set_skills(b, {driver.id: None}, by=None)


def test_admins_search_by_skill_name_number_phone_and_category(db):
    admin = f.platform_admin()
    unit, other = f.unit(), f.unit()
    doctor = f.volunteer(unit, name="王医生")
    lawyer = f.volunteer(unit, name="李律师")
    elsewhere = f.volunteer(other, name="赵医生")
    skills.set_skills(doctor, {_skill("医生"): None}, by=None)
    skills.set_skills(elsewhere, {_skill("医生"): None}, by=None)
    skills.set_skills(lawyer, {_skill("律师"): None}, by=None)
    health = next(c.id for c in categories.list_categories() if c.name == "医疗卫生")
    clinic = posts.create_post(unit.id, posts.PostInput(name="义诊点", category_id=health), by=admin)
    db.session.commit()
    f.give_hours(doctor, 2, by=admin, post=clinic)

    def ids(unit_id=None, **filters):
        return {v.id for v in volunteers.search(unit_id=unit_id, filters=filters).items}

    assert ids(skill_id=_skill("医生")) == {doctor.id, elsewhere.id}
    assert ids(unit.id, skill_id=_skill("医生")) == {doctor.id}
    assert ids(name="律师") == {lawyer.id}
    assert ids(volunteer_no=lawyer.volunteer_no) == {lawyer.id}
    assert ids(phone=elsewhere.phone) == {elsewhere.id}
    assert ids(category_id=health) == {doctor.id}
    assert ids(skill_id=_skill("医生"), name="赵") == {elsewhere.id}


def test_an_activitys_staff_with_the_skill_it_asks_for_are_listed_first(db):
    admin, unit = f.platform_admin(), f.unit()
    people = [f.volunteer(unit, name=f"志愿者{i}") for i in range(4)]
    nurse = _skill("护士")
    skills.set_skills(people[2], {nurse: None}, by=None)
    skills.set_skills(people[3], {nurse: None}, by=None)
    start = now() + timedelta(days=1)
    activity = posts.create_activity(unit.id, posts.ActivityInput(
        title="健康义诊", kind="service", starts_at=start, ends_at=start + timedelta(hours=2), skill_id=nurse),
        by=admin)[0]
    for person in people:
        posts.sign_up(person, activity)
    db.session.commit()
    order = [s.volunteer_id for s in posts.list_signups(activity)]
    assert order[:2] == sorted([people[2].id, people[3].id], key=lambda i: db.session.get(Volunteer, i).volunteer_no)
    assert set(order[2:]) == {people[0].id, people[1].id}
    with pytest.raises(ValidationFailed) as refused:
        posts.create_activity(unit.id, posts.ActivityInput(
            title="x", kind="service", starts_at=start, ends_at=start + timedelta(hours=1), skill_id=999_999), by=admin)
    assert "skill_id" in refused.value.fields
