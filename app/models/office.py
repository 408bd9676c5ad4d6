"""The office's follow-up of its member units: rectification items (整改) and task lists
(任务清单)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.accounts import User
from app.models.base import UTCDateTime, utcnow
from app.models.units import Unit


class Rectification(Model):
    """Something the office found at a unit, to be put right by a deadline.

    open (raised, or returned by the office) → replied (the unit says what it did) → closed
    (the office accepts). Every step is in the audit trail."""

    __tablename__ = "rectifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    finding: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(200))  # e.g. the review and flag it came from
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open", index=True)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_reason: Mapped[str | None] = mapped_column(String(500))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the unit's mail, sent once
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the reminder, sent once

    unit: Mapped[Unit] = relationship("Unit")
    raised_by: Mapped[User | None] = relationship("User")
    files: Mapped[list[RectificationFile]] = relationship(
        "RectificationFile", order_by="RectificationFile.id", back_populates="item")


class RectificationFile(Model):
    """A file the unit attached to its reply (PDF or image), kept in the database."""

    __tablename__ = "rectification_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    rectification_id: Mapped[int] = mapped_column(ForeignKey("rectifications.id"), index=True)
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column()
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[Rectification] = relationship("Rectification", back_populates="files")


class OfficeTask(Model):
    """A task the office sends to units: done when a figure reaches its target within the
    task's window (activities, hours, trainings), or when the unit replies."""

    __tablename__ = "office_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(String(12))  # reply | activities | hours | trainings
    target: Mapped[int | None] = mapped_column()
    deadline: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the window counted: sent ..
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # .. the end of the deadline day (zone)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignments: Mapped[list[OfficeTaskUnit]] = relationship(
        "OfficeTaskUnit", order_by="OfficeTaskUnit.unit_id", back_populates="task")


class OfficeTaskUnit(Model):
    """One unit's copy of a task: its reply, and the mails it was sent."""

    __tablename__ = "office_task_units"
    __table_args__ = (UniqueConstraint("task_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("office_tasks.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    task: Mapped[OfficeTask] = relationship("OfficeTask", back_populates="assignments")
    unit: Mapped[Unit] = relationship("Unit")
