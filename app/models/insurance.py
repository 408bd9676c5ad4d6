"""Volunteer insurance (志愿者保险): covers an admin records, for a unit or a list of people."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import UTCDateTime, utcnow

COVER_SCOPES = ("unit", "list")


class InsuranceCover(Model):
    __tablename__ = "insurance_covers"
    __table_args__ = (
        CheckConstraint("scope IN ('unit','list')", name="scope"),
        CheckConstraint("ends_on >= starts_on", name="period"),
        Index("ix_insurance_covers_unit_period", "unit_id", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    insurer: Mapped[str] = mapped_column(String(100))
    policy_no: Mapped[str] = mapped_column(String(50))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # 'unit': every volunteer of unit_id; 'list': the members listed (all of unit_id).
    scope: Mapped[str] = mapped_column(String(10))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit = relationship("Unit")
    members: Mapped[list[InsuranceCoverMember]] = relationship(
        "InsuranceCoverMember", cascade="all, delete-orphan", passive_deletes=True
    )


class InsuranceCoverMember(Model):
    __tablename__ = "insurance_cover_members"
    __table_args__ = (UniqueConstraint("cover_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cover_id: Mapped[int] = mapped_column(ForeignKey("insurance_covers.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
