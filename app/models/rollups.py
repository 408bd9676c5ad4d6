"""Rollups of the ledger, kept by it in the same transaction as every approval and rejection:
approved service per month (in the deployment's zone, the month a record started in), per home
unit of the volunteer and per unit whose post it was at, and per volunteer. Reports read these
few thousand rows instead of millions of records; `flask hours verify` checks them against the
ledger."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.base import counter


class ServiceMonth(Model):
    """Approved seconds and records of one month, per home unit and host unit."""

    __tablename__ = "service_months"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # 'YYYY-MM'
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)  # home unit
    host_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)  # the record's unit
    seconds: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    records: Mapped[counter]


class VolunteerMonth(Model):
    """Approved seconds and records of one volunteer in one month (rows whose records fall back
    to zero stay, with zeros). `registered`: the volunteer registered before the month ended,
    which is when the month counts them as active."""

    __tablename__ = "volunteer_months"
    __table_args__ = (Index("ix_volunteer_months_unit_seconds", "month", "unit_id", "seconds"),)

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # home unit
    seconds: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    records: Mapped[counter]
    registered: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")


class UnitStarCount(Model):
    """How many volunteers of a unit hold each star level (0 to 5), kept as volunteers are
    registered and graded: the admin overview's counts without reading every volunteer."""

    __tablename__ = "unit_star_counts"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    star_level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    volunteers: Mapped[counter]
