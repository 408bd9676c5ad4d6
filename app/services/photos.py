"""Photos kept as evidence or shown to the public.

Every upload is checked by its content (JPEG, PNG or WebP, whatever its name says), size and
pixel count; it is turned upright, shrunk to LONG_EDGE and re-encoded as JPEG without any of
the original's metadata, so EXIF location never survives. A thumbnail is kept beside it.

A photo is of a subject (a short name such as "activity") and an id. Each area that keeps
photos registers its subject with the rule of who may see them (register_subject); a photo of
an unregistered subject, or one the viewer may not see, answers like a missing one."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import Photo, User
from app.services.clock import now
from app.services.errors import NotFound, ValidationFailed
from app.services.inputs import Upload, safe_name

MAX_BYTES = 6 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel camera; larger is refused before decoding
LONG_EDGE = 1600
THUMB_EDGE = 360
MAX_PER_SUBJECT = 9
FORMATS = ("JPEG", "PNG", "WEBP")

Viewer = Callable[[User | None, Photo], bool]
_viewers: dict[str, Viewer] = {}


def register_subject(subject: str, can_view: Viewer) -> None:
    """Let photos of `subject` be kept; `can_view(user or None, photo)` says who sees them."""
    _viewers[subject] = can_view


@dataclass(frozen=True)
class Prepared:
    data: bytes
    thumbnail: bytes
    width: int
    height: int


def _refused(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: transparency and palettes would not survive JPEG."""
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _jpeg(image: Image.Image, edge: int, quality: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=quality, optimize=True)  # no exif= : no metadata at all
    return out.getvalue()


def prepare(upload: Upload, field: str = "photos", *, edge: int = LONG_EDGE) -> Prepared:
    """The upload as a clean JPEG (its long edge at most `edge`) and its thumbnail, or a
    ValidationFailed naming the file."""
    name = safe_name(upload.filename)
    if not upload.data:
        raise _refused(field, _("照片“%(n)s”是空文件", n=name))
    if len(upload.data) > MAX_BYTES:
        raise _refused(field, _("照片“%(n)s”超过%(mb)dMB", n=name, mb=MAX_BYTES // (1024 * 1024)))
    not_a_photo = _refused(field, _("“%(n)s”不是照片（JPEG、PNG或WebP）", n=name))
    try:
        with Image.open(io.BytesIO(upload.data), formats=FORMATS) as image:
            if image.width * image.height > MAX_PIXELS:
                raise _refused(field, _("照片“%(n)s”像素过多", n=name))
            image.load()
            upright = _flatten(ImageOps.exif_transpose(image) or image)
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise not_a_photo from None
    data = _jpeg(upright, edge, 82)
    return Prepared(data, _jpeg(upright, THUMB_EDGE, 75), *_size_of(data))


def _size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.width, image.height


def attach(
    subject: str,
    subject_id: int,
    uploads: Iterable[Upload],
    *,
    by: User | None,
    unit_id: int | None = None,
    caption: str | None = None,
    field: str = "photos",
) -> list[Photo]:
    """Keep the uploads (empty file inputs are skipped) as photos of the subject: all or none."""
    if subject not in _viewers:
        raise ValueError(f"photos of {subject!r} are not registered")
    uploads = [u for u in uploads if u.data or u.filename]
    kept = count_of(subject, subject_id)
    if kept + len(uploads) > MAX_PER_SUBJECT:
        raise _refused(field, _("最多保留%(n)d张照片", n=MAX_PER_SUBJECT))
    caption = (caption or "").strip()[:100] or None
    photos = []
    for upload in uploads:
        prepared = prepare(upload, field)
        photos.append(
            Photo(
                subject=subject,
                subject_id=subject_id,
                unit_id=unit_id,
                caption=caption,
                content_type="image/jpeg",
                width=prepared.width,
                height=prepared.height,
                size=len(prepared.data),
                data=prepared.data,
                thumbnail=prepared.thumbnail,
                uploaded_by_id=by.id if by else None,
                uploaded_at=now(),
            )
        )
    db.session.add_all(photos)
    db.session.flush()
    return photos


def photos_of(subject: str, subject_id: int) -> list[Photo]:
    """The subject's photos, oldest first (their bytes load only when read)."""
    return list(
        db.session.scalars(
            select(Photo).where(Photo.subject == subject, Photo.subject_id == subject_id).order_by(Photo.id)
        )
    )


def count_of(subject: str, subject_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(Photo.id)).where(Photo.subject == subject, Photo.subject_id == subject_id)
        )
        or 0
    )


def counts_of(subject: str, subject_ids: Iterable[int]) -> dict[int, int]:
    """Photos per subject id, in one query (for lists)."""
    return _per_subject(func.count(Photo.id), subject, subject_ids)


def first_of(subject: str, subject_ids: Iterable[int]) -> dict[int, int]:
    """The first photo's id per subject id, in one query (a list's covers)."""
    return _per_subject(func.min(Photo.id), subject, subject_ids)


def _per_subject(aggregate, subject: str, subject_ids: Iterable[int]) -> dict[int, int]:
    ids = list(subject_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Photo.subject_id, aggregate)
        .where(Photo.subject == subject, Photo.subject_id.in_(ids))
        .group_by(Photo.subject_id)
    ).all()
    return {subject_id: value for subject_id, value in rows}


def remove_all(subject: str, subject_id: int) -> None:
    """When the subject itself is deleted."""
    db.session.execute(delete(Photo).where(Photo.subject == subject, Photo.subject_id == subject_id))


def visible(user: User | None, photo_id: int) -> Photo:
    """The photo if this viewer (None: not signed in) may see it; NotFound otherwise, so that
    the answer never tells a hidden photo from a missing one."""
    photo = db.session.get(Photo, photo_id)
    viewer = _viewers.get(photo.subject) if photo else None
    if photo is None or viewer is None or not viewer(user, photo):
        raise NotFound(_("照片不存在"))
    return photo


def is_public(photo: Photo) -> bool:
    viewer = _viewers.get(photo.subject)
    return bool(viewer and viewer(None, photo))
