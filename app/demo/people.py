"""Demo data for who serves: unit kinds and headcounts, a few skilled volunteers, Party
members, an insurance cover for the first unit, and a guardian (王芳) with a child who has
served at an activity 适合未成年人, so a new user sees the figures at once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from app.demo.activities import plan
from app.models import Activity, User, Volunteer
from app.services import children, headcounts, insurance, ledger, political, skills
from app.services.clock import local_today, now, zone

# unit index: (kind, headcount)
DEMO_UNITS = {0: ("government", 8), 1: ("community", 5)}
# volunteer index: {skill name: note}
DEMO_SKILLS: dict[int, dict[str, str | None]] = {
    0: {"医生": "执业医师证 110000001"},
    1: {"教师": None, "手语": None},
    4: {"律师": "律师执业证 A-2026"},
}
DEMO_PARTY = {0: "party_member", 2: "party_member", 3: "league_member"}


def load(admin: User, unit_list, people: list[Volunteer]) -> None:
    for index, (kind, headcount) in DEMO_UNITS.items():
        headcounts.set_profile(unit_list[index], kind=kind, headcount=headcount, by=admin)
    catalogue = {s.name: s.id for s in skills.list_skills()}
    for index, wanted in DEMO_SKILLS.items():
        skills.set_skills(
            people[index], {catalogue[name]: note for name, note in wanted.items()}, by=people[index].user
        )
    for index, status in DEMO_PARTY.items():
        political.set_status(people[index], status, consent=True, by=people[index].user)
    today = local_today()
    insurance.create_cover(
        insurance.CoverInput(
            insurer="中国人民财产保险",
            policy_no="PZAB2026-0001",
            starts_on=today.replace(month=1, day=1),
            ends_on=today.replace(month=12, day=31),
            scope="unit",
            unit_id=unit_list[0].id,
        ),
        by=admin,
    )
    load_child(admin, unit_list, people)


def load_child(admin: User, unit_list, people: list[Volunteer]) -> None:
    from app.demo import demo_id_number

    guardian = people[1]
    today = local_today()
    child = children.register_child(
        guardian,
        children.ChildInput(
            name="王小雨",
            id_number=demo_id_number(date(today.year - 9, 4, 12), 30, 2),
            relationship="mother",
            consent=True,
        ),
        by=guardian.user,
    )
    child.created_at = now() - timedelta(days=60)

    def reading_session(day: date) -> Activity:
        start = datetime.combine(day, time(9, 0), tzinfo=zone())
        [session] = plan(
            unit_list[0].id, "亲子阅读会", "event", start, hours=2, for_minors=True, capacity=30, by=admin
        )
        return session

    activity = reading_session(today - timedelta(days=14))
    ledger.create_record(
        child,
        started_at=activity.starts_at,
        ended_at=activity.ends_at,
        by=admin,
        source="manual",
        status="approved",
        activity=activity,
    )
    reading_session(today + timedelta(days=14))
