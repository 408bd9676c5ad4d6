"""Photos as images: the full size and the thumbnail, for whoever the photo's area lets see it.

Every answer must be revalidated (no-cache) against an ETag of the photo, so a
photo that stops being visible — a public story taken down, a report closed to a viewer —
answers 404 at the next look instead of staying in a browser's or a proxy's cache for a day;
an unchanged photo answers 304 without its bytes. Public photos may be kept by shared caches,
the others only by the viewer's own browser."""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_login import current_user

from app.services import photos

bp = Blueprint("photos", __name__)


def _send(photo_id: int, thumbnail: bool) -> Response:
    user = current_user if current_user.is_authenticated else None
    photo = photos.visible(user, photo_id)
    response = Response(mimetype=photo.content_type)
    response.headers["Cache-Control"] = "public, no-cache" if photos.is_public(photo) else "private, no-cache"
    # a photo never changes once kept, so its id, size and upload time name its content
    kind = "t" if thumbnail else "f"
    response.set_etag(f"{photo.id}-{kind}-{photo.size}-{int(photo.uploaded_at.timestamp())}")
    response.make_conditional(request)
    if response.status_code != 304:  # the viewer's copy is stale or missing: the bytes, read now
        response.set_data(photo.thumbnail if thumbnail else photo.data)
    return response


@bp.get("/photos/<int:photo_id>.jpg")
def full(photo_id: int):
    return _send(photo_id, thumbnail=False)


@bp.get("/photos/<int:photo_id>/thumb.jpg")
def thumb(photo_id: int):
    return _send(photo_id, thumbnail=True)
