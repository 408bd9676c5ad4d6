"""Notices (通知公告) to volunteers, and who has read them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.accounts import User

AUDIENCES = ("all", "unit", "team", "campaign")


class Notice(Model):
    """A notice from the office (unit_id null) or a unit, to everyone, a unit's volunteers, a
    team's members or a campaign's roster (target_id names the unit, team or campaign)."""

    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint("audience IN ('all','unit','team','campaign')", name="audience"),
        CheckConstraint("(audience = 'all') = (target_id IS NULL)", name="target"),
        Index("ix_notices_audience_target", "audience", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    audience: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int | None] = mapped_column()
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sent_by: Mapped[User | None] = relationship("User")


class NoticeRead(Model):
    __tablename__ = "notice_reads"
    __table_args__ = (UniqueConstraint("notice_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
