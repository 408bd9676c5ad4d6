from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.hours import hours
from app.models.base import counter, created, intpk, user_fk, utc_datetime
from app.models.checks import not_negative, one_of

if TYPE_CHECKING:
    from app.models.accounts import User, Volunteer
    from app.models.posts import Activity, Post
    from app.models.units import Unit

RECORD_STATUSES = ("open", "pending", "approved", "rejected")
RECORD_SOURCES = ("scan", "kiosk", "manual", "import")


class ServiceRecord(Model):
    """One stretch of service. Only approved records count; an approved record is never
    edited in place (a correction rejects it and enters a new one)."""

    __tablename__ = "service_records"
    __table_args__ = (
        one_of("status", RECORD_STATUSES),
        one_of("source", RECORD_SOURCES),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="window"),
        not_negative("seconds"),
        CheckConstraint("(status = 'open') = (ended_at IS NULL)", name="open_has_no_end"),
        # At most one open session per volunteer, enforced by the database: racing double
        # taps cannot open two.
        Index(
            "uq_service_records_one_open",
            "volunteer_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_service_records_volunteer_started", "volunteer_id", "started_at"),
        Index("ix_service_records_unit_status_started", "unit_id", "status", "started_at"),
        # Covering indexes, so that the hot reads are index-only scans: a volunteer's approved
        # hours by period (home page), and every record of a period (overview, bulletins).
        Index(
            "ix_service_records_volunteer_status_started", "volunteer_id", "status", "started_at", "seconds"
        ),
        Index(
            "ix_service_records_status_started",
            "status",
            "started_at",
            "unit_id",
            "volunteer_id",
            "seconds",
            "id",
        ),
        # Approvals by time, for the approvals a bulletin's late window saw (index-only).
        Index(
            "ix_service_records_approved_reviewed",
            "reviewed_at",
            "started_at",
            "volunteer_id",
            "seconds",
            sqlite_where=text("status = 'approved'"),
            postgresql_where=text("status = 'approved'"),
        ),
        # Records waiting for review or still open: a small partial index for the counts.
        Index(
            "ix_service_records_unreviewed",
            "unit_id",
            "status",
            sqlite_where=text("status IN ('open', 'pending')"),
            postgresql_where=text("status IN ('open', 'pending')"),
        ),
    )

    id: Mapped[intpk]
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    started_at: Mapped[utc_datetime]
    ended_at: Mapped[utc_datetime | None]
    # Countable seconds after the post's minimum and maximum are applied.
    seconds: Mapped[counter]
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    source: Mapped[str] = mapped_column(String(10), default="scan", server_default="scan")
    # Comma-separated review flags: below_min, capped, auto_closed, outside_fence, corrected
    flags: Mapped[str] = mapped_column(String(100), default="", server_default="")
    note: Mapped[str | None] = mapped_column(String(500))
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    check_in_lat: Mapped[float | None]
    check_in_lng: Mapped[float | None]
    check_out_lat: Mapped[float | None]
    check_out_lng: Mapped[float | None]
    created_by_id: Mapped[user_fk | None]
    reviewed_by_id: Mapped[user_fk | None]
    reviewed_at: Mapped[utc_datetime | None]
    # Set when this record replaces an earlier one (a correction of an approved record).
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("service_records.id"))
    created_at: Mapped[created]

    volunteer: Mapped[Volunteer] = relationship("Volunteer")
    unit: Mapped[Unit] = relationship("Unit")
    post: Mapped[Post | None] = relationship("Post")
    activity: Mapped[Activity | None] = relationship("Activity")
    created_by: Mapped[User | None] = relationship("User", foreign_keys="ServiceRecord.created_by_id")
    reviewed_by: Mapped[User | None] = relationship("User", foreign_keys="ServiceRecord.reviewed_by_id")

    @property
    def hours(self) -> float:
        return hours(self.seconds)

    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(",") if f]
