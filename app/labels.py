"""What screens call the codes the system keeps: an audit entry's action (record.approved →
审核通过), a scheduled job's name and its time of day ({'day': 1, 'hour': 2, 'minute': 0} →
每月1日 02:00). Templates use them as filters: audit_label, job_title, schedule_text."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

AUDIT_LABELS = {
    "record.checked_in": _l("签到"),
    "record.checked_out": _l("签退"),
    "record.created": _l("补录"),
    "record.approved": _l("审核通过"),
    "record.rejected": _l("审核不通过"),
    "record.corrected": _l("更正时间"),
    "coupon.claimed": _l("领取优惠券"),
    "coupon.redeemed": _l("核销优惠券"),
    "certificate.issued": _l("开具证明"),
    "volunteer.registered": _l("注册"),
    "volunteer.rebound": _l("重新绑定账号"),
    "user.password_changed": _l("修改密码"),
    "user.password_reset": _l("管理员重置密码"),
    "user.password_reset_by_sms": _l("短信验证码重置密码"),
    "stars.regraded": _l("重新评定星级"),
    "stars.thresholds_changed": _l("修改星级标准"),
}

JOB_TITLES = {
    "monthly_bulletins": _l("生成月通报"),
    "close_forgotten_sessions": _l("关闭忘记签退的记录"),
    "expire_coupons": _l("优惠券过期处理"),
    "prune_login_failures": _l("清理登录失败记录"),
}


def audit_label(action: str) -> str:
    """The action in words; an action without words yet shows its code rather than nothing."""
    label = AUDIT_LABELS.get(action)
    return str(label) if label is not None else action


def job_title(name: str) -> str:
    title = JOB_TITLES.get(name)
    return str(title) if title is not None else name


def _every(field) -> int | None:
    """5 for a cron field '*/5', None otherwise."""
    if isinstance(field, str) and field.startswith("*/") and field[2:].isdigit():
        return int(field[2:])
    return None


def schedule_text(trigger: dict) -> str:
    """A cron trigger of the job table in plain words, for the common shapes."""
    minute, hour, day = trigger.get("minute"), trigger.get("hour"), trigger.get("day")
    if isinstance(minute, int) and isinstance(hour, int):
        clock = f"{hour:02d}:{minute:02d}"
        if isinstance(day, int):
            return _("每月%(d)d日 %(t)s", d=day, t=clock)
        if day is None:
            return _("每天 %(t)s", t=clock)
    if hour is None and day is None:
        if _every(minute):
            return _("每%(n)d分钟", n=_every(minute))
        if isinstance(minute, int):
            return _("每小时第%(m)d分", m=minute)
    return ", ".join(f"{k}={v}" for k, v in trigger.items())


def init_app(app: Flask) -> None:
    from app.services.certificates import period_text
    from app.services.report_format import shared_ranks

    app.jinja_env.filters.update(
        audit_label=audit_label,
        job_title=job_title,
        schedule_text=schedule_text,
        shared_ranks=shared_ranks,
        certificate_period=period_text,
    )
