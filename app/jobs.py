"""The scheduler's jobs, declared in one place. Each calls one service and returns counts
for the job log; app.scheduling runs them once however many processes are up."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from app.scheduling.runs import Job


def monthly_bulletins(at: datetime) -> dict:
    from app.services.bulletins import mail as bulletin_mail
    from app.services.months import Month

    return bulletin_mail.publish_month(Month.of(at).previous())  # the month before the fire's, in the zone


def close_forgotten_sessions(at: datetime) -> dict:
    from app.services import attendance

    return {"closed": attendance.close_forgotten_sessions(at)}


def expire_coupons(at: datetime) -> dict:
    from app.services.incentives import coupons

    return {"expired": coupons.expire_coupons(at)}


def prune_login_failures(at: datetime) -> dict:
    from app.services import logins

    return {"pruned": logins.prune_login_failures(at)}


def purge_need_residents(at: datetime) -> dict:
    from app.services import needs

    return {"purged": needs.purge_resident_data(at)}


def keep_scores(at: datetime) -> dict:
    from app.services import scores

    return {"kept": scores.keep_ended(at)}


def review_drafts(at: datetime) -> dict:
    from app.services import reviews

    return {"drafted": reviews.draft_ended(at)}


def office_mail(at: datetime) -> dict:
    from app.services import office_mail as mail

    return mail.send_due(at)


def shift_reminders(at: datetime) -> dict:
    from app.services import rosters

    return rosters.send_reminders(at)


def finalize_commendations(at: datetime) -> dict:
    from app.services import commendations

    return commendations.finalize_due(at)


def resume_exports(at: datetime) -> dict:
    from app.services import records_export

    return records_export.resume_stalled(at)


JOBS = [
    Job(
        "monthly_bulletins",
        _l("每月1日生成上月通报并发送邮件"),
        {"day": 1, "hour": 2, "minute": 0},
        monthly_bulletins,
    ),
    Job(
        "close_forgotten_sessions",
        _l("关闭超过服务岗最长计时仍未签退的记录"),
        {"minute": "*/5"},
        close_forgotten_sessions,
    ),
    Job("expire_coupons", _l("把过期的优惠券标记为已过期"), {"minute": 7}, expire_coupons),
    Job(
        "keep_scores",
        _l("每月1日确定上月（及刚结束的季度、半年、年度）的单位测评得分"),
        {"day": 1, "hour": 3, "minute": 0},
        keep_scores,
    ),
    Job(
        "review_drafts",
        _l("1月1日和7月1日生成刚结束的半年（及年度）点评草稿"),
        {"month": "1,7", "day": 1, "hour": 3, "minute": 30},
        review_drafts,
    ),
    Job("resume_exports", _l("重新运行因进程中断而停止的记录导出"), {"minute": "*/3"}, resume_exports),
    Job("office_mail", _l("向成员单位发送整改事项、任务通知及到期提醒"), {"minute": "*/10"}, office_mail),
    Job(
        "finalize_commendations",
        _l("公示期满且异议均已答复的表彰名单确定为最终名单"),
        {"hour": 0, "minute": 20},
        finalize_commendations,
    ),
    Job("shift_reminders", _l("前一天短信提醒志愿者明天的排班"), {"hour": 18, "minute": 5}, shift_reminders),
    Job(
        "prune_login_failures",
        _l("删除30天前的登录失败记录"),
        {"hour": 3, "minute": 17},
        prune_login_failures,
    ),
    Job(
        "purge_need_residents",
        _l("删除办结超过保存期的群众需求中的姓名和电话"),
        {"hour": 3, "minute": 41},
        purge_need_residents,
    ),
]
JOBS_BY_NAME = {job.name: job for job in JOBS}
