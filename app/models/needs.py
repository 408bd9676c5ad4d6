"""Residents' needs (微心愿 / 群众需求): 群众点单、中心派单、志愿者接单、群众评单."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import UTCDateTime, VolunteerEntry, counter, created, intpk, user_fk, utc_datetime
from app.models.checks import one_of, positive

if TYPE_CHECKING:
    from app.models.catalogues import ServiceCategory
    from app.models.posts import Post
    from app.models.units import Unit

# submitted → accepted (with or without a unit) → published (a task with a capacity)
# → served (the unit reports it done) → rated (the resident's 1–5); declined and merged end it.
NEED_STATUSES = ("submitted", "accepted", "declined", "merged", "published", "served", "rated")
NEED_SOURCES = ("public", "phone")
SIGNUP_STATUSES = ("pending", "confirmed")


class Need(Model):
    """A resident's need. The resident's name and phone are kept only until the retention period
    after the need is closed, then erased (purged_at); the tracking code is kept as a keyed hash."""

    __tablename__ = "needs"
    __table_args__ = (
        one_of("status", NEED_STATUSES),
        one_of("source", NEED_SOURCES),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
        positive("capacity", nullable=True),
        CheckConstraint("capacity IS NULL OR signup_count <= capacity", name="signups_within_capacity"),
        Index("ix_needs_unit_status", "unit_id", "status"),
        Index("ix_needs_status_created", "status", "created_at"),
    )

    id: Mapped[intpk]
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="submitted", server_default="submitted")
    source: Mapped[str] = mapped_column(String(10), default="public", server_default="public")
    category_id: Mapped[int] = mapped_column(ForeignKey("service_categories.id"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    place: Mapped[str] = mapped_column(String(200))
    wished_date: Mapped[date]
    resident_name: Mapped[str | None] = mapped_column(String(50))
    resident_phone: Mapped[str | None] = mapped_column(String(11))
    purged_at: Mapped[utc_datetime | None]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"))
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None]
    signup_count: Mapped[counter]
    # The task's own code: a post of the unit made when the need is published, retired when served.
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), unique=True)
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[user_fk | None]
    created_at: Mapped[created]
    accepted_at: Mapped[utc_datetime | None]
    published_at: Mapped[utc_datetime | None]
    served_at: Mapped[utc_datetime | None]
    # Served by the resident's wished date (in the deployment's zone), fixed when served.
    served_on_time: Mapped[bool | None]
    rated_at: Mapped[utc_datetime | None]
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    category: Mapped[ServiceCategory] = relationship("ServiceCategory")
    unit: Mapped[Unit | None] = relationship("Unit")
    post: Mapped[Post | None] = relationship("Post")

    @property
    def number(self) -> str:
        return f"XY{self.id:06d}"

    @property
    def masked_name(self) -> str:
        if not self.resident_name:
            return "—"
        return self.resident_name[0] + "*" * max(1, len(self.resident_name) - 1)

    @property
    def masked_phone(self) -> str:
        if not self.resident_phone:
            return "—"
        return self.resident_phone[:3] + "****" + self.resident_phone[-4:]

    def __repr__(self) -> str:
        return f"<Need {self.id} {self.status}>"


class NeedSignup(VolunteerEntry, Model, subject="need"):
    """A volunteer's sign-up to a published need; the unit confirms who serves."""

    __tablename__ = "need_signups"
    __table_args__ = (
        UniqueConstraint("need_id", "volunteer_id"),
        one_of("status", SIGNUP_STATUSES),
    )

    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    created_at: Mapped[created]
    confirmed_at: Mapped[utc_datetime | None]

    need: Mapped[Need] = relationship("Need")
