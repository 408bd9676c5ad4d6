"""Demo data for the organisation: a practice centre with two institutes and four stations
(each institute paired with a unit), and a 总队 with two 大队 and four 小队 plus a
professional team, so a new user sees the hierarchy at once."""

from __future__ import annotations

from app.models import PracticePlace, Team, Unit, User, Volunteer
from app.services import places, team_recruitment, teams


def load_places(admin: User, unit_list: list[Unit]) -> list[PracticePlace]:
    """The centre, two institutes and four stations; returns the stations."""
    centre = places.create_place(
        name="市新时代文明实践中心", level="centre", address="市民中心一楼", by=admin
    )
    stations = []
    for index, (institute_name, station_names) in enumerate(
        (
            ("阳光街道新时代文明实践所", ("阳光社区新时代文明实践站", "幸福里新时代文明实践站")),
            ("和平镇新时代文明实践所", ("和平村新时代文明实践站", "东湖村新时代文明实践站")),
        )
    ):
        institute = places.create_place(name=institute_name, level="institute", parent_id=centre.id, by=admin)
        places.pair(institute, unit_list[1 - index].id, by=admin)
        for name in station_names:
            stations.append(places.create_place(name=name, level="station", parent_id=institute.id, by=admin))
    places.pair(stations[2], unit_list[1].id, by=admin)  # a unit can take a station of another institute too
    return stations


def load_teams(
    admin: User, unit_list: list[Unit], people: list[Volunteer], stations: list[PracticePlace]
) -> list[Team]:
    """A corps of the first unit with two brigades and four squads, and a station's medical team
    that takes applications (one pending)."""
    unit_id = unit_list[0].id

    def team(name: str, level: str, parent: Team | None = None, **extra) -> Team:
        return teams.create_team(
            teams.TeamInput(
                name=name,
                level=level,
                parent_id=parent.id if parent else None,
                **({"unit_id": unit_id} | extra),
            ),
            by=admin,
        )

    corps = team("市志愿服务总队", "corps")
    made = [corps]
    for brigade_name in ("扶老助残大队", "文明劝导大队"):
        brigade = team(brigade_name, "brigade", corps)
        made.append(brigade)
        for s in (1, 2):
            made.append(team(f"{brigade_name.removesuffix('大队')}第{s}小队", "squad", brigade))
    made.append(
        teams.create_team(
            teams.TeamInput(
                name="阳光社区医疗志愿服务队",
                level="professional",
                speciality="医疗",
                station_id=stations[0].id,
            ),
            by=admin,
        )
    )
    squad = made[2]
    for i, volunteer in enumerate(people[:3]):  # 张伟 leads the first squad
        teams.add_member(
            squad, volunteer_no=volunteer.volunteer_no, name=volunteer.name, leader=i == 0, by=admin
        )
    teams.add_member(corps, volunteer_no=people[0].volunteer_no, name=people[0].name, by=admin)
    medical = made[-1]
    for volunteer in people[3:]:
        teams.add_member(medical, volunteer_no=volunteer.volunteer_no, name=volunteer.name, by=admin)
    # the medical team recruits by application: one waits for the station's unit to decide
    team_recruitment.set_recruitment(medical, requires_application=True, capacity=30, by=admin)
    team_recruitment.apply(people[1], medical, "社区卫生服务站志愿者三年，持急救员证")
    return made
