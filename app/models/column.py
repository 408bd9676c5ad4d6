"""The public column (志愿风采): news of activities and volunteers' stories, drafted by units and
approved by the office before anyone sees them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import created, intpk, long_text, unit_fk, user_fk, utc_datetime, volunteer_fk
from app.models.checks import one_of

if TYPE_CHECKING:
    from app.models.accounts import Volunteer
    from app.models.units import Unit

COLUMN_KINDS = ("news", "story")
COLUMN_STATUSES = ("draft", "submitted", "published", "returned")


class ColumnItem(Model):
    """draft → submitted → published (by the office), or returned with a reason (and edited and
    submitted again). A story may name one volunteer, and is shown only while that volunteer's
    consent (given on the phone) stands."""

    __tablename__ = "column_items"
    __table_args__ = (
        one_of("kind", COLUMN_KINDS),
        one_of("status", COLUMN_STATUSES),
        one_of("consent", ("given", "declined"), nullable=True),
        CheckConstraint("status != 'published' OR published_at IS NOT NULL", name="published_at"),
        Index("ix_column_items_status_published", "status", "published_at"),
    )

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(10), default="news", server_default="news")
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[long_text]
    unit_id: Mapped[unit_fk | None]
    created_by_id: Mapped[user_fk | None]
    status: Mapped[str] = mapped_column(String(10), default="draft", server_default="draft")
    return_reason: Mapped[str | None] = mapped_column(String(500))
    volunteer_id: Mapped[volunteer_fk | None]
    consent: Mapped[str | None] = mapped_column(String(10))
    consent_at: Mapped[utc_datetime | None]
    submitted_at: Mapped[utc_datetime | None]
    published_at: Mapped[utc_datetime | None]
    published_by_id: Mapped[user_fk | None]
    created_at: Mapped[created]
    updated_at: Mapped[created]

    unit: Mapped[Unit | None] = relationship("Unit")
    volunteer: Mapped[Volunteer | None] = relationship("Volunteer")

    @property
    def names_volunteer(self) -> bool:
        """Whether the volunteer's name may be shown (named, and consent given)."""
        return self.volunteer_id is not None and self.consent == "given"
