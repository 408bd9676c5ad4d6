"""Photos as images: the full size and the thumbnail, for whoever the photo's area lets see it."""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_login import current_user

from app.services import photos

bp = Blueprint("photos", __name__)


def _send(photo_id: int, thumbnail: bool) -> Response:
    user = current_user if current_user.is_authenticated else None
    photo = photos.visible(user, photo_id)
    response = Response(photo.thumbnail if thumbnail else photo.data, mimetype=photo.content_type)
    if photos.is_public(photo):  # others are personal data: the security headers say no-store
        response.headers["Cache-Control"] = "public, max-age=86400"
    response.set_etag(f"{photo.id}-{photo.size}-{int(thumbnail)}")
    response.make_conditional(request)
    return response


@bp.get("/photos/<int:photo_id>.jpg")
def full(photo_id: int):
    return _send(photo_id, thumbnail=False)


@bp.get("/photos/<int:photo_id>/thumb.jpg")
def thumb(photo_id: int):
    return _send(photo_id, thumbnail=True)
