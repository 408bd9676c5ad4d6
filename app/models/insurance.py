"""Volunteer insurance (志愿者保险): covers an admin records, for a unit or a list of people."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import created, intpk, user_fk
from app.models.checks import one_of

COVER_SCOPES = ("unit", "list")


class InsuranceCover(Model):
    __tablename__ = "insurance_covers"
    __table_args__ = (
        one_of("scope", COVER_SCOPES),
        CheckConstraint("ends_on >= starts_on", name="period"),
        Index("ix_insurance_covers_unit_period", "unit_id", "starts_on", "ends_on"),
    )

    id: Mapped[intpk]
    insurer: Mapped[str] = mapped_column(String(100))
    policy_no: Mapped[str] = mapped_column(String(50))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # 'unit': every volunteer of unit_id; 'list': the members listed (all of unit_id).
    scope: Mapped[str] = mapped_column(String(10))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    created_by_id: Mapped[user_fk | None]
    created_at: Mapped[created]

    unit = relationship("Unit")
    members: Mapped[list[InsuranceCoverMember]] = relationship(
        "InsuranceCoverMember", cascade="all, delete-orphan", passive_deletes=True
    )


class InsuranceCoverMember(Model):
    __tablename__ = "insurance_cover_members"
    __table_args__ = (UniqueConstraint("cover_id", "volunteer_id"),)

    id: Mapped[intpk]
    cover_id: Mapped[int] = mapped_column(ForeignKey("insurance_covers.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
