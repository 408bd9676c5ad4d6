"""The scheduler's lease: the one process holding it runs the jobs, the others stand by.

Taken and renewed by a conditional UPDATE (mine, or expired) and, the very first time, by an
INSERT that the primary key lets only one process win — race-safe on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db, execute_dml
from app.models import SchedulerLease
from app.services.clock import now

HOLDER = f"{socket.gethostname()}:{os.getpid()}"
LEASE = "scheduler"


def lease_seconds() -> float:
    return float(current_app.config.get("SCHEDULER_LEASE_SECONDS", 60))


def acquire_lease(
    name: str = LEASE, holder: str = HOLDER, seconds: float | None = None, at: datetime | None = None
) -> bool:
    """Take or renew a lease; true while `holder` has it, false while another unexpired
    holder does. Commits, so the lease is visible to the other processes at once."""
    at = at or now()
    until = at + timedelta(seconds=lease_seconds() if seconds is None else seconds)
    # On PostgreSQL a racing UPDATE waits for the other's row lock and re-checks the WHERE on
    # the new row; on SQLite writers are serialized (BEGIN IMMEDIATE). Either way one wins.
    taken = execute_dml(
        update(SchedulerLease)
        .where(
            SchedulerLease.name == name, or_(SchedulerLease.holder == holder, SchedulerLease.expires_at <= at)
        )
        .values(holder=holder, expires_at=until)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        try:
            with db.session.begin_nested():
                db.session.add(SchedulerLease(name=name, holder=holder, expires_at=until))
        except IntegrityError:  # someone holds it (or took it a moment ago)
            db.session.commit()
            return False
    db.session.commit()
    return True


def release_lease(name: str = LEASE, holder: str = HOLDER) -> None:
    """Give a lease up (at shutdown), so a stand-by takes over without waiting for expiry."""
    db.session.execute(
        delete(SchedulerLease)
        .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def lease_holder(name: str = LEASE, at: datetime | None = None) -> SchedulerLease | None:
    """The lease's current row, if unexpired (for the job log)."""
    return db.session.scalar(
        select(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.expires_at > (at or now()))
    )


def live_holders(at: datetime):
    """A subquery of the holders whose lease is unexpired at `at`."""
    return select(SchedulerLease.holder).where(SchedulerLease.expires_at > at)
