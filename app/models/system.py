from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.base import UTCDateTime, created, intpk, long_text, utc_datetime, utcnow


class Setting(Model):
    """Platform settings the admin edits (bulletin targets, schedule), as JSON values."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class JobRun(Model):
    """One attempt at a scheduled job, shown to the platform admin (a retry is a new row)."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started", "job", "started_at"),)

    id: Mapped[intpk]
    job: Mapped[str] = mapped_column(String(50))
    started_at: Mapped[created]
    finished_at: Mapped[utc_datetime | None]
    status: Mapped[str] = mapped_column(String(10), default="running")  # running/ok/failed
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    message: Mapped[long_text | None]
    fire_time: Mapped[utc_datetime | None]  # the trigger's, for claimed runs
    attempt: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    holder: Mapped[str | None] = mapped_column(String(100))  # host:pid of the process that ran it


class SchedulerLease(Model):
    """A lease: the one process holding it, unexpired, runs the scheduler's jobs."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[utc_datetime]


class JobClaim(Model):
    """One job at one fire time. The primary key lets one process claim it; its state lets the
    next lease holder run it again when it failed (after a backoff) or its holder died."""

    __tablename__ = "job_claims"
    __table_args__ = (Index("ix_job_claims_status", "status"),)

    job: Mapped[str] = mapped_column(String(50), primary_key=True)
    fire_time: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="running")  # running/ok/retry/failed
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    claimed_at: Mapped[created]
    next_attempt_at: Mapped[utc_datetime | None]
