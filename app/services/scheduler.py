"""Running the scheduled jobs exactly once however many processes are up.

Every job fires on a cron trigger, so all processes agree on its fire time (to the minute).
Before a job runs, its process claims the run by inserting a row keyed by job and fire time
into scheduler_locks; the primary key lets exactly one process win, on SQLite and PostgreSQL
alike, and the others skip that run. Old claims are swept after a day.
"""
from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import JobRun, SchedulerLock
from app.services.clock import now

log = logging.getLogger(__name__)
HOLDER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    trigger: dict  # APScheduler cron fields, in the deployment's zone
    run: Callable[[datetime], dict]  # the service call; returns counts for the log


def claim(job_name: str, fire_time: datetime, holder: str = HOLDER) -> bool:
    """True for the one process that may run this job at this fire time."""
    key = f"{job_name}@{fire_time:%Y-%m-%dT%H:%M}"
    db.session.execute(delete(SchedulerLock).where(SchedulerLock.expires_at < now()))
    try:
        with db.session.begin_nested():
            db.session.add(SchedulerLock(name=key, holder=holder, expires_at=now() + timedelta(days=1)))
    except IntegrityError:
        db.session.commit()
        return False
    db.session.commit()
    return True


def execute(job: Job, fire_time: datetime | None = None, *, claim_run: bool = True) -> JobRun | None:
    """Run one job now: claim it, call its service, keep a job_runs row with counts, duration
    and any failure. Returns None when another process has this run."""
    fire_time = (fire_time or now()).replace(second=0, microsecond=0)
    if claim_run and not claim(job.name, fire_time):
        log.info("job %s at %s is run by another process", job.name, fire_time)
        return None
    run = JobRun(job=job.name, started_at=now(), status="running", counts={})
    db.session.add(run)
    db.session.commit()
    started = time.perf_counter()
    try:
        counts = job.run(fire_time) or {}
        db.session.commit()
    except Exception as exc:  # a failed job is logged and shown to the platform admin
        db.session.rollback()
        log.exception("job %s failed", job.name)
        run = db.session.get(JobRun, run.id)
        run.status, run.message = "failed", f"{type(exc).__name__}: {exc}"[:2000]
    else:
        run = db.session.get(JobRun, run.id)
        run.status, run.counts = "ok", counts
    run.finished_at = now()
    db.session.commit()
    log.info("job %s %s in %.2fs: %s", job.name, run.status, time.perf_counter() - started, run.counts)
    return run


def recent_runs(limit: int = 100) -> list[JobRun]:
    from sqlalchemy import select
    return list(db.session.scalars(select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)))


def build(app, jobs: list[Job], blocking: bool = False):
    """An APScheduler scheduler whose jobs run inside the application's context."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    zone = app.config["TIMEZONE"]
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=zone)

    def runner(job: Job):
        def run():
            with app.app_context():
                try:
                    execute(job)
                finally:
                    db.session.remove()
        return run

    for job in jobs:
        scheduler.add_job(runner(job), CronTrigger(timezone=zone, **job.trigger), id=job.name, name=job.name,
                          coalesce=True, max_instances=1, misfire_grace_time=300, replace_existing=True)
    return scheduler
