"""Practice places: the centre → institute → station hierarchy, units paired with institutes
and stations, posts and activities at a station, and each station's figures, which its
pairing units see and others do not."""
from datetime import timedelta

import pytest

from app.services import places, posts
from app.services.clock import now
from app.services.errors import Conflict, Forbidden, ValidationFailed
from tests import factories as f


def _tree(admin):
    centre = places.create_place(name="市实践中心", level="centre", by=admin)
    institutes = [places.create_place(name=f"实践所{i}", level="institute", parent_id=centre.id, by=admin)
                  for i in (1, 2)]
    stations = [places.create_place(name=f"实践站{i}", level="station", parent_id=institutes[i // 2].id, by=admin)
                for i in range(4)]
    return centre, institutes, stations


def test_the_hierarchy_is_centre_institute_station_in_tree_order(db):
    admin = f.platform_admin()
    centre, institutes, stations = _tree(admin)
    assert places.list_places() == [centre, institutes[0], stations[0], stations[1], institutes[1],
                                    stations[2], stations[3]]
    for level, parent in (("station", centre.id), ("institute", None), ("institute", stations[0].id),
                          ("centre", centre.id)):
        with pytest.raises(ValidationFailed) as refused:
            places.create_place(name="错层", level=level, parent_id=parent, by=admin)
        assert "parent_id" in refused.value.fields
    with pytest.raises(ValidationFailed):
        places.create_place(name="实践站1", level="station", parent_id=institutes[0].id, by=admin)
    with pytest.raises(Forbidden):
        places.create_place(name="某站", level="station", parent_id=institutes[0].id, by=f.unit_admin())


def test_units_pair_with_institutes_and_stations_not_the_centre(db):
    admin = f.platform_admin()
    centre, institutes, stations = _tree(admin)
    unit = f.unit()
    with pytest.raises(ValidationFailed):
        places.pair(centre, unit.id, by=admin)
    places.pair(institutes[0], unit.id, by=admin)
    with pytest.raises(Conflict):
        places.pair(institutes[0], unit.id, by=admin)
    # paired with an institute: its stations, not the other institute's
    assert [p.id for p in places.visible_stations(f.unit_admin(unit))] == [stations[0].id, stations[1].id]
    places.pair(stations[3], unit.id, by=admin)
    assert places.is_paired(unit.id, stations[3].id) and not places.is_paired(unit.id, stations[2].id)
    places.unpair(institutes[0], unit.id, by=admin)
    assert [p.id for p in places.visible_stations(f.unit_admin(unit))] == [stations[3].id]


def test_a_pairing_unit_sees_the_stations_figures_another_unit_does_not(db):
    admin = f.platform_admin()
    _centre, _institutes, stations = _tree(admin)
    station = stations[0]
    host, paired, stranger = f.unit(), f.unit(), f.unit()
    places.pair(station, host.id, by=admin)
    places.pair(station, paired.id, by=admin)
    post = posts.create_post(host.id, posts.PostInput(name="站点服务岗", station_id=station.id), by=admin)
    elsewhere = posts.create_post(host.id, posts.PostInput(name="别处服务岗"), by=admin)
    activity = posts.create_activity(host.id, posts.ActivityInput(
        title="站点活动", kind="service", starts_at=now() + timedelta(days=1), ends_at=now() + timedelta(days=1, hours=2),
        post_id=post.id), by=admin)[0]
    assert activity.station_id == station.id  # taken from its post
    a, b = f.volunteer(host, name="站点甲"), f.volunteer(paired, name="站点乙")
    f.give_hours(a, 2, post=post)
    f.give_hours(b, 1, post=post)
    f.give_hours(b, 5, post=elsewhere)
    figures = places.station_figures(station)
    assert (figures.posts, figures.activities, figures.records, figures.volunteers, figures.hours) == (1, 1, 2, 2, 3)
    places.ensure_can_see_place(f.unit_admin(paired), station)
    places.ensure_can_see_place(admin, station)
    with pytest.raises(Forbidden):
        places.ensure_can_see_place(f.unit_admin(stranger), station)


def test_a_post_sits_only_at_a_station_its_unit_is_paired_with(db):
    admin = f.platform_admin()
    centre, institutes, stations = _tree(admin)
    unit = f.unit()
    places.pair(stations[1], unit.id, by=admin)
    for wrong in (stations[0].id, institutes[0].id, centre.id, 999999):
        with pytest.raises(ValidationFailed) as refused:
            posts.create_post(unit.id, posts.PostInput(name="岗", station_id=wrong), by=admin)
        assert "station_id" in refused.value.fields
        with pytest.raises(ValidationFailed):
            posts.create_activity(unit.id, posts.ActivityInput(
                title="活动", kind="event", starts_at=now() + timedelta(days=1),
                ends_at=now() + timedelta(days=1, hours=1), station_id=wrong), by=admin)
    post = posts.create_post(unit.id, posts.PostInput(name="岗", station_id=stations[1].id), by=admin)
    places.unpair(stations[1], unit.id, by=admin)
    # unpaired later: the post keeps its station when edited
    posts.update_post(post, posts.PostInput(name="岗（改）", station_id=stations[1].id), by=admin)
    assert post.station_id == stations[1].id
