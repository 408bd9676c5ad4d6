"""The scheduler: each job runs once per fire time however many processes try, failures are
logged, and the embedded scheduler really fires."""
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app import scheduling as scheduler
from app.extensions import db as _db
from app.jobs import JOBS_BY_NAME
from app.models import JobRun
from app.scheduling import Job, Runner, claims


def test_only_one_process_claims_a_fire_time(app, db):
    at = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    assert claims.claim("monthly_bulletins", at, "host-a:1", at) is True
    assert claims.claim("monthly_bulletins", at, "host-b:2", at) is False
    assert claims.claim("monthly_bulletins", at + timedelta(minutes=5), "host-b:2", at) is True


def test_execute_logs_counts_and_failures(app, db):
    at = datetime(2026, 11, 1, 3, 7, tzinfo=UTC)
    run = scheduler.execute(JOBS_BY_NAME["expire_coupons"], at)
    assert run.status == "ok" and run.counts == {"expired": 0} and run.finished_at is not None
    assert scheduler.execute(JOBS_BY_NAME["expire_coupons"], at) is None  # same fire time: claimed

    def broken(at):
        raise RuntimeError("disk full")

    failed = scheduler.execute(Job("broken", "x", {"minute": "*"}, broken))
    assert failed.status == "failed" and "disk full" in failed.message


def test_the_monthly_job_makes_last_months_bulletins(app, db):
    run = scheduler.execute(JOBS_BY_NAME["monthly_bulletins"])
    assert run.status == "ok" and run.counts["created"] >= 1 and run.counts["mailed"] == 0


def test_the_embedded_scheduler_fires_a_job(app, db):
    fired = []

    def tick(at):
        fired.append(at)
        return {"ticks": len(fired)}

    db.session.commit()
    background = scheduler.build(app, [Job("tick", "test", {"second": "*"}, tick)])
    background.start()
    try:
        deadline = time.monotonic() + 5
        while not fired and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        background.shutdown(wait=True)
    assert fired
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count(JobRun.id)).where(JobRun.job == "tick", JobRun.status == "ok")) >= 1


def test_flask_scheduler_runs_one_job_now(app, db):
    result = app.test_cli_runner().invoke(args=["scheduler", "--run", "close_forgotten_sessions"])
    assert result.exit_code == 0 and "ok" in result.output


def test_racing_processes_claim_a_run_once(race, db):
    at = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    wins = race(4, lambda n: claims.claim("monthly_bulletins", at, f"worker-{n}", at))
    assert sorted(wins) == [False, False, False, True]


def test_the_lease_has_one_holder_until_it_expires_or_is_released(app, db):
    at = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    assert scheduler.acquire_lease("scheduler", "host-a:1", seconds=90, at=at) is True
    assert scheduler.acquire_lease("scheduler", "host-b:2", seconds=90, at=at + timedelta(seconds=30)) is False
    assert scheduler.acquire_lease("scheduler", "host-a:1", seconds=90, at=at + timedelta(seconds=60)) is True
    # renewed at +60 s, so still held at +120 s; expired at +151 s
    assert scheduler.acquire_lease("scheduler", "host-b:2", seconds=90, at=at + timedelta(seconds=120)) is False
    assert scheduler.acquire_lease("scheduler", "host-b:2", seconds=90, at=at + timedelta(seconds=151)) is True
    assert scheduler.acquire_lease("scheduler", "host-a:1", seconds=90, at=at + timedelta(seconds=152)) is False
    scheduler.release_lease("scheduler", "host-a:1")  # not the holder: changes nothing
    assert scheduler.acquire_lease("scheduler", "host-a:1", seconds=90, at=at + timedelta(seconds=153)) is False
    scheduler.release_lease("scheduler", "host-b:2")
    assert scheduler.acquire_lease("scheduler", "host-a:1", seconds=90, at=at + timedelta(seconds=154)) is True


def test_racing_processes_take_a_free_or_expired_lease_once(race, db):
    for expired in (False, True):
        if expired:  # now held by a process that stopped renewing it
            scheduler.acquire_lease("race", "gone:0", seconds=1, at=datetime(2020, 1, 1, tzinfo=UTC))
        name = "race" if expired else "fresh"
        wins = race(4, lambda n, name=name: scheduler.acquire_lease(name, f"worker-{n}"))
        assert sorted(wins) == [False, False, False, True], expired


