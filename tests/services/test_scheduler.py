"""The scheduler: each job runs once per fire time however many processes try, failures are
logged, and the embedded scheduler really fires."""
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from app.extensions import db as _db
from app.jobs import JOBS_BY_NAME
from app.models import JobRun
from app.services import scheduler
from app.services.scheduler import Job


def test_only_one_process_claims_a_fire_time(app, db):
    at = datetime(2026, 11, 1, 2, 0, tzinfo=timezone.utc)
    assert scheduler.claim("monthly_bulletins", at, holder="host-a:1") is True
    assert scheduler.claim("monthly_bulletins", at, holder="host-b:2") is False
    assert scheduler.claim("monthly_bulletins", at + timedelta(minutes=5), holder="host-b:2") is True


def test_execute_logs_counts_and_failures(app, db):
    run = scheduler.execute(JOBS_BY_NAME["expire_coupons"])
    assert run.status == "ok" and run.counts == {"expired": 0} and run.finished_at is not None
    assert scheduler.execute(JOBS_BY_NAME["expire_coupons"], run.started_at) is None  # same minute: claimed

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
    at = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
    db.session.close()
    barrier = threading.Barrier(4)
    wins = []

    def try_claim(n):
        with app.app_context():
            try:
                barrier.wait()
                wins.append(scheduler.claim("monthly_bulletins", at, holder=f"worker-{n}"))
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=try_claim, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(wins) == [False, False, False, True]
