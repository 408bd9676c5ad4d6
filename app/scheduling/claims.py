"""Claims: one row per job and fire time, won by one process (the primary key), and kept with
the run's state so that the lease holder can run again what failed or what a dead holder left.

status: running (its holder is at it), ok, retry (failed; again at next_attempt_at), failed
(gave up after the attempt limit).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db, execute_dml
from app.models import JobClaim
from app.scheduling.leases import live_holders

KEEP = timedelta(days=40)  # longer than the catch-up window, so a caught-up month stays claimed


def _utc(fire_time: datetime) -> datetime:
    return fire_time.astimezone(UTC)


def claim(job: str, fire_time: datetime, holder: str, at: datetime) -> bool:
    """True for the one process that may run this job at this fire time. Commits."""
    db.session.execute(
        delete(JobClaim)
        .where(JobClaim.fire_time < at - KEEP, JobClaim.status.in_(("ok", "failed")))
        .execution_options(synchronize_session=False)
    )
    try:
        with db.session.begin_nested():
            db.session.add(
                JobClaim(
                    job=job,
                    fire_time=_utc(fire_time),
                    holder=holder,
                    status="running",
                    attempts=1,
                    claimed_at=at,
                )
            )
    except IntegrityError:
        db.session.commit()
        return False
    db.session.commit()
    return True


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt: RETRY, 2 × RETRY, 4 × RETRY …, at most a day."""
    base = float(current_app.config.get("JOB_RETRY_SECONDS", 120))
    return min(timedelta(seconds=base * 2 ** (attempts - 1)), timedelta(days=1))


def max_attempts() -> int:
    return int(current_app.config.get("JOB_MAX_ATTEMPTS", 6))


def finish(job: str, fire_time: datetime, attempts: int, ok: bool, at: datetime) -> str:
    """Record an attempt's outcome on the claim (flushes); returns the claim's new status."""
    if ok:
        status, next_at = "ok", None
    elif attempts < max_attempts():
        status, next_at = "retry", at + backoff(attempts)
    else:
        status, next_at = "failed", None
    db.session.execute(
        update(JobClaim)
        .where(JobClaim.job == job, JobClaim.fire_time == _utc(fire_time))
        .values(status=status, next_attempt_at=next_at)
        .execution_options(synchronize_session=False)
    )
    return status


def due(holder: str, at: datetime) -> list[JobClaim]:
    """Claims to run again now: failed ones whose wait is over, and running ones whose holder
    has lost its lease (a process killed mid-job)."""
    return list(
        db.session.scalars(
            select(JobClaim)
            .where(
                or_(
                    and_(JobClaim.status == "retry", JobClaim.next_attempt_at <= at),
                    and_(
                        JobClaim.status == "running",
                        JobClaim.holder != holder,
                        JobClaim.holder.not_in(live_holders(at)),
                        JobClaim.attempts < max_attempts(),
                    ),
                )
            )
            .order_by(JobClaim.fire_time)
        )
    )


def take_over(found: JobClaim, holder: str, at: datetime) -> bool:
    """Make `holder` the claim's runner for one more attempt, if nobody changed it since it
    was read (a conditional UPDATE, so two holders cannot both take it). Commits."""
    taken = execute_dml(
        update(JobClaim)
        .where(
            JobClaim.job == found.job,
            JobClaim.fire_time == found.fire_time,
            JobClaim.status == found.status,
            JobClaim.holder == found.holder,
            JobClaim.attempts == found.attempts,
        )
        .values(
            holder=holder, status="running", attempts=found.attempts + 1, claimed_at=at, next_attempt_at=None
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(taken)
