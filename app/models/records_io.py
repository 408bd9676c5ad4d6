"""Records in and out: a unit's remembered column mappings, and export jobs."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import (
    UTCDateTime,
    counter,
    created,
    intpk,
    off_by_default,
    user_fk,
    utc_datetime,
    utcnow,
)
from app.models.checks import one_of

if TYPE_CHECKING:
    from app.models.accounts import User

EXPORT_STATUSES = ("queued", "running", "done", "failed")


class ColumnMapping(Model):
    """How a unit's own spreadsheets map to our fields, remembered per unit and kind
    ('records' or 'roster'): {header text: field}."""

    __tablename__ = "column_mappings"
    __table_args__ = (UniqueConstraint("unit_id", "kind", name="uq_column_mappings_unit_kind"),)

    id: Mapped[intpk]
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(10))
    columns: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ExportJob(Model):
    """An export of records run in the background; its file is kept under the instance
    folder until it is downloaded or expires."""

    __tablename__ = "export_jobs"
    __table_args__ = (
        one_of("status", EXPORT_STATUSES),
        one_of("file_format", ("xlsx", "csv")),
        Index("ix_export_jobs_requested_by", "requested_by_id", "created_at"),
    )

    id: Mapped[intpk]
    requested_by_id: Mapped[user_fk]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # None: the whole city
    date_from: Mapped[date]
    date_to: Mapped[date]
    status_filter: Mapped[str | None] = mapped_column(String(10))
    profile: Mapped[str] = mapped_column(String(20), default="standard", server_default="standard")
    file_format: Mapped[str] = mapped_column(String(4), default="xlsx", server_default="xlsx")
    full_ids: Mapped[off_by_default]
    status: Mapped[str] = mapped_column(String(10), default="queued", server_default="queued")
    total: Mapped[counter]
    done: Mapped[counter]
    file_name: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[created]
    finished_at: Mapped[utc_datetime | None]
    # A running export beats at every batch; a job whose process died stops beating and the
    # scheduler runs it again (records_export.resume_stalled), at most a few attempts.
    heartbeat_at: Mapped[utc_datetime | None]
    attempts: Mapped[int] = mapped_column(default=1, server_default="1")

    requested_by: Mapped[User] = relationship("User")

    @property
    def progress(self) -> int:
        """Percent done, 0–100."""
        if self.status == "done":
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0
