"""Photos are revalidated at every look: an ETag of the photo (it never changes once kept), `no-cache`
(public photos `public`, others `private`), 304 while unchanged, and 404 once the photo is no
longer visible, so a taken-down story's photos do not live on in caches."""
from __future__ import annotations

from app.services import column, photos
from app.services.column import Draft
from app.services.inputs import Upload
from tests import factories as f
from tests.services.test_photos import jpeg_with_gps


def _story_with_a_photo(db, boss, *, publish=True):
    item = column.create_draft(Draft("news", "社区义诊", "正文"), by=boss,
                               uploads=[Upload("a.jpg", jpeg_with_gps((300, 200)))])
    column.submit(item, by=boss)
    if publish:
        column.approve(item, by=boss)
    db.session.commit()
    [photo_id] = [p.id for p in photos.photos_of(column.SUBJECT, item.id)]
    return item, photo_id


def test_a_public_photo_revalidates_and_answers_404_once_its_story_is_taken_down(client, db):
    boss = f.platform_admin("boss")
    item, photo_id = _story_with_a_photo(db, boss)
    for path in (f"/photos/{photo_id}.jpg", f"/photos/{photo_id}/thumb.jpg"):
        first = client.get(path)
        assert first.status_code == 200 and first.mimetype == "image/jpeg"
        assert first.headers["Cache-Control"] == "public, no-cache"
        etag = first.headers["ETag"]
        assert etag.startswith(f'"{photo_id}-') and first.data[:2] == b"\xff\xd8"
        assert int(first.headers["Content-Length"]) == len(first.data)
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
        assert client.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200
    full_etag = client.get(f"/photos/{photo_id}.jpg").headers["ETag"]
    assert full_etag != client.get(f"/photos/{photo_id}/thumb.jpg").headers["ETag"]

    column.return_item(item, reason="内容需核实", by=boss)  # taken off the column
    db.session.commit()
    gone = client.get(f"/photos/{photo_id}.jpg", headers={"If-None-Match": full_etag})
    assert gone.status_code == 404


def test_a_private_photo_is_private_no_cache_and_revalidates_for_its_viewer(client, db):
    boss = f.platform_admin("boss")
    _item, photo_id = _story_with_a_photo(db, boss, publish=False)
    assert client.get(f"/photos/{photo_id}.jpg").status_code == 404  # not public yet
    f.login(client, boss)
    first = client.get(f"/photos/{photo_id}.jpg")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-cache"
    again = client.get(f"/photos/{photo_id}.jpg", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/photos/999999.jpg").headers["Cache-Control"] == "no-store"  # an error page, signed in
