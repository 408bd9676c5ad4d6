"""Commendations (美德之星 / 文明使者): the office names a month's or a year's exemplary
volunteers and units with a citation; the list is publicly posted (公示) for a set number of
days, anyone may object, residents may vote where the office opens a vote, and the list is
final only after the posting period with every objection answered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import (
    created,
    intpk,
    long_text,
    off_by_default,
    unit_fk,
    user_fk,
    utc_datetime,
    volunteer_fk,
)
from app.models.checks import one_of

if TYPE_CHECKING:
    from app.models.accounts import Volunteer
    from app.models.units import Unit


class Commendation(Model):
    """draft → posted (公示 until posted_until) → final."""

    __tablename__ = "commendations"
    __table_args__ = (
        one_of("status", ("draft", "posted", "final")),
        one_of("period_kind", ("month", "year")),
        CheckConstraint("status = 'draft' OR posted_until IS NOT NULL", name="posted_until"),
    )

    id: Mapped[intpk]
    honour: Mapped[str] = mapped_column(String(30))  # 美德之星, 文明使者 …
    period_kind: Mapped[str] = mapped_column(String(5))
    period: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM or YYYY
    status: Mapped[str] = mapped_column(String(10), default="draft", server_default="draft")
    posting_days: Mapped[int] = mapped_column(default=7, server_default="7")
    posted_at: Mapped[utc_datetime | None]
    posted_until: Mapped[utc_datetime | None]
    vote_open: Mapped[off_by_default]
    finalized_at: Mapped[utc_datetime | None]
    created_by_id: Mapped[user_fk | None]
    created_at: Mapped[created]

    nominees: Mapped[list[Nominee]] = relationship(
        "Nominee", order_by="Nominee.id", back_populates="commendation", cascade="all, delete-orphan"
    )


class Nominee(Model):
    """One exemplary volunteer or unit of a list, with a citation. A volunteer's full name is
    public only with their consent (given on the phone); otherwise it is masked."""

    __tablename__ = "commendation_nominees"
    __table_args__ = (
        CheckConstraint("(volunteer_id IS NULL) != (unit_id IS NULL)", name="volunteer_or_unit"),
        one_of("consent", ("given", "declined"), nullable=True),
        UniqueConstraint("commendation_id", "volunteer_id", name="uq_nominee_volunteer"),
        UniqueConstraint("commendation_id", "unit_id", name="uq_nominee_unit"),
    )

    id: Mapped[intpk]
    commendation_id: Mapped[int] = mapped_column(ForeignKey("commendations.id", ondelete="CASCADE"))
    volunteer_id: Mapped[volunteer_fk | None]
    unit_id: Mapped[unit_fk | None]
    citation: Mapped[str] = mapped_column(String(300))
    consent: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[created]

    commendation: Mapped[Commendation] = relationship("Commendation", back_populates="nominees")
    volunteer: Mapped[Volunteer | None] = relationship("Volunteer")
    unit: Mapped[Unit | None] = relationship("Unit")

    @property
    def public_name(self) -> str:
        if self.unit is not None:
            return self.unit.name
        assert self.volunteer is not None
        return self.volunteer.name if self.consent == "given" else self.volunteer.masked_name


class Objection(Model):
    """An objection to a posted list (异议), with the sender's contact, which only the office
    sees; the office answers it. A list is final only when every objection is answered."""

    __tablename__ = "commendation_objections"

    id: Mapped[intpk]
    commendation_id: Mapped[int] = mapped_column(
        ForeignKey("commendations.id", ondelete="CASCADE"), index=True
    )
    nominee_id: Mapped[int | None] = mapped_column(
        ForeignKey("commendation_nominees.id", ondelete="SET NULL")
    )
    text: Mapped[long_text]
    contact_name: Mapped[str] = mapped_column(String(50))
    contact: Mapped[str] = mapped_column(String(100))
    answer: Mapped[long_text | None]
    answered_by_id: Mapped[user_fk | None]
    answered_at: Mapped[utc_datetime | None]
    created_at: Mapped[created]

    nominee: Mapped[Nominee | None] = relationship("Nominee")


class HonourVote(Model):
    """A resident's vote: one per phone per list (the phone kept only as a keyed hash)."""

    __tablename__ = "commendation_votes"
    __table_args__ = (
        UniqueConstraint("commendation_id", "phone_hash", name="uq_vote_per_phone"),
        Index("ix_commendation_votes_nominee", "nominee_id"),
    )

    id: Mapped[intpk]
    commendation_id: Mapped[int] = mapped_column(ForeignKey("commendations.id", ondelete="CASCADE"))
    nominee_id: Mapped[int] = mapped_column(ForeignKey("commendation_nominees.id", ondelete="CASCADE"))
    phone_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[created]
