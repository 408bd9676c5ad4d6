"""Contributions other than hours (捐赠、献血): money or goods donated, and blood drives counted
in persons (献血人次), recorded per unit with evidence files and counted against yearly targets.
They never count as hours or stars."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import StoredFile, created, intpk, unit_fk, user_fk
from app.models.units import Unit


class Contribution(Model):
    """kind: money (amount in yuan), goods (description, estimated value in yuan) or blood
    (persons who gave blood in a drive the unit organised)."""

    __tablename__ = "contributions"

    id: Mapped[intpk]
    unit_id: Mapped[unit_fk]
    kind: Mapped[str] = mapped_column(String(10))
    day: Mapped[date] = mapped_column(Date, index=True)
    description: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # yuan: money, or goods' value
    persons: Mapped[int | None]  # blood drives
    recorded_by_id: Mapped[user_fk | None]
    recorded_at: Mapped[created]

    unit: Mapped[Unit] = relationship("Unit")
    files: Mapped[list[ContributionFile]] = relationship(
        "ContributionFile", order_by="ContributionFile.id", back_populates="contribution"
    )


class ContributionFile(StoredFile, Model):
    """Evidence of a contribution (a receipt, a list, a photo): PDF or image, kept in the database."""

    __tablename__ = "contribution_files"

    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"), index=True)

    contribution: Mapped[Contribution] = relationship("Contribution", back_populates="files")


class ContributionTarget(Model):
    """A unit's yearly targets: donations (yuan, money and goods' value) and blood (persons)."""

    __tablename__ = "contribution_targets"
    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_contribution_targets_unit_year"),)

    id: Mapped[intpk]
    unit_id: Mapped[unit_fk]
    year: Mapped[int]
    donations: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    blood: Mapped[int | None]
    updated_by_id: Mapped[user_fk | None]
    updated_at: Mapped[created]
