"""Bulletin figures about who serves and in what: hours, records and activities per service
category (with a chart), the registration rate against the platform's target, Party-member
volunteers and their hours (aggregates only), and pupils under 14 on their own line; the city
also counts its units by kind.

Like the other figures, hours and records count by the volunteer's home unit; activities by
the organising unit. A record's category is its activity's, else its post's; none is 未分类.
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import func, select

from app.extensions import db
from app.models import Activity, Post, ServiceCategory, ServiceRecord, Unit, Volunteer
from app.services import headcounts
from app.services.bulletins import aggregates
from app.services.months import Month
from app.services.political import PARTY

PEOPLE_LABELS = [
    ("registration_rate", _lp("bulletin figure", "志愿者登记率")),
    ("headcount", _lp("bulletin figure", "在册人数")),
    ("party_members", _lp("bulletin figure", "党员志愿者（人）")),
    ("party_member_hours", _lp("bulletin figure", "党员志愿者服务时长（小时）")),
    ("children", _lp("bulletin figure", "少年儿童志愿者（人）")),
    ("children_hours", _lp("bulletin figure", "少年儿童志愿者服务时长（小时）")),
]


def _grouped(stmt) -> dict:
    return {key: value for key, value in db.session.execute(stmt).all()}


def compute(month: Month, unit_ids: list[int | None], counts=None) -> dict[int | None, dict]:
    """The figures of this module for each unit in unit_ids and for the city (None); counts:
    aggregates.volunteer_counts of the month, if already read."""
    start, end = month.bounds()
    approved = (
        ServiceRecord.status == "approved",
        ServiceRecord.started_at >= start,
        ServiceRecord.started_at < end,
    )
    category = func.coalesce(Activity.category_id, Post.category_id)
    # one pass over the month's records: per home unit and category, with the Party members'
    # and the pupils' parts beside the totals
    service = db.session.execute(
        select(
            Volunteer.unit_id,
            category,
            func.coalesce(func.sum(ServiceRecord.seconds), 0),
            func.count(ServiceRecord.id),
            func.sum(ServiceRecord.seconds).filter(Volunteer.political_status.in_(PARTY)),
            func.sum(ServiceRecord.seconds).filter(Volunteer.guardian_id.is_not(None)),
        )
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .outerjoin(Activity, Activity.id == ServiceRecord.activity_id)
        .outerjoin(Post, Post.id == ServiceRecord.post_id)
        .where(*approved)
        .group_by(Volunteer.unit_id, category)
    ).all()
    held = db.session.execute(
        select(Activity.unit_id, Activity.category_id, func.count(Activity.id))
        .where(Activity.starts_at >= start, Activity.starts_at < end, Activity.is_cancelled.is_(False))
        .group_by(Activity.unit_id, Activity.category_id)
    ).all()
    counts = counts or aggregates.volunteer_counts(start, end)
    adults, party, kids = counts["adults"], counts["party"], counts["children"]
    party_seconds: dict[int, int] = {}
    kid_seconds: dict[int, int] = {}
    for unit_of, _cat, _seconds, _records, party_part, kid_part in service:
        party_seconds[unit_of] = party_seconds.get(unit_of, 0) + (party_part or 0)
        kid_seconds[unit_of] = kid_seconds.get(unit_of, 0) + (kid_part or 0)
    headcount = _grouped(select(Unit.id, Unit.headcount).where(Unit.headcount.is_not(None)))
    names = {
        c.id: (c.name, c.name_en)
        for c in db.session.scalars(
            select(ServiceCategory).order_by(ServiceCategory.position, ServiceCategory.id)
        )
    }
    target = headcounts.target()

    def total(values: dict, units: list[int] | None) -> float:
        if units is None:
            return sum(v or 0 for v in values.values())
        return sum(values.get(u) or 0 for u in units)

    service_of: dict[int, list] = {}  # each unit's rows, so that a unit reads only its own
    for served in service:
        service_of.setdefault(served[0], []).append(served)
    held_of: dict[int, list] = {}
    for activity in held:
        held_of.setdefault(activity[0], []).append(activity)
    result: dict[int | None, dict] = {}
    for unit_id in unit_ids:
        units = None if unit_id is None else [unit_id]
        per: dict[int | None, dict] = {}
        for _u, cat, seconds, records, *_parts in service if unit_id is None else service_of.get(unit_id, []):
            row = per.setdefault(cat, {"hours": 0.0, "records": 0, "activities": 0})
            row["hours"] += (seconds or 0) / 3600
            row["records"] += records
        for _host, held_category, n in held if unit_id is None else held_of.get(unit_id, []):
            per.setdefault(held_category, {"hours": 0.0, "records": 0, "activities": 0})["activities"] += n
        order = list(names) + [None]
        by_category = [
            {
                "category_id": cat,
                "name": names[cat][0] if cat in names else None,
                "name_en": names[cat][1] if cat in names else None,
                "hours": round(per[cat]["hours"], 2),
                "records": per[cat]["records"],
                "activities": per[cat]["activities"],
            }
            for cat in order
            if cat in per
        ]
        registered: float
        base: float | None
        if unit_id is None:  # the city: units with a headcount, everyone registered in them
            counted = [u for u in headcount]
            registered, base = total(adults, counted), total(headcount, counted)
        else:
            registered, base = adults.get(unit_id, 0), headcount.get(unit_id)
        figures = {
            "by_category": by_category,
            "registration_target": target,
            "registration_flagged": bool(
                base is not None and base and unit_id is not None and base < registered
            ),
            "party_members": int(total(party, units)),
            "party_member_hours": round(total(party_seconds, units) / 3600, 2),
            "children": int(total(kids, units)),
            "children_hours": round(total(kid_seconds, units) / 3600, 2),
        }
        if base:
            figures["headcount"] = int(base)
            figures["registration_rate"] = round(min(1.0, registered / base), 4)
        if unit_id is None:
            figures["units_by_kind"] = [
                {"kind": kind, "units": n} for kind, _label, n in headcounts.units_by_kind()
            ]
        result[unit_id] = figures
    return result


def category_label(row: dict) -> str:
    if row.get("category_id") is None:
        return _("未分类")
    english = get_locale() is not None and get_locale().language == "en"
    return row["name_en"] if english and row.get("name_en") else row["name"]


def rows(figures: dict) -> list[tuple[str, str]]:
    """The figure rows of this module in the reader's language (bulletins made before these
    figures existed show none)."""
    out = []
    for key, label in PEOPLE_LABELS:
        if key not in figures:
            continue
        value = figures[key]
        if key == "registration_rate":
            value = f"{value * 100:.1f}%" + (" " + _("（目标 %(t)d%%）", t=figures["registration_target"]))
            if figures.get("registration_flagged"):
                value += " " + _("在册人数少于已登记人数，请核实")
        elif isinstance(value, float):
            value = f"{value:,.2f}".rstrip("0").rstrip(".")
        out.append((str(label), str(value)))
    for item in figures.get("units_by_kind", []):
        out.append((_("成员单位：%(k)s", k=headcounts.kind_label(item["kind"])), str(item["units"])))
    return out


def category_table(figures: dict) -> list[tuple[str, float, int, int]]:
    return [
        (category_label(r), r["hours"], r["records"], r["activities"]) for r in figures.get("by_category", [])
    ]


def category_headers() -> list[str]:
    return [_("服务类别"), _("服务时长（小时）"), _("服务记录（条）"), _("开展活动（场）")]


def add_xlsx_sheet(workbook, figures: dict) -> None:
    """A sheet of the figures per category, with a bar chart of the hours."""
    from openpyxl.chart import BarChart, Reference

    from app.services.spreadsheets import append_row

    if "by_category" not in figures:
        return
    sheet = workbook.create_sheet(_("服务类别"))
    append_row(sheet, category_headers())
    table = category_table(figures)
    for row in table:
        append_row(sheet, list(row))
    sheet.column_dimensions["A"].width = 24
    if table:
        chart = BarChart()
        chart.title = _("各服务类别服务时长（小时）")
        chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=len(table) + 1), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=len(table) + 1))
        sheet.add_chart(chart, "F2")


def pdf_flow(figures: dict, bar_chart) -> list:
    from app.services import pdf

    table = category_table(figures)
    if not table:
        return []
    return [
        pdf.paragraph(_("按服务类别统计"), "heading"),
        bar_chart(
            _("各服务类别服务时长（小时）"),
            [r[0] for r in reversed(table)],
            [r[1] for r in reversed(table)],
            horizontal=True,
        ),
        pdf.table([category_headers()] + [[r[0], str(r[1]), str(r[2]), str(r[3])] for r in table]),
    ]
