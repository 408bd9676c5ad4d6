"""Bulletin mail goes out exactly once per bulletin, even with racing generators, through a
real local SMTP server; a monthly job whose mail fails keeps its counts and retries the mail."""
import socket
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.jobs import JOBS, JOBS_BY_NAME
from app.models import Bulletin, JobClaim, JobRun
from app.scheduling import Runner, execute
from app.services.bulletins.mail import mail_bulletins
from app.services.bulletins.snapshots import generate_bulletins
from app.services.clock import now
from tests import factories as f
from tests.services.test_bulletins import inbox  # noqa: F401  (the aiosmtpd fixture)

BEIJING = ZoneInfo("Asia/Shanghai")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def units(db):
    made = [f.unit(f"单位{n}") for n in range(6)]
    f.volunteer(made[0])
    return made


def test_two_racing_generators_send_one_mail_per_bulletin(app, units, inbox):  # noqa: F811
    assert generate_bulletins("2026-10") == 7  # six units and the city
    _db.session.commit()
    _db.session.close()
    barrier = threading.Barrier(2)
    sent, errors = [], []

    def generator():
        with app.app_context():
            try:
                barrier.wait()
                sent.append(mail_bulletins("2026-10"))
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=generator) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sum(sent) == 6 and len(inbox.messages) == 6  # exactly one mail per unit's bulletin
    subjects = sorted(message.content.split(b"Subject: ", 1)[1].split(b"\n", 1)[0] for message in inbox.messages)
    assert len(set(subjects)) == 6
    assert _db.session.scalar(select(func.count(Bulletin.id)).where(Bulletin.unit_id.is_not(None),
                                                                    Bulletin.mailed_at.is_(None))) == 0


def test_two_racing_commands_mail_once(app, units, inbox):  # noqa: F811
    _db.session.close()
    barrier = threading.Barrier(2)
    outputs = []

    def command():
        barrier.wait()
        outputs.append(app.test_cli_runner().invoke(args=["bulletins", "generate", "--month", "2026-10"]))

    threads = [threading.Thread(target=command) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert [r.exit_code for r in outputs] == [0, 0], [r.output for r in outputs]
    assert len(inbox.messages) == 6


def test_a_monthly_job_whose_mail_fails_keeps_its_counts_and_retries_only_the_mail(app, units, inbox):  # noqa: F811
    server_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = closed_port()  # the mail server is down
    fire = datetime(2026, 11, 1, 2, 0, tzinfo=BEIJING)
    job = JOBS_BY_NAME["monthly_bulletins"]
    failed = execute(job, fire)
    assert failed.status == "failed" and "mail failed" in failed.message
    assert failed.counts == {"month": "2026-10", "created": 7, "mailed": 0}
    claim = _db.session.get(JobClaim, ("monthly_bulletins", fire))
    assert claim.status == "retry" and claim.next_attempt_at > now()

    app.config["MAIL_PORT"] = server_port  # back up; the retry is due after its backoff
    from apscheduler.triggers.cron import CronTrigger
    triggers = {j.name: CronTrigger(timezone=BEIJING, **j.trigger) for j in JOBS}
    runner = Runner(app, JOBS, triggers, "host-b:2")
    runner.resume(now())
    assert len(inbox.messages) == 0  # not before its time
    runner.resume(claim.next_attempt_at + timedelta(seconds=1))
    runs = list(_db.session.scalars(select(JobRun).where(JobRun.job == "monthly_bulletins").order_by(JobRun.id)))
    assert [(r.attempt, r.status) for r in runs] == [(1, "failed"), (2, "ok")]
    assert runs[1].counts == {"month": "2026-10", "created": 0, "mailed": 6}  # the mail only
    assert len(inbox.messages) == 6
    _db.session.expire_all()
    assert _db.session.get(JobClaim, ("monthly_bulletins", fire)).status == "ok"
