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


def test_racing_processes_claim_a_run_once(app, db):
    import threading
    at = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    db.session.close()
    barrier = threading.Barrier(4)
    wins = []

    def try_claim(n):
        with app.app_context():
            try:
                barrier.wait()
                wins.append(claims.claim("monthly_bulletins", at, f"worker-{n}", at))
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=try_claim, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
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


def test_racing_processes_take_a_free_or_expired_lease_once(app, db):
    import threading
    db.session.close()
    for expired in (False, True):
        if expired:  # now held by a process that stopped renewing it
            with app.app_context():
                scheduler.acquire_lease("race", "gone:0", seconds=1,
                                        at=datetime(2020, 1, 1, tzinfo=UTC))
                _db.session.remove()
        barrier = threading.Barrier(4)
        wins = []

        def take(n, name, barrier=barrier, wins=wins):
            with app.app_context():
                try:
                    barrier.wait()
                    wins.append(scheduler.acquire_lease(name, f"worker-{n}"))
                finally:
                    _db.session.remove()

        name = "race" if expired else "fresh"
        threads = [threading.Thread(target=take, args=(n, name)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
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


