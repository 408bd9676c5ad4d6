"""The office's follow-up of its member units: rectification items (整改) and task lists
(任务清单)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.accounts import User
from app.models.base import StoredFile, UTCDateTime, created, intpk, long_text, unit_fk, user_fk, utc_datetime
from app.models.units import Unit


class Rectification(Model):
    """Something the office found at a unit, to be put right by a deadline.

    open (raised, or returned by the office) → replied (the unit says what it did) → closed
    (the office accepts). Every step is in the audit trail."""

    __tablename__ = "rectifications"

    id: Mapped[intpk]
    unit_id: Mapped[unit_fk]
    finding: Mapped[long_text]
    source: Mapped[str | None] = mapped_column(String(200))  # e.g. the review and flag it came from
    deadline: Mapped[date]
    due_at: Mapped[utc_datetime]  # the end of the deadline day in the zone
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open", index=True)
    reply: Mapped[long_text | None]
    replied_at: Mapped[utc_datetime | None]
    returned_reason: Mapped[str | None] = mapped_column(String(500))
    closed_at: Mapped[utc_datetime | None]
    raised_by_id: Mapped[user_fk | None]
    raised_at: Mapped[created]
    notified_at: Mapped[utc_datetime | None]  # the unit's mail, sent once
    reminded_at: Mapped[utc_datetime | None]  # the reminder, sent once

    unit: Mapped[Unit] = relationship("Unit")
    raised_by: Mapped[User | None] = relationship("User")
    files: Mapped[list[RectificationFile]] = relationship(
        "RectificationFile", order_by="RectificationFile.id", back_populates="item"
    )


class RectificationFile(StoredFile, Model):
    """A file the unit attached to its reply (PDF or image), kept in the database."""

    __tablename__ = "rectification_files"

    rectification_id: Mapped[int] = mapped_column(ForeignKey("rectifications.id"), index=True)
    uploaded_by_id: Mapped[user_fk | None]

    item: Mapped[Rectification] = relationship("Rectification", back_populates="files")


class OfficeTask(Model):
    """A task the office sends to units: done when a figure reaches its target within the
    task's window (activities, hours, trainings), or when the unit replies."""

    __tablename__ = "office_tasks"

    id: Mapped[intpk]
    title: Mapped[str] = mapped_column(String(100))
    text: Mapped[long_text]
    measure: Mapped[str] = mapped_column(String(12))  # reply | activities | hours | trainings
    target: Mapped[int | None]
    deadline: Mapped[date]
    starts_at: Mapped[utc_datetime]  # the window counted: sent ..
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # .. the end of the deadline day (zone)
    created_by_id: Mapped[user_fk | None]
    created_at: Mapped[created]

    assignments: Mapped[list[OfficeTaskUnit]] = relationship(
        "OfficeTaskUnit", order_by="OfficeTaskUnit.unit_id", back_populates="task"
    )


class OfficeTaskUnit(Model):
    """One unit's copy of a task: its reply, and the mails it was sent."""

    __tablename__ = "office_task_units"
    __table_args__ = (UniqueConstraint("task_id", "unit_id"),)

    id: Mapped[intpk]
    task_id: Mapped[int] = mapped_column(ForeignKey("office_tasks.id"), index=True)
    unit_id: Mapped[unit_fk]
    reply: Mapped[long_text | None]
    replied_at: Mapped[utc_datetime | None]
    notified_at: Mapped[utc_datetime | None]
    reminded_at: Mapped[utc_datetime | None]

    task: Mapped[OfficeTask] = relationship("OfficeTask", back_populates="assignments")
    unit: Mapped[Unit] = relationship("Unit")


class ScoreScheme(Model):
    """A version of the office's indicator scheme (测评指标): weighted indicators, each with a
    target. A period is scored with the version in force at its end; a new version never
    changes a period already scored (its ScoreSnapshot stands)."""

    __tablename__ = "score_schemes"

    id: Mapped[intpk]
    version: Mapped[int] = mapped_column(unique=True)
    indicators: Mapped[list] = mapped_column(JSON)  # [{"key", "weight", "target"}]
    effective_from: Mapped[date]
    created_by_id: Mapped[user_fk | None]
    created_at: Mapped[created]


class ScoreSnapshot(Model):
    """The scores of an ended period, computed once with the scheme then in force and kept."""

    __tablename__ = "score_snapshots"

    id: Mapped[intpk]
    period: Mapped[str] = mapped_column(String(10), unique=True)
    scheme_version: Mapped[int]
    scores: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[created]
