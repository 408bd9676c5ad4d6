"""Running one job: under its claim, with a job_runs row per attempt (the job log)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.db_unavailable import safe_rollback
from app.extensions import db
from app.models import JobRun
from app.scheduling import claims
from app.scheduling.leases import HOLDER
from app.services.clock import now

log = logging.getLogger(__name__)
MISFIRE_SECONDS = 300  # a regular fire this late still runs


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    trigger: dict  # APScheduler cron fields, in the deployment's zone
    run: Callable[[datetime], dict]  # the service call; returns counts for the log


def latest_fire_time(trigger, at: datetime, window: timedelta = timedelta(seconds=MISFIRE_SECONDS)):
    """The trigger's last scheduled fire time in (at - window, at], or None. Every process
    computes the same value, whenever within the window its job actually starts. The look-back
    doubles from a second, so a long window costs little for a job that fires every second."""
    span = timedelta(seconds=1)
    while True:
        span = min(span, window)
        fire = trigger.get_next_fire_time(None, at - span)
        if fire is not None and fire <= at:
            latest = fire
            while (
                fire := trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
            ) is not None and fire <= at:
                latest = fire
            return latest
        if span >= window:
            return None
        span *= 2


def execute(
    job: Job, fire_time: datetime | None = None, *, claim_run: bool = True, holder: str = HOLDER
) -> JobRun | None:
    """Claim this job's fire time and run it (see attempt()). Returns None when another
    process has this run. claim_run=False runs it by hand, outside the claims."""
    fire_time = fire_time or now().replace(microsecond=0)
    if claim_run and not claims.claim(job.name, fire_time, holder, now()):
        log.info("job %s at %s is run by another process", job.name, fire_time)
        return None
    return attempt(job, fire_time, 1, holder=holder, claimed=claim_run)


def attempt(
    job: Job, fire_time: datetime, number: int, *, holder: str = HOLDER, claimed: bool = True
) -> JobRun:
    """One attempt: call the job's service and keep a job_runs row with counts, duration and
    any failure; a claimed run that failed is marked for a retry after a backoff."""
    run = JobRun(
        job=job.name,
        started_at=now(),
        status="running",
        counts={},
        fire_time=fire_time,
        attempt=number,
        holder=holder,
    )
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    started = time.perf_counter()
    try:
        counts = job.run(fire_time) or {}
        db.session.commit()
    except Exception as exc:  # a failed job is logged, shown to the platform admin and retried
        safe_rollback()
        log.exception("job %s failed (attempt %d)", job.name, number)
        run = db.session.get_one(JobRun, run_id)
        run.status, run.message = "failed", f"{type(exc).__name__}: {exc}"[:2000]
        run.counts = getattr(exc, "counts", None) or {}  # what it did before failing, if it says
        ok = False
    else:
        run = db.session.get_one(JobRun, run_id)
        run.status, run.counts = "ok", counts
        ok = True
    run.finished_at = now()
    if claimed:
        outcome = claims.finish(job.name, fire_time, number, ok, run.finished_at)
        if outcome == "retry":
            run.message = f"{run.message} (retry {number + 1} planned)"
    db.session.commit()
    log.info("job %s %s in %.2fs: %s", job.name, run.status, time.perf_counter() - started, run.counts)
    return run


def close_interrupted_runs(job: str, fire_time: datetime, holder: str, at: datetime) -> None:
    """Runs left "running" by a holder that died are closed in the log as interrupted."""
    db.session.execute(
        update(JobRun)
        .where(
            JobRun.job == job,
            JobRun.fire_time == fire_time,
            JobRun.holder == holder,
            JobRun.status == "running",
        )
        .values(
            status="failed", finished_at=at, message=f"interrupted: {holder} stopped before the job ended"
        )
        .execution_options(synchronize_session=False)
    )


def recent_runs(limit: int = 100) -> list[JobRun]:
    return list(
        db.session.scalars(select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit))
    )
