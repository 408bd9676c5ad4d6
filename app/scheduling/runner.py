"""The APScheduler side: a heartbeat renews the lease; only its holder runs the jobs; a process
that has just taken the lease catches up on the latest fire of each job (a month back, so a
deploy on the 1st at 02:30 still makes last month's bulletins); and at each heartbeat the
holder runs again what failed (after its backoff) or what a dead holder left running."""

from __future__ import annotations

import atexit
import logging
from datetime import datetime, timedelta

from flask import Flask

from app.extensions import db
from app.scheduling import claims, runs
from app.scheduling.leases import HOLDER, LEASE, acquire_lease, release_lease
from app.services.clock import now

log = logging.getLogger(__name__)
CATCH_UP = timedelta(days=32)  # at least the last monthly fire


class Runner:
    """Runs the jobs of one process under the lease."""

    def __init__(self, app: Flask, jobs: list[runs.Job], triggers: dict, holder: str = HOLDER):
        self.app, self.jobs, self.triggers, self.holder = app, jobs, triggers, holder
        self.by_name = {job.name: job for job in jobs}
        self.leading = False

    def _lead(self, at: datetime) -> bool:
        was, self.leading = self.leading, acquire_lease(LEASE, self.holder, at=at)
        if self.leading and not was:
            log.info("scheduler lease taken by %s", self.holder)
            self.catch_up(at)
        return self.leading

    def catch_up(self, at: datetime) -> None:
        for job in self.jobs:
            fire = runs.latest_fire_time(self.triggers[job.name], at, CATCH_UP)
            if fire is not None:
                runs.execute(job, fire, holder=self.holder)  # a no-op when the fire was already claimed

    def resume(self, at: datetime) -> None:
        """Run again the claims that are due: failed ones after their backoff, and those whose
        holder lost its lease mid-job."""
        for found in claims.due(self.holder, at):
            job = self.by_name.get(found.job)
            if job is None:
                continue
            previous, fire_time, number = found.holder, found.fire_time, found.attempts + 1
            interrupted = found.status == "running"
            if claims.take_over(found, self.holder, at):
                if interrupted:
                    log.warning(
                        "job %s at %s: %s stopped mid-run; running it again", job.name, fire_time, previous
                    )
                    runs.close_interrupted_runs(job.name, fire_time, previous, at)
                    db.session.commit()
                runs.attempt(job, fire_time, number, holder=self.holder)

    def heartbeat(self, at: datetime | None = None) -> None:
        with self.app.app_context():
            try:
                at = at or now()
                if self._lead(at):
                    self.resume(at)
            finally:
                db.session.remove()

    def fire(self, job: runs.Job) -> None:
        with self.app.app_context():
            try:
                at = now()
                if not self._lead(at):
                    log.debug("job %s left to the lease holder", job.name)
                    return
                fire = runs.latest_fire_time(self.triggers[job.name], at) or at.replace(microsecond=0)
                runs.execute(job, fire, holder=self.holder)
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


def build(app: Flask, jobs: list[runs.Job], blocking: bool = False, holder: str = HOLDER):
    """An APScheduler scheduler whose jobs run inside the application's context, under the
    lease. Its `runner` attribute gives the lease up when the scheduler shuts down."""
    from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    # Each run is logged by runs.attempt() and kept in job_runs; APScheduler's own info lines
    # (one per heartbeat, per worker) would only drown those. Its warnings still show.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    zone = app.config["TIMEZONE"]
    heartbeat = float(app.config.get("SCHEDULER_HEARTBEAT_SECONDS", 15))
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=zone)
    triggers = {job.name: CronTrigger(timezone=zone, **job.trigger) for job in jobs}
    runner = Runner(app, jobs, triggers, holder)
    scheduler.runner = runner
    scheduler.add_job(
        runner.heartbeat,
        IntervalTrigger(seconds=heartbeat, timezone=zone),
        id="_lease",
        name="lease",
        next_run_time=now(),
        coalesce=True,
        max_instances=1,
    )
    for job in jobs:
        scheduler.add_job(
            runner.fire,
            triggers[job.name],
            args=[job],
            id=job.name,
            name=job.name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=runs.MISFIRE_SECONDS,
            replace_existing=True,
        )
    scheduler.add_listener(lambda _event: runner.release(), EVENT_SCHEDULER_SHUTDOWN)
    if not blocking:
        atexit.register(lambda: scheduler.running and scheduler.shutdown(wait=False))
    return scheduler


def start_embedded(app: Flask):
    """SCHEDULER=embedded: start the scheduler in this serving process (once). Called when a
    gunicorn worker boots or `flask run` serves — never by other commands or tests."""
    if app.config.get("SCHEDULER") != "embedded":
        return None
    if "scheduler" in app.extensions:
        return app.extensions["scheduler"]
    from app.jobs import JOBS

    scheduler = build(app, JOBS)
    scheduler.start()
    app.extensions["scheduler"] = scheduler
    log.info("embedded scheduler started with %d jobs", len(JOBS))
    return scheduler
