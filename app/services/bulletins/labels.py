"""How a bulletin reads: its title, the figures' labels and rows, its flags and its time
stamps, in the reader's language (the snapshot keeps numbers, not sentences)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_pgettext as _lp

from app.models import Bulletin
from app.services.clock import local
from app.services.months import Month
from app.services.report_format import hours_text


def number_text(value: float) -> str:
    """A figure in a sentence: at most two decimals, no trailing zeros (0.5, 6.25, 9)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


# The labels carry a context: "注册志愿者" on a bulletin counts volunteers, while the same
# words on a button invite one to register.
FIGURE_LABELS = [
    ("registered_volunteers", _lp("bulletin figure", "注册志愿者")),
    ("new_volunteers", _lp("bulletin figure", "本月新增志愿者")),
    ("active_volunteers", _lp("bulletin figure", "活跃志愿者")),
    ("participation_rate", _lp("bulletin figure", "参与率")),
    ("service_hours", _lp("bulletin figure", "服务时长（小时）")),
    ("records", _lp("bulletin figure", "服务记录（条）")),
    ("other_units_hours", _lp("bulletin figure", "其中在其他单位服务岗的服务（小时）")),
    ("other_units_records", _lp("bulletin figure", "其中在其他单位服务岗的服务（条）")),
    ("hosted_hours", _lp("bulletin figure", "本单位服务岗接待的外单位志愿者服务（小时）")),
    ("hosted_records", _lp("bulletin figure", "本单位服务岗接待的外单位志愿者服务（条）")),
    ("late_records", _lp("bulletin figure", "补录至以往月份（条）")),
    ("late_hours", _lp("bulletin figure", "补录至以往月份（小时）")),
    ("activities", _lp("bulletin figure", "开展活动（场）")),
    ("trainings", _lp("bulletin figure", "其中培训（场）")),
    ("training_attendances", _lp("bulletin figure", "参加培训（人次）")),
    ("star_upgrades", _lp("bulletin figure", "星级晋升（人次）")),
    ("rank", _lp("bulletin figure", "全市排名")),
    ("change_hours", _lp("bulletin figure", "较上月增减（小时）")),
]
CITY_HIDDEN = ("hosted_hours", "hosted_records")  # for the city, the same as service at other units' posts


def shown(figures: dict, key: str) -> bool:
    if key == "rank" and figures.get("rank") is None:
        return False
    if figures.get("rank") is None and key in CITY_HIDDEN:
        return False
    return key in figures  # bulletins made before a figure existed do not show it


def flag_text(item: dict) -> str:
    if item["kind"] == "hours":
        return _("人均服务时长 %(h)s 小时，低于截至本月的目标 %(g)s 小时", h=item["h"], g=item["g"])
    return _(
        "今年人均参加培训 %(n)s 次，少于截至本月应达到的 %(g)s 次（全年 %(y)s 次按月折算）",
        n=item["n"],
        g=item["g"],
        y=item["y"],
    )


def flag_texts(figures: dict) -> list[str]:
    """A bulletin's flags in the reader's language. The snapshot keeps each flag's numbers
    (flag_items); bulletins made before that keep only the sentences of their day."""
    items = figures.get("flag_items")
    return figures.get("flags", []) if items is None else [flag_text(item) for item in items]


def figure_rows(figures: dict) -> list[tuple[str, str]]:
    rows = []
    for key, label in FIGURE_LABELS:
        if not shown(figures, key):
            continue
        value = figures[key]  # _shown: the figure is there
        if key == "participation_rate":
            value = f"{value * 100:.1f}%"
        elif isinstance(value, float):
            value = hours_text(value)
        elif key == "rank":
            value = f"{value} / {figures['units_ranked']}"
        rows.append((str(label), str(value)))
    from app.services.bulletins import evidence, people

    return rows + people.rows(figures) + evidence.rows(figures)


def title_of(bulletin: Bulletin) -> str:
    month = Month.parse(bulletin.month)
    title = _("%(unit)s %(y)d年%(m)d月志愿服务月通报", unit=unit_name(bulletin), y=month.year, m=month.number)
    if bulletin.revision:
        title += _("（修订版 %(n)d）", n=bulletin.revision)
    return title


def unit_name(bulletin: Bulletin) -> str:
    """Whose bulletin: the unit's name as snapshotted, or the city's in the reader's language."""
    return bulletin.figures["unit"] if bulletin.unit_id is not None else _("全市")


def stamp(moment) -> str:
    """A moment as the deployment's zone reads it, with the zone's name: the page, the PDF and
    the XLSX all say the same."""
    return f"{local(moment):%Y-%m-%d %H:%M} {current_app.config['TIMEZONE']}"
