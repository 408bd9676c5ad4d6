"""Practice place pages: the platform admin builds the hierarchy and pairs units; a paired
unit's admin sees the station's figures, another unit's admin is refused; posts choose a
station their unit is paired with."""
from sqlalchemy import select

from app.models import PlacePairing, Post, PracticePlace
from app.services import places
from tests import factories as f


def _id(name):
    return _db_scalar(select(PracticePlace.id).where(PracticePlace.name == name))


def _db_scalar(stmt):
    from app.extensions import db
    return db.session.scalar(stmt)


def test_platform_admin_builds_places_and_pairs_a_unit_which_then_sees_the_station(client, db):
    admin = f.platform_admin()
    paired_unit, stranger_unit = f.unit(), f.unit()
    f.login(client, admin)
    for name, level, parent in (("城区实践中心", "centre", 0), ("城东实践所", "institute", "城区实践中心"),
                                ("光明实践站", "station", "城东实践所")):
        made = f.post_form(client, "/places/", {"name": name, "level": level,
                                                "parent_id": _id(parent) if parent else 0})
        assert made.status_code == 302, made.get_data(as_text=True)[:300]
    wrong = f.post_form(client, "/places/", {"name": "孤站", "level": "station", "parent_id": 0})
    assert wrong.status_code == 422 and "须隶属于" in wrong.get_data(as_text=True)
    station = _id("光明实践站")
    assert f.post_form(client, f"/places/{station}/pair", {"unit_id": paired_unit.id},
                       token_from="/places/").status_code == 302
    assert db.session.scalar(select(PlacePairing.unit_id).where(PlacePairing.place_id == station)) == paired_unit.id

    paired_client = client.application.test_client()
    paired_admin = f.unit_admin(paired_unit)
    f.login(paired_client, paired_admin)
    listing = paired_client.get("/places/").get_data(as_text=True)
    assert "光明实践站" in listing and "添加实践阵地" not in listing
    page = paired_client.get(f"/places/{station}")
    assert page.status_code == 200 and "本月服务时长" in page.get_data(as_text=True)
    post_form = paired_client.get("/admin/posts/new").get_data(as_text=True)
    assert "光明实践站" in post_form
    made = f.post_form(paired_client, "/admin/posts/new", {
        "unit_id": paired_unit.id, "name": "光明站服务岗", "geofence_mode": "refuse", "min_minutes": 10,
        "max_minutes": 240, "category_id": 0, "station_id": station})
    assert made.status_code == 302
    assert db.session.scalar(select(Post.station_id).where(Post.name == "光明站服务岗")) == station
    assert places.station_figures(db.session.get(PracticePlace, station)).posts == 1

    stranger = client.application.test_client()
    f.login(stranger, f.unit_admin(stranger_unit))
    assert stranger.get(f"/places/{station}").status_code == 403
    assert "光明实践站" not in stranger.get("/places/").get_data(as_text=True)
    refused = f.post_form(stranger, "/admin/posts/new", {
        "unit_id": stranger_unit.id, "name": "越界服务岗", "geofence_mode": "refuse", "min_minutes": 10,
        "max_minutes": 240, "category_id": 0, "station_id": station})
    assert refused.status_code in (200, 422)
    assert db.session.scalar(select(Post.id).where(Post.name == "越界服务岗")) is None
    assert stranger.post(f"/places/{station}/pair", data={"unit_id": stranger_unit.id}).status_code in (400, 403)
