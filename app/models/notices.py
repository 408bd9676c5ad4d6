"""Notices (通知公告) to volunteers, and who has read them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import VolunteerEntry, created, intpk, long_text, unit_fk, user_fk
from app.models.checks import one_of

if TYPE_CHECKING:
    from app.models.accounts import User

AUDIENCES = ("all", "unit", "team", "campaign")


class Notice(Model):
    """A notice from the office (unit_id null) or a unit, to everyone, a unit's volunteers, a
    team's members or a campaign's roster (target_id names the unit, team or campaign)."""

    __tablename__ = "notices"
    __table_args__ = (
        one_of("audience", AUDIENCES),
        CheckConstraint("(audience = 'all') = (target_id IS NULL)", name="target"),
        Index("ix_notices_audience_target", "audience", "target_id"),
    )

    id: Mapped[intpk]
    unit_id: Mapped[unit_fk | None]
    audience: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int | None]
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[long_text]
    sent_by_id: Mapped[user_fk | None]
    created_at: Mapped[created]

    sent_by: Mapped[User | None] = relationship("User")


class NoticeRead(VolunteerEntry, Model, subject="notice"):
    """A volunteer has read a notice (when first opened)."""

    __tablename__ = "notice_reads"

    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    read_at: Mapped[created]
