"""Display helpers for templates: times in the deployment's zone, hours, stars, navigation."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.hours import hours as in_hours
from app.services.clock import local

# Who sees an entry of the menu, and where: in the bar or under 更多.
OFFICE = ("platform_admin",)
UNIT = ("unit_admin",)
ADMINS = OFFICE + UNIT
MERCHANT = ("merchant",)
VOLUNTEER = ("volunteer",)
ROLES = ADMINS + MERCHANT + VOLUNTEER
MAIN, MORE = "main", "more"

# The portal's menu, each area once: (endpoint, label, the roles that see it, where), in menu
# order. Entries whose endpoint does not exist yet are skipped, so an area appears as soon as
# its blueprint is registered.
MENU = [
    ("admin.dashboard", _l("概览"), ADMINS, MAIN),
    ("admin.units", _l("成员单位"), OFFICE, MAIN),
    ("admin.volunteers", _l("志愿者"), ADMINS, MAIN),
    ("posts.index", _l("服务岗"), ADMINS, MAIN),
    ("activities.index", _l("活动"), UNIT, MAIN),
    ("records.index", _l("服务记录"), ADMINS, MAIN),
    ("merchants_admin.index", _l("商家"), OFFICE, MAIN),
    ("stars_admin.thresholds", _l("星级规则"), OFFICE, MAIN),
    ("certificates.index", _l("服务证明"), ADMINS, MAIN),
    ("bulletins.index", _l("月通报"), ADMINS, MAIN),
    ("office.index", _l("整改与任务"), ADMINS, MAIN),
    ("system.jobs", _l("任务日志"), OFFICE, MAIN),
    ("merchant.scan", _l("扫码核销"), MERCHANT, MAIN),
    ("merchant.offers", _l("优惠"), MERCHANT, MAIN),
    ("merchant.dashboard", _l("核销统计"), MERCHANT, MAIN),
    ("volunteer.home", _l("我的"), VOLUNTEER, MAIN),
    ("volunteer.records", _l("服务记录"), VOLUNTEER, MAIN),
    ("volunteer.card", _l("志愿者码"), VOLUNTEER, MAIN),
    ("coupons.mine", _l("优惠券"), VOLUNTEER, MAIN),
    ("needs.tasks", _l("微心愿"), VOLUNTEER, MAIN),
    ("profile.edit", _l("我的资料"), VOLUNTEER, MAIN),
    ("children.index", _l("我的孩子"), VOLUNTEER, MAIN),
    ("shifts.mine", _l("我的排班"), VOLUNTEER, MAIN),
    ("applications.mine", _l("我的申请"), VOLUNTEER, MAIN),
    ("notices.mine", _l("通知公告"), VOLUNTEER, MAIN),
    ("teams.index", _l("我带的队"), VOLUNTEER, MAIN),
    ("projects.index", _l("项目"), VOLUNTEER, MAIN),
    # under 更多, the areas an admin opens less often (a <details> menu: no script needed)
    ("needs_admin.index", _l("群众需求"), ADMINS, MORE),
    ("teams.index", _l("志愿服务队"), ADMINS, MORE),
    ("places.index", _l("实践阵地"), ADMINS, MORE),
    ("projects.index", _l("项目"), ADMINS, MORE),
    ("categories.index", _l("服务类别"), OFFICE, MORE),
    ("skills.index", _l("专业技能"), OFFICE, MORE),
    ("unit_profile.registration", _l("登记率"), OFFICE, MORE),
    ("unit_profile.mine", _l("本单位"), UNIT, MORE),
    ("insurance.index", _l("保险"), ADMINS, MORE),
    ("office.scores", _l("单位测评得分"), ADMINS, MORE),
    ("reviews.index", _l("半年和年度点评"), ADMINS, MORE),
    ("contributions.index", _l("捐赠和献血"), ADMINS, MORE),
    ("reports_admin.index", _l("随手拍"), ADMINS, MORE),
    ("column_admin.index", _l("志愿风采"), ADMINS, MORE),
    ("honours_admin.index", _l("先进典型"), OFFICE, MORE),
    ("assessment.index", _l("测评资料"), ADMINS, MORE),
    ("campaigns.index", _l("主题与专项行动"), ADMINS, MORE),
    ("notices.index", _l("通知公告"), ADMINS, MORE),
]


def _menu_of(role: str, where: str) -> list[tuple[str, str]]:
    """A role's entries in the bar or under 更多, in menu order: (endpoint, label)."""
    return [(endpoint, label) for endpoint, label, roles, at in MENU if role in roles and at == where]


NAVIGATION = {role: _menu_of(role, MAIN) for role in ROLES}
NAVIGATION_MORE = {role: _menu_of(role, MORE) for role in ADMINS}


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
