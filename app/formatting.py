"""Display helpers for templates: times in the deployment's zone, hours, stars, navigation."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.hours import hours as in_hours
from app.services.clock import local

# Navigation of the portal, per role: (endpoint, label). Entries whose endpoint does not
# exist yet are skipped, so an area appears as soon as its blueprint is registered.
NAVIGATION = {
    "platform_admin": [
        ("admin.dashboard", _l("概览")),
        ("admin.units", _l("成员单位")),
        ("admin.volunteers", _l("志愿者")),
        ("posts.index", _l("服务岗")),
        ("records.index", _l("服务记录")),
        ("merchants_admin.index", _l("商家")),
        ("stars_admin.thresholds", _l("星级规则")),
        ("certificates.index", _l("服务证明")),
        ("bulletins.index", _l("月通报")),
        ("office.index", _l("整改与任务")),
        ("system.jobs", _l("任务日志")),
    ],
    "unit_admin": [
        ("admin.dashboard", _l("概览")),
        ("admin.volunteers", _l("志愿者")),
        ("posts.index", _l("服务岗")),
        ("activities.index", _l("活动")),
        ("records.index", _l("服务记录")),
        ("certificates.index", _l("服务证明")),
        ("bulletins.index", _l("月通报")),
        ("office.index", _l("整改与任务")),
    ],
    "merchant": [
        ("merchant.scan", _l("扫码核销")),
        ("merchant.offers", _l("优惠")),
        ("merchant.dashboard", _l("核销统计")),
    ],
    "volunteer": [
        ("volunteer.home", _l("我的")),
        ("volunteer.records", _l("服务记录")),
        ("volunteer.card", _l("志愿者码")),
        ("coupons.mine", _l("优惠券")),
        ("needs.tasks", _l("微心愿")),
        ("profile.edit", _l("我的资料")),
        ("children.index", _l("我的孩子")),
        ("teams.index", _l("我带的队")),
        ("projects.index", _l("项目")),
    ],
}
# The areas an admin opens less often, under 更多 (a <details> menu: no script needed).
NAVIGATION_MORE = {
    "platform_admin": [
        ("needs_admin.index", _l("群众需求")),
        ("teams.index", _l("志愿服务队")),
        ("places.index", _l("实践阵地")),
        ("projects.index", _l("项目")),
        ("categories.index", _l("服务类别")),
        ("skills.index", _l("专业技能")),
        ("unit_profile.registration", _l("登记率")),
        ("insurance.index", _l("保险")),
        ("office.scores", _l("单位测评得分")),
    ],
    "unit_admin": [
        ("needs_admin.index", _l("群众需求")),
        ("teams.index", _l("志愿服务队")),
        ("places.index", _l("实践阵地")),
        ("projects.index", _l("项目")),
        ("unit_profile.mine", _l("本单位")),
        ("insurance.index", _l("保险")),
        ("office.scores", _l("单位测评得分")),
    ],
}


def navigation(more: bool = False) -> list[tuple[str, str]]:
    """The signed-in user's menu: its main areas, or with more=True those under 更多."""
    if not current_user.is_authenticated:
        return []
    views = current_app.view_functions
    entries = (NAVIGATION_MORE if more else NAVIGATION).get(current_user.role, [])
    return [(url_for(ep), label) for ep, label in entries if ep in views]


def nav_breakpoint(items: list[tuple[str, str]]) -> str:
    """The Bootstrap breakpoint from which the menu opens out on one line ('' : it always folds),
    from an estimate of its width: a Chinese character about 15 px, a Latin letter about 8, each
    link's padding 16, and the brand, language and account links about 330."""
    width = 330 + sum(16 + sum(15 if ord(ch) > 0x2E80 else 8 for ch in str(label)) for _href, label in items)
    if width <= 1180:
        return "xl"
    return "xxl" if width <= 1380 else ""


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
        value = in_hours(value, places=None)
    return format_decimal(round(value, 2), "#,##0.##")


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(localtime=localtime, localdate=localdate, hours=hours)
    app.jinja_env.globals.update(navigation=navigation, nav_breakpoint=nav_breakpoint, get_locale=get_locale)
