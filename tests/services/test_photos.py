"""Photos: checked by content, turned upright, shrunk, re-encoded without metadata (EXIF GPS
above all), limited in size, pixels and number; seen only by whom their area allows, through
the image door, with cache headers that match."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import inspect

from app.models import Photo
from app.services import photos
from app.services.errors import NotFound, ValidationFailed
from app.services.inputs import Upload
from tests import factories as f

GPS_IFD = 0x8825
ORIENTATION = 0x0112


@pytest.fixture(autouse=True)
def subjects():
    photos.register_subject("test-public", lambda user, photo: True)
    photos.register_subject("test-admins", lambda user, photo: bool(user and user.role == "platform_admin"))


def jpeg_with_gps(size=(3000, 2000), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((20, 20, 220), (0, 0, size[0] // 2, size[1] // 4))  # a blue top-left band
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)}
    exif[0x010F] = "PhoneMaker"
    if orientation:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def test_the_original_has_gps_and_the_kept_photo_has_no_metadata_at_all(db):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the fixture really has GPS

    [photo] = photos.attach("test-public", 1, [Upload("街道活动.jpg", original)], by=None)

    for data in (photo.data, photo.thumbnail):
        kept = Image.open(io.BytesIO(data))
        assert kept.format == "JPEG"
        assert dict(kept.getexif()) == {}
        assert "exif" not in kept.info
    assert (photo.width, photo.height) == (1600, 1067)
    assert max(Image.open(io.BytesIO(photo.thumbnail)).size) == photos.THUMB_EDGE
    assert photo.size == len(photo.data) < len(original)


def test_a_photo_taken_sideways_is_kept_upright(db):
    # Orientation 6: the camera was turned; the viewer must rotate 90° clockwise.
    [photo] = photos.attach("test-public", 1, [Upload("a.jpg", jpeg_with_gps((400, 300), orientation=6))], by=None)
    kept = Image.open(io.BytesIO(photo.data))
    assert kept.size == (300, 400)
    assert kept.convert("RGB").getpixel((280, 20))[2] > 150  # the blue band is now top-right


def test_png_with_transparency_and_webp_are_taken(db):
    png, webp = io.BytesIO(), io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 0, 0, 0)).save(png, "PNG")
    Image.new("RGB", (50, 40), "green").save(webp, "WEBP")
    kept = photos.attach("test-public", 2, [Upload("a.png", png.getvalue()), Upload("b.webp", webp.getvalue())],
                         by=None)
    assert [Image.open(io.BytesIO(p.data)).getpixel((1, 1)) for p in kept][0] == (255, 255, 255)
    assert len(kept) == 2


@pytest.mark.parametrize("name, data, message", [
    ("报告.jpg", b"%PDF-1.4 not a photo", "不是照片"),
    ("a.jpg", b"\xff\xd8\xff\xe0 truncated", "不是照片"),
    ("a.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "不是照片"),
    ("empty.jpg", b"", "空文件"),
])
def test_what_is_not_a_photo_is_refused_by_its_content(db, name, data, message):
    with pytest.raises(ValidationFailed) as refused:
        photos.attach("test-public", 3, [Upload(name, data)], by=None)
    assert message in refused.value.fields["photos"][0]
    assert db.session.query(Photo).count() == 0


def test_too_big_and_too_many_pixels_are_refused_before_decoding(db):
    with pytest.raises(ValidationFailed) as refused:
        photos.attach("test-public", 3, [Upload("big.jpg", b"\xff" * (photos.MAX_BYTES + 1))], by=None)
    assert "超过6MB" in refused.value.fields["photos"][0]
    bomb = io.BytesIO()
    Image.new("1", (9000, 5000)).save(bomb, "PNG")  # 45 megapixels in a few kilobytes
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(ValidationFailed) as refused:
        photos.attach("test-public", 3, [Upload("bomb.png", bomb.getvalue())], by=None)
    assert "像素过多" in refused.value.fields["photos"][0]


def test_one_bad_file_keeps_none_and_a_subject_keeps_at_most_nine(db):
    good = Upload("a.jpg", jpeg_with_gps((40, 30)))
    with pytest.raises(ValidationFailed):
        photos.attach("test-public", 4, [good, Upload("b.jpg", b"nope")], by=None)
    assert photos.count_of("test-public", 4) == 0
    photos.attach("test-public", 4, [good] * 9, by=None)
    with pytest.raises(ValidationFailed) as refused:
        photos.attach("test-public", 4, [good], by=None)
    assert "最多保留9张照片" in refused.value.fields["photos"][0]
    assert photos.counts_of("test-public", [4, 5]) == {4: 9}


def test_an_unregistered_subject_is_a_programming_error(db):
    with pytest.raises(ValueError):
        photos.attach("nobody-registered-this", 1, [], by=None)


def test_who_sees_a_photo_is_the_areas_rule_and_a_hidden_one_looks_missing(db, client):
    admin = f.platform_admin()
    [public] = photos.attach("test-public", 1, [Upload("a.jpg", jpeg_with_gps((40, 30)))], by=None)
    [private] = photos.attach("test-admins", 1, [Upload("a.jpg", jpeg_with_gps((40, 30)))], by=admin)
    db.session.commit()

    assert photos.visible(None, public.id) is public
    with pytest.raises(NotFound):
        photos.visible(None, private.id)

    answer = client.get(f"/photos/{public.id}.jpg")
    assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
    assert answer.headers["Cache-Control"] == "public, no-cache"  # revalidated: tests/web/test_photo_caching.py
    assert Image.open(io.BytesIO(answer.data)).size == (40, 30)
    again = client.get(f"/photos/{public.id}.jpg", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304
    hidden = client.get(f"/photos/{private.id}/thumb.jpg")
    missing = client.get("/photos/999999/thumb.jpg")
    assert hidden.status_code == missing.status_code == 404

    f.login(client, admin)
    seen = client.get(f"/photos/{private.id}/thumb.jpg")
    # evidence is personal data: no shared cache keeps it, and the viewer's browser revalidates it
    assert seen.status_code == 200 and seen.headers["Cache-Control"] == "private, no-cache"


def test_a_subjects_photos_are_listed_without_their_bytes(db):
    photos.attach("test-public", 7, [Upload("a.jpg", jpeg_with_gps((800, 600)))], by=None)
    db.session.commit()
    db.session.expunge_all()
    [photo] = photos.photos_of("test-public", 7)
    assert {"data", "thumbnail"} <= inspect(photo).unloaded  # a list page never reads the images
    assert photo.thumbnail[:2] == b"\xff\xd8"  # read when asked for
