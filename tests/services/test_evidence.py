"""Evidence for the ledger: people served and photos on an activity and on a post's day;
the photos are re-encoded without EXIF, all or none are kept, and only the holding unit, the
platform admin and a unit paired with the station see them."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image

from app.models import Photo, PostDay
from app.services import evidence, photos, places, posts
from app.services.clock import local_today, now
from app.services.errors import Forbidden, NotFound, ValidationFailed
from app.services.inputs import Upload
from tests import factories as f
from tests.services.test_photos import jpeg_with_gps


def _station(admin):
    centre = places.create_place(name="证据中心", level="centre", by=admin)
    institute = places.create_place(name="证据所", level="institute", parent_id=centre.id, by=admin)
    return places.create_place(name="证据站", level="station", parent_id=institute.id, by=admin)


def _held(unit, admin, *, post=None, station=None, days_ago=1, title="敬老服务"):
    start = now() - timedelta(days=days_ago)
    return posts.create_activity(unit.id, posts.ActivityInput(
        title=title, kind="service", starts_at=start, ends_at=start + timedelta(hours=2),
        post_id=post.id if post else None, station_id=station.id if station else None), by=admin)[0]


def test_an_activity_keeps_its_people_served_and_photos_without_exif(db):
    admin = f.platform_admin()
    unit = f.unit()
    owner = f.unit_admin(unit)
    activity = _held(unit, admin)
    kept = evidence.keep_activity_evidence(
        activity, beneficiaries=120, uploads=[Upload("现场.jpg", jpeg_with_gps())], by=owner)
    assert activity.beneficiaries == 120 and len(kept) == 1
    image = Image.open(io.BytesIO(kept[0].data))
    assert image.format == "JPEG" and dict(image.getexif()) == {}
    assert [p.id for p in evidence.activity_photos(activity)] == [kept[0].id]
    assert kept[0].unit_id == unit.id
    # clearing the count leaves the photos
    evidence.keep_activity_evidence(activity, beneficiaries=None, by=owner)
    assert activity.beneficiaries is None and photos.count_of("activity", activity.id) == 1


def test_evidence_is_refused_before_the_activity_for_bad_counts_and_for_other_units(db):
    admin = f.platform_admin()
    unit = f.unit()
    owner = f.unit_admin(unit)
    upcoming = _held(unit, admin, days_ago=-2)
    with pytest.raises(ValidationFailed) as early:
        evidence.keep_activity_evidence(upcoming, beneficiaries=5, by=owner)
    assert "beneficiaries" in early.value.fields
    held = _held(unit, admin)
    for bad in (-1, evidence.MAX_BENEFICIARIES + 1):
        with pytest.raises(ValidationFailed):
            evidence.keep_activity_evidence(held, beneficiaries=bad, by=owner)
    with pytest.raises(Forbidden):
        evidence.keep_activity_evidence(held, beneficiaries=5, by=f.unit_admin())
    # a bad photo among good ones: nothing is kept, not even the count
    with pytest.raises(ValidationFailed):
        evidence.keep_activity_evidence(held, beneficiaries=5, by=owner, uploads=[
            Upload("a.jpg", jpeg_with_gps((200, 100))), Upload("b.jpg", b"not a photo")])
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Photo.id))) == 0


def test_a_posts_day_is_one_row_per_day_and_takes_no_future_day(db):
    admin = f.platform_admin()
    unit = f.unit()
    owner = f.unit_admin(unit)
    post = posts.create_post(unit.id, posts.PostInput(name="便民岗"), by=admin)
    today = local_today()
    row = evidence.keep_post_day(post, today, beneficiaries=30, note="  义诊  咨询 ", by=owner,
                                 uploads=[Upload("a.png", _png())])
    again = evidence.keep_post_day(post, today, beneficiaries=45, note=None, by=owner)
    assert again.id == row.id and (again.beneficiaries, again.note) == (45, None)
    assert db.session.scalar(db.select(db.func.count(PostDay.id))) == 1
    assert len(evidence.post_day_photos(row)) == 1
    assert evidence.recent_days(post) == [(row, 1)]
    with pytest.raises(ValidationFailed) as future:
        evidence.keep_post_day(post, today + timedelta(days=1), beneficiaries=1, by=owner)
    assert "day" in future.value.fields
    with pytest.raises(ValidationFailed) as long_note:
        evidence.keep_post_day(post, today, beneficiaries=1, note="长" * 201, by=owner)
    assert "note" in long_note.value.fields
    with pytest.raises(Forbidden):
        evidence.keep_post_day(post, today, beneficiaries=1, by=f.unit_admin())


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(out, "PNG")
    return out.getvalue()


def test_photos_are_seen_by_the_unit_the_platform_and_the_stations_pairing_unit_only(db):
    admin = f.platform_admin()
    station = _station(admin)
    host, paired, stranger = f.unit(), f.unit(), f.unit()
    places.pair(station, host.id, by=admin)
    places.pair(station, paired.id, by=admin)
    post = posts.create_post(host.id, posts.PostInput(name="站点岗", station_id=station.id), by=admin)
    activity = _held(host, admin, post=post)
    owner = f.unit_admin(host)
    [on_activity] = evidence.keep_activity_evidence(
        activity, beneficiaries=10, uploads=[Upload("a.jpg", jpeg_with_gps((300, 200)))], by=owner)
    day = evidence.keep_post_day(post, local_today(), beneficiaries=3, by=owner,
                                 uploads=[Upload("b.jpg", jpeg_with_gps((300, 200)))])
    [on_day] = evidence.post_day_photos(day)
    for photo in (on_activity, on_day):
        for viewer in (owner, admin, f.unit_admin(paired)):
            assert photos.visible(viewer, photo.id) == photo
        for viewer in (f.unit_admin(stranger), None, f.volunteer(host).user):
            with pytest.raises(NotFound):
                photos.visible(viewer, photo.id)
