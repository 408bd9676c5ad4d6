"""Photos kept as evidence (台账) or shown to the public: re-encoded on upload, so no metadata
of the original (EXIF location above all) survives."""

from __future__ import annotations

from sqlalchemy import Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.base import created, intpk, unit_fk, user_fk


class Photo(Model):
    """A photo of something: `subject` names what (an activity, a post's day, a column item, a
    report) and `subject_id` which one. The unit is kept for access checks and figures."""

    __tablename__ = "photos"
    __table_args__ = (Index("ix_photos_subject", "subject", "subject_id"),)

    id: Mapped[intpk]
    subject: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int]
    unit_id: Mapped[unit_fk | None]
    caption: Mapped[str | None] = mapped_column(String(100))
    content_type: Mapped[str] = mapped_column(String(20), default="image/jpeg")
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    # the bytes load only when read: lists of photos carry their metadata alone
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    thumbnail: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[user_fk | None]
    uploaded_at: Mapped[created]
