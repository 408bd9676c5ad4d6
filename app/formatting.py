"""Display helpers for templates: times in the deployment's zone, hours, stars, navigation."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.services.clock import local

# Navigation of the portal, per role: (endpoint, label). Entries whose endpoint does not
# exist yet are skipped, so an area appears as soon as its blueprint is registered.
NAVIGATION = {
    "platform_admin": [
        ("admin.dashboard", _l("概览")), ("admin.units", _l("成员单位")),
        ("admin.volunteers", _l("志愿者")), ("posts.index", _l("服务岗")),
        ("records.index", _l("服务记录")), ("merchants_admin.index", _l("商家")),
        ("stars_admin.thresholds", _l("星级规则")), ("categories.index", _l("服务类别")),
        ("certificates.index", _l("服务证明")),
        ("bulletins.index", _l("月通报")),
        ("system.jobs", _l("任务日志")),
    ],
    "unit_admin": [
        ("admin.dashboard", _l("概览")), ("admin.volunteers", _l("志愿者")),
        ("posts.index", _l("服务岗")), ("activities.index", _l("活动")),
        ("records.index", _l("服务记录")), ("certificates.index", _l("服务证明")),
        ("bulletins.index", _l("月通报")),
    ],
    "merchant": [
        ("merchant.scan", _l("扫码核销")), ("merchant.offers", _l("优惠")),
        ("merchant.dashboard", _l("核销统计")),
    ],
    "volunteer": [
        ("volunteer.home", _l("我的")), ("volunteer.records", _l("服务记录")),
        ("volunteer.card", _l("志愿者码")), ("coupons.mine", _l("优惠券")),
    ],
}


def navigation() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    views = current_app.view_functions
    return [(url_for(ep), label) for ep, label in NAVIGATION.get(current_user.role, []) if ep in views]


def localtime(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    if value is None:
        return ""
    return format_datetime(local(value).replace(tzinfo=None), fmt, rebase=False)


def localdate(value: date | datetime | None, fmt: str = "yyyy-MM-dd") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    return format_date(value, fmt)


def hours(value: float | int | None, seconds: bool = False) -> str:
    if value is None:
        return ""
    if seconds:
        value = value / 3600
    return format_decimal(round(value, 2), "#,##0.##")


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(localtime=localtime, localdate=localdate, hours=hours)
    app.jinja_env.globals.update(navigation=navigation, get_locale=get_locale)
