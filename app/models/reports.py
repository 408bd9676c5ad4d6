"""Supervisors' reports (随手拍 / 义务监督员): volunteers the office names as supervisors report
an uncivil act or a problem; the office routes each report to a responsible unit, the unit
replies, the office closes it with an outcome the reporter sees."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import created, intpk, long_text, user_fk, utc_datetime
from app.models.checks import one_of

if TYPE_CHECKING:
    from app.models.accounts import User, Volunteer
    from app.models.units import Unit

REPORT_STATUSES = ("submitted", "routed", "replied", "closed")
REPORT_OUTCOMES = ("confirmed", "unfounded")


class Supervisor(Model):
    """A volunteer the office named as a supervisor (义务监督员); removing the role deletes
    the row (the audit trail keeps both steps)."""

    __tablename__ = "supervisors"

    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True
    )
    appointed_by_id: Mapped[user_fk | None]
    appointed_at: Mapped[created]

    volunteer: Mapped[Volunteer] = relationship("Volunteer")


class ProblemReport(Model):
    """One report: submitted → routed (to a responsible unit) → replied (by that unit) →
    closed (by the office, confirmed or unfounded). A confirmed report counts as service only
    when the office credits it under its rule; the record it made is kept here."""

    __tablename__ = "problem_reports"
    __table_args__ = (
        one_of("status", REPORT_STATUSES),
        one_of("outcome", REPORT_OUTCOMES, nullable=True),
        CheckConstraint("(status = 'closed') = (outcome IS NOT NULL)", name="closed_has_outcome"),
        CheckConstraint("lat IS NULL OR (lat BETWEEN -90 AND 90)", name="lat"),
        CheckConstraint("lng IS NULL OR (lng BETWEEN -180 AND 180)", name="lng"),
        Index("ix_problem_reports_reporter_created", "reporter_id", "created_at"),
        Index("ix_problem_reports_unit_status", "unit_id", "status"),
    )

    id: Mapped[intpk]
    reporter_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"))
    category: Mapped[str] = mapped_column(String(20))
    text: Mapped[long_text]
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    address: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(
        String(10), default="submitted", server_default="submitted", index=True
    )
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    routed_by_id: Mapped[user_fk | None]
    routed_at: Mapped[utc_datetime | None]
    route_note: Mapped[str | None] = mapped_column(String(500))
    reply: Mapped[long_text | None]
    replied_by_id: Mapped[user_fk | None]
    replied_at: Mapped[utc_datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(10))
    outcome_note: Mapped[str | None] = mapped_column(String(500))
    closed_by_id: Mapped[user_fk | None]
    closed_at: Mapped[utc_datetime | None]
    credited_record_id: Mapped[int | None] = mapped_column(ForeignKey("service_records.id"))
    created_at: Mapped[created]

    reporter: Mapped[Volunteer] = relationship("Volunteer")
    unit: Mapped[Unit | None] = relationship("Unit")
    routed_by: Mapped[User | None] = relationship("User", foreign_keys="ProblemReport.routed_by_id")
