from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import UTCDateTime, intpk, utc_datetime, utcnow
from app.models.checks import positive

if TYPE_CHECKING:
    from app.models.accounts import Volunteer


class StarThreshold(Model):
    """Approved hours needed for a star level; editable by the platform admin."""

    __tablename__ = "star_thresholds"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level"),
        positive("min_hours"),
    )

    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    min_hours: Mapped[int]


class StarEvent(Model):
    """A change of a volunteer's star level (up, or down after a rejection)."""

    __tablename__ = "star_events"
    __table_args__ = (Index("ix_star_events_volunteer_at", "volunteer_id", "at"),)

    id: Mapped[intpk]
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"))
    from_level: Mapped[int]
    to_level: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    seen_at: Mapped[utc_datetime | None]

    volunteer: Mapped[Volunteer] = relationship("Volunteer")

    @property
    def is_upgrade(self) -> bool:
        return self.to_level > self.from_level
