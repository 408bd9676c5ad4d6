"""The scheduler's jobs, declared in one place. Each calls one service and returns counts
for the job log; app.services.scheduler runs them once however many processes are up."""
from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.services.scheduler import Job

log = logging.getLogger(__name__)


def monthly_bulletins(at: datetime) -> dict:
    from app.extensions import db
    from app.services import bulletins
    from app.services.clock import month_of, previous_month
    month = previous_month(month_of(at))  # the month before the fire time's, in the zone
    created = bulletins.generate_bulletins(month)
    db.session.commit()  # the snapshots stand even if the mail server is down
    mailed = bulletins.mail_bulletins(month)
    return {"month": month, "created": created, "mailed": mailed}


def close_forgotten_sessions(at: datetime) -> dict:
    from app.services import attendance
    return {"closed": attendance.close_forgotten_sessions(at)}


def expire_coupons(at: datetime) -> dict:
    from app.services import incentives
    return {"expired": incentives.expire_coupons(at)}


JOBS = [
    Job("monthly_bulletins", _l("每月1日生成上月通报并发送邮件"), {"day": 1, "hour": 2, "minute": 0}, monthly_bulletins),
    Job("close_forgotten_sessions", _l("关闭超过服务岗最长计时仍未签退的记录"), {"minute": "*/5"}, close_forgotten_sessions),
    Job("expire_coupons", _l("把过期的优惠券标记为已过期"), {"minute": 7}, expire_coupons),
]
JOBS_BY_NAME = {job.name: job for job in JOBS}


def init_app(app: Flask) -> None:
    """SCHEDULER=embedded: start the scheduler in the web process at its first request (so a
    CLI command such as `flask db upgrade`, or a reloader's watcher, never starts it)."""
    if app.config.get("SCHEDULER") != "embedded" or app.testing:
        return
    state = {"started": False}

    @app.before_request
    def _start_scheduler_once():
        if state["started"]:
            return
        state["started"] = True
        from app.services.scheduler import build
        scheduler = build(app, JOBS)
        scheduler.start()
        app.extensions["scheduler"] = scheduler
        log.info("embedded scheduler started with %d jobs", len(JOBS))