def test_fire_time_is_the_triggers_not_the_clocks(app):
    from zoneinfo import ZoneInfo

    from apscheduler.triggers.cron import CronTrigger
    beijing = ZoneInfo("Asia/Shanghai")
    monthly = CronTrigger(timezone=beijing, day=1, hour=2, minute=0)
    fire = scheduler.latest_fire_time(monthly, datetime(2026, 11, 1, 2, 3, 41, tzinfo=beijing))
    assert fire == datetime(2026, 11, 1, 2, 0, tzinfo=beijing)
    assert scheduler.latest_fire_time(monthly, datetime(2026, 11, 1, 2, 6, tzinfo=beijing)) is None
    assert scheduler.latest_fire_time(monthly, datetime(2026, 11, 1, 1, 59, tzinfo=beijing)) is None


def test_two_schedulers_run_each_fire_once_and_only_the_holder_runs(app, db):
    fired = {"a": [], "b": []}

    def ticker(who):
        def tick(at):
            fired[who].append(at)
            return {}
        return tick

    db.session.commit()
    first = scheduler.build(app, [Job("tick", "test", {"second": "*"}, ticker("a"))], holder="host-a:1")
    second = scheduler.build(app, [Job("tick", "test", {"second": "*"}, ticker("b"))], holder="host-b:2")
    first.start()
    time.sleep(0.3)  # a takes the lease first
    second.start()
    try:
        time.sleep(2.5)
    finally:
        first.shutdown(wait=True)  # gives the lease up; b takes it at its next fire
        try:
            deadline = time.monotonic() + 5
            while not fired["b"] and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            second.shutdown(wait=True)
    assert len(fired["a"]) >= 2 and fired["b"], fired
    assert max(fired["a"]) < min(fired["b"])  # never both at once
    every = fired["a"] + fired["b"]
    assert len(every) == len(set(every))


def test_a_process_taking_the_lease_over_runs_a_missed_fire(app, db):
    from apscheduler.triggers.cron import CronTrigger
    ran = []
    job = Job("every_minute", "test", {"minute": "*"}, lambda at: ran.append(at) or {})
    triggers = {job.name: CronTrigger(timezone=app.config["TIMEZONE"], minute="*")}
    scheduler.acquire_lease("scheduler", "crashed:1", seconds=1, at=datetime(2020, 1, 1, tzinfo=UTC))
    runner = Runner(app, [job], triggers, "host-b:2")
    runner.heartbeat()
    assert runner.leading and len(ran) == 1
    runner.heartbeat()  # still the holder: nothing to catch up
    assert len(ran) == 1
    runner.release()
    assert scheduler.lease_holder() is None




def _runner(app, jobs, holder="host-b:2"):
    from apscheduler.triggers.cron import CronTrigger
    zone = app.config["TIMEZONE"]
    return Runner(app, jobs, {job.name: CronTrigger(timezone=zone, **job.trigger) for job in jobs}, holder)


def test_a_run_whose_holder_died_mid_job_is_run_again_by_the_next_holder(app, db):
    from app.models import JobClaim
    ran = []
    job = Job("yearly", "test", {"month": 1, "day": 1, "hour": 3}, lambda at: ran.append(at) or {"done": 1})
    fire = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    at = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)  # no fire of the trigger in the month before
    # A process took the lease and the run, then was killed: its lease ran out, its run is "running".
    assert scheduler.acquire_lease("scheduler", "crashed:1", seconds=60, at=at - timedelta(minutes=10))
    assert claims.claim("yearly", fire, "crashed:1", at - timedelta(minutes=10))
    db.session.add(JobRun(job="yearly", fire_time=fire, holder="crashed:1", status="running", counts={},
                          started_at=at - timedelta(minutes=10)))
    db.session.commit()
    runner = _runner(app, [job])
    runner.heartbeat(at)
    assert ran == [fire]
    runs = list(db.session.scalars(select(JobRun).where(JobRun.job == "yearly").order_by(JobRun.id)))
    assert [(r.attempt, r.status, r.holder) for r in runs] == [(1, "failed", "crashed:1"), (2, "ok", "host-b:2")]
    assert "interrupted" in runs[0].message and runs[0].finished_at is not None
    assert runs[1].counts == {"done": 1}
    assert db.session.get(JobClaim, ("yearly", fire)).status == "ok"
    db.session.rollback()  # let the runner's own session write (SQLite)
    runner.heartbeat(at + timedelta(seconds=15))
    assert ran == [fire]  # once done, never again


