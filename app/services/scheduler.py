"""Running the scheduled jobs exactly once however many processes are up.

Two guards, both in table scheduler_locks:

- a lease named "scheduler": the one process holding it runs the jobs, the others stand by.
  It is taken and renewed by a conditional UPDATE (mine, or expired) and, the very first
  time, by an INSERT that the primary key lets only one process win — race-safe on SQLite
  and PostgreSQL alike. A stand-by takes over once the holder stops renewing it, and then
  runs any job whose fire time fell in the gap.
- a claim per job and fire time: before a job runs, its process inserts a row keyed by the
  job and its scheduled fire time (computed from the cron trigger, so every process agrees);
  the primary key lets one process win even at a hand-over of the lease. Old claims are
  swept after a day.
"""
from __future__ import annotations

import atexit
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import JobRun, SchedulerLock
from app.services.clock import now

log = logging.getLogger(__name__)
HOLDER = f"{socket.gethostname()}:{os.getpid()}"
LEASE = "scheduler"
LEASE_SECONDS = 90
HEARTBEAT_SECONDS = 30
MISFIRE_SECONDS = 300  # a fire this late still runs (and a new holder catches up this far back)


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    trigger: dict  # APScheduler cron fields, in the deployment's zone
    run: Callable[[datetime], dict]  # the service call; returns counts for the log


# The lease ----------------------------------------------------------------------------------

def acquire_lease(name: str = LEASE, holder: str = HOLDER, seconds: int = LEASE_SECONDS,
                  at: datetime | None = None) -> bool:
    """Take or renew a lease; true while `holder` has it, false while another unexpired
    holder does. Commits, so the lease is visible to the other processes at once."""
    at = at or now()
    until = at + timedelta(seconds=seconds)
    # On PostgreSQL a racing UPDATE waits for the other's row lock and re-checks the WHERE on
    # the new row; on SQLite writers are serialized (BEGIN IMMEDIATE). Either way one wins.
    taken = db.session.execute(
        update(SchedulerLock)
        .where(SchedulerLock.name == name, or_(SchedulerLock.holder == holder, SchedulerLock.expires_at <= at))
        .values(holder=holder, expires_at=until)
        .execution_options(synchronize_session=False)).rowcount
    if not taken:
        try:
            with db.session.begin_nested():
                db.session.add(SchedulerLock(name=name, holder=holder, expires_at=until))
        except IntegrityError:  # someone holds it (or took it a moment ago)
            db.session.commit()
            return False
    db.session.commit()
    return True


def release_lease(name: str = LEASE, holder: str = HOLDER) -> None:
    """Give a lease up (at shutdown), so a stand-by takes over without waiting for expiry."""
    db.session.execute(delete(SchedulerLock).where(SchedulerLock.name == name, SchedulerLock.holder == holder)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def lease_holder(name: str = LEASE) -> SchedulerLock | None:
    """The lease's current row, if unexpired (for the job log)."""
    return db.session.scalar(select(SchedulerLock).where(SchedulerLock.name == name,
                                                         SchedulerLock.expires_at > now()))


# Claims per fire time -----------------------------------------------------------------------

def claim(job_name: str, fire_time: datetime, holder: str = HOLDER) -> bool:
    """True for the one process that may run this job at this fire time."""
    key = f"{job_name}@{fire_time.astimezone(UTC):%Y-%m-%dT%H:%M:%S}"
    db.session.execute(delete(SchedulerLock).where(SchedulerLock.expires_at < now(),
                                                   SchedulerLock.name.like("%@%"))
                       .execution_options(synchronize_session=False))
    try:
        with db.session.begin_nested():
            db.session.add(SchedulerLock(name=key, holder=holder, expires_at=now() + timedelta(days=1)))
    except IntegrityError:
        db.session.commit()
        return False
    db.session.commit()
    return True


def latest_fire_time(trigger, at: datetime, window: timedelta = timedelta(seconds=MISFIRE_SECONDS)):
    """The trigger's last scheduled fire time in (at - window, at], or None. Every process
    computes the same value, whenever within the window its job actually starts."""
    latest = None
    fire = trigger.get_next_fire_time(None, at - window)
    while fire is not None and fire <= at:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return latest


def execute(job: Job, fire_time: datetime | None = None, *, claim_run: bool = True) -> JobRun | None:
    """Run one job now: claim it, call its service, keep a job_runs row with counts, duration
    and any failure. Returns None when another process has this run."""
    fire_time = fire_time or now().replace(microsecond=0)
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
    return list(db.session.scalars(select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)))


# The APScheduler side -----------------------------------------------------------------------

class _Runner:
    """Runs the jobs of one process: each fire, and each heartbeat, renews the lease; only its
    holder runs jobs, and a process that has just taken the lease over catches up."""

    def __init__(self, app, jobs: list[Job], triggers: dict, holder: str):
        self.app, self.jobs, self.triggers, self.holder = app, jobs, triggers, holder
        self.leading = False

    def _lead(self) -> bool:
        was, self.leading = self.leading, acquire_lease(LEASE, self.holder)
        if self.leading and not was:
            log.info("scheduler lease taken by %s", self.holder)
            self._catch_up()
        return self.leading

    def _catch_up(self) -> None:
        at = now()
        for job in self.jobs:
            fire = latest_fire_time(self.triggers[job.name], at)
            if fire is not None:
                execute(job, fire)  # a no-op when the fire was already claimed

    def heartbeat(self) -> None:
        with self.app.app_context():
            try:
                self._lead()
            finally:
                db.session.remove()

    def fire(self, job: Job) -> None:
        with self.app.app_context():
            try:
                if not self._lead():
                    log.debug("job %s left to the lease holder", job.name)
                    return
                fire = latest_fire_time(self.triggers[job.name], now()) or now().replace(microsecond=0)
                execute(job, fire)
            finally:
                db.session.remove()

    def release(self) -> None:
        if not self.leading:
            return
        with self.app.app_context():
            try:
                release_lease(LEASE, self.holder)
                self.leading = False
            finally:
                db.session.remove()


def build(app, jobs: list[Job], blocking: bool = False, holder: str = HOLDER):
    """An APScheduler scheduler whose jobs run inside the application's context, under the
    lease. Its `runner` attribute gives the lease up when the scheduler shuts down."""
    from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    # Each run is logged by execute() and kept in job_runs; APScheduler's own info lines (one
    # per heartbeat every 30 s, per worker) would only drown those. Its warnings still show.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    zone = app.config["TIMEZONE"]
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=zone)
    triggers = {job.name: CronTrigger(timezone=zone, **job.trigger) for job in jobs}
    runner = _Runner(app, jobs, triggers, holder)
    scheduler.runner = runner
    scheduler.add_job(runner.heartbeat, IntervalTrigger(seconds=HEARTBEAT_SECONDS, timezone=zone),
                      id="_lease", name="lease", next_run_time=now(), coalesce=True, max_instances=1)
    for job in jobs:
        scheduler.add_job(runner.fire, triggers[job.name], args=[job], id=job.name, name=job.name,
                          coalesce=True, max_instances=1, misfire_grace_time=MISFIRE_SECONDS,
                          replace_existing=True)
    scheduler.add_listener(lambda _event: runner.release(), EVENT_SCHEDULER_SHUTDOWN)
    if not blocking:
        atexit.register(lambda: scheduler.running and scheduler.shutdown(wait=False))
    return scheduler
