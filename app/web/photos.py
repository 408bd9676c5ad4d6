"""Photos as images: the full size and the thumbnail, for whoever the photo's area lets see it.

Every answer must be revalidated (no-cache) against an ETag of the photo and its content, so a
photo that stops being visible — a public story taken down, a report closed to a viewer —
answers 404 at the next look instead of staying in a browser's or a proxy's cache for a day;
an unchanged photo answers 304 without its bytes. Public photos may be kept by shared caches,
the others only by the viewer's own browser."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, request
from flask_login import current_user

from app.services import photos

bp = Blueprint("photos", __name__)


def _send(photo_id: int, thumbnail: bool) -> Response:
    user = current_user if current_user.is_authenticated else None
    photo = photos.visible(user, photo_id)
    data = photo.thumbnail if thumbnail else photo.data
    response = Response(data, mimetype=photo.content_type)
    response.headers["Cache-Control"] = "public, no-cache" if photos.is_public(photo) else "private, no-cache"
    digest = hashlib.blake2b(data, digest_size=12).hexdigest()
    response.set_etag(f"{photo.id}-{'t' if thumbnail else 'f'}-{digest}")
    response.make_conditional(request)
    return response


@bp.get("/photos/<int:photo_id>.jpg")
def full(photo_id: int):
    return _send(photo_id, thumbnail=False)


@bp.get("/photos/<int:photo_id>/thumb.jpg")
def thumb(photo_id: int):
    return _send(photo_id, thumbnail=True)