def test_a_running_claim_of_a_live_holder_is_left_alone(app, db):
    ran = []
    job = Job("yearly", "test", {"month": 1, "day": 1, "hour": 3}, lambda at: ran.append(at) or {})
    at = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    assert claims.claim("yearly", datetime(2026, 1, 1, 3, 0, tzinfo=UTC), "alive:1", at)
    assert scheduler.acquire_lease("other-lease", "alive:1", seconds=600, at=at)  # alive:1 still renews a lease
    _runner(app, [job]).heartbeat(at)
    assert ran == []


def test_failures_are_retried_with_backoff_until_they_succeed_and_each_attempt_is_logged(app, db):
    from app.models import JobClaim
    app.config.update(JOB_RETRY_SECONDS=60, JOB_MAX_ATTEMPTS=5)
    outcomes = iter([RuntimeError("smtp down"), RuntimeError("still down"), None])

    def flaky(at):
        if (problem := next(outcomes)) is not None:
            raise problem
        return {"sent": 3}

    job = Job("flaky", "test", {"month": 1, "day": 1, "hour": 3}, flaky)
    fire = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    runner = _runner(app, [job])
    start = scheduler.runs.now()
    assert scheduler.execute(job, fire).status == "failed"
    runner.resume(start + timedelta(seconds=50))  # the first wait is 60 s
    claim = db.session.get(JobClaim, ("flaky", fire))
    assert claim.status == "retry" and claim.attempts == 1
    runner.resume(start + timedelta(seconds=62))  # attempt 2 fails; the next wait is 120 s
    db.session.expire_all()
    claim = db.session.get(JobClaim, ("flaky", fire))
    assert claim.attempts == 2 and claim.status == "retry"
    assert timedelta(seconds=115) < claim.next_attempt_at - start < timedelta(seconds=130)
    runner.resume(start + timedelta(seconds=100))
    runner.resume(claim.next_attempt_at + timedelta(seconds=1))  # attempt 3 succeeds
    runs = list(db.session.scalars(select(JobRun).where(JobRun.job == "flaky").order_by(JobRun.id)))
    assert [(r.attempt, r.status) for r in runs] == [(1, "failed"), (2, "failed"), (3, "ok")]
    assert "smtp down" in runs[0].message and "retry 2 planned" in runs[0].message
    assert runs[2].counts == {"sent": 3}
    db.session.expire_all()
    assert db.session.get(JobClaim, ("flaky", fire)).status == "ok"


def test_retries_stop_at_the_limit(app, db):
    from app.models import JobClaim
    app.config.update(JOB_RETRY_SECONDS=1, JOB_MAX_ATTEMPTS=2)

    def broken(at):
        raise RuntimeError("disk full")

    job = Job("broken", "test", {"month": 1, "day": 1, "hour": 3}, broken)
    fire = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    runner = _runner(app, [job])
    scheduler.execute(job, fire)
    later = scheduler.runs.now() + timedelta(hours=1)
    runner.resume(later)
    runner.resume(later + timedelta(hours=1))
    assert db.session.scalar(select(func.count(JobRun.id)).where(JobRun.job == "broken")) == 2
    db.session.expire_all()
    assert db.session.get(JobClaim, ("broken", fire)).status == "failed"


def test_a_holder_taking_the_lease_at_0230_on_the_1st_makes_last_months_bulletins(app, db):
    from app.jobs import JOBS
    from app.models import Bulletin
    from tests import factories as f
    f.unit("甲单位")
    from zoneinfo import ZoneInfo
    deploy = datetime(2026, 11, 1, 2, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # 30 minutes after the fire
    _runner(app, JOBS).heartbeat(deploy)
    months = set(db.session.scalars(select(Bulletin.month)))
    assert months == {"2026-10"}
    run = db.session.scalar(select(JobRun).where(JobRun.job == "monthly_bulletins"))
    assert run.status == "ok" and run.counts["created"] == 2


def test_latest_fire_time_looks_back_far_cheaply(app):
    from apscheduler.triggers.cron import CronTrigger
    every_second = CronTrigger(timezone="UTC", second="*")
    at = datetime(2026, 11, 1, 2, 0, 30, 500000, tzinfo=UTC)
    started = time.perf_counter()
    assert scheduler.latest_fire_time(every_second, at, timedelta(days=32)) == at.replace(microsecond=0)
    assert time.perf_counter() - started < 0.5
    monthly = CronTrigger(timezone="UTC", day=1, hour=2)
    assert scheduler.latest_fire_time(monthly, at + timedelta(days=20), timedelta(days=32)) == \
        datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
