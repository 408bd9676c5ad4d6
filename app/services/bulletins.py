"""Monthly bulletins (月通报) for member units and the city, and quarterly reviews (季点评).

Every figure comes from set-based SQL aggregates grouped by unit — never from Python loops
over records — so the same queries run on a read replica or a partitioned ledger unchanged.
Volunteer figures (registered, new, active, star upgrades, top volunteers) count each
volunteer in their own unit; service hours and records count in the unit whose ledger holds
the record. A record belongs to the month, in the deployment's zone, in which it started.
Bulletins are snapshots: (scope, month) is unique, so generating again is a no-op.
"""
from __future__ import annotations

import io
import logging
import math
import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_pgettext as _lp
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from sqlalchemy import and_, func, select
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import Activity, Bulletin, ServiceRecord, Setting, StarEvent, Unit, User, Volunteer
from app.services import audit
from app.services.clock import month_bounds, now, parse_month, previous_month
from app.services.errors import NotFound, ValidationFailed

log = logging.getLogger(__name__)

CITY = "city"
DEFAULT_TARGETS = {"hours_per_volunteer_year": 25, "trainings_per_year": 2}
TOP = 10
CHART_MONTHS = 6


def scope_of(unit_id: int | None) -> str:
    return CITY if unit_id is None else f"unit:{unit_id}"


def targets() -> dict:
    setting = db.session.get(Setting, "bulletin_targets")
    return {**DEFAULT_TARGETS, **(setting.value if setting else {})}


def set_targets(hours_per_volunteer_year: float, trainings_per_year: int, *, by: User) -> dict:
    fields = {}
    if not 0 <= hours_per_volunteer_year <= 1000:
        fields["hours_per_volunteer_year"] = [_("应在0到1000之间")]
    if not 0 <= trainings_per_year <= 100:
        fields["trainings_per_year"] = [_("应在0到100之间")]
    if fields:
        raise ValidationFailed(fields=fields)
    value = {"hours_per_volunteer_year": hours_per_volunteer_year, "trainings_per_year": trainings_per_year}
    setting = db.session.get(Setting, "bulletin_targets")
    if setting is None:
        db.session.add(Setting(key="bulletin_targets", value=value, updated_at=now()))
    else:
        setting.value = value
        setting.updated_at = now()
    audit.log("bulletin.targets_set", None, by=by, **value)
    return value


# Aggregates --------------------------------------------------------------------------------

def _by_unit(stmt) -> dict[int, float]:
    return {unit_id: value or 0 for unit_id, value in db.session.execute(stmt).all()}


def hours_by_unit(start, end) -> tuple[dict[int, float], dict[int, int]]:
    """Approved seconds and record counts per unit, for records started in [start, end)."""
    rows = db.session.execute(
        select(ServiceRecord.unit_id, func.sum(ServiceRecord.seconds), func.count(ServiceRecord.id))
        .where(ServiceRecord.status == "approved", ServiceRecord.started_at >= start,
               ServiceRecord.started_at < end)
        .group_by(ServiceRecord.unit_id)).all()
    return ({u: round((s or 0) / 3600, 2) for u, s, _n in rows}, {u: n for u, _s, n in rows})


def month_aggregates(month: str) -> dict[str, dict[int, float]]:
    """Every per-unit figure of a month, each from one GROUP BY statement."""
    start, end = month_bounds(month)
    hours, records = hours_by_unit(start, end)
    active_volunteers = (select(Volunteer.unit_id, func.count(func.distinct(ServiceRecord.volunteer_id)))
                         .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
                         .where(ServiceRecord.status == "approved", ServiceRecord.started_at >= start,
                                ServiceRecord.started_at < end)
                         .group_by(Volunteer.unit_id))
    held = (Activity.starts_at >= start) & (Activity.starts_at < end) & Activity.is_cancelled.is_(False)
    return {
        "registered_volunteers": _by_unit(select(Volunteer.unit_id, func.count(Volunteer.id))
                                          .where(Volunteer.created_at < end).group_by(Volunteer.unit_id)),
        "new_volunteers": _by_unit(select(Volunteer.unit_id, func.count(Volunteer.id))
                                   .where(Volunteer.created_at >= start, Volunteer.created_at < end)
                                   .group_by(Volunteer.unit_id)),
        "active_volunteers": _by_unit(active_volunteers),
        "service_hours": hours,
        "records": records,
        "activities": _by_unit(select(Activity.unit_id, func.count(Activity.id)).where(held)
                               .group_by(Activity.unit_id)),
        "trainings": _by_unit(select(Activity.unit_id, func.count(Activity.id))
                              .where(held, Activity.kind == "training").group_by(Activity.unit_id)),
        "star_upgrades": _by_unit(select(Volunteer.unit_id, func.count(StarEvent.id))
                                  .join(Volunteer, Volunteer.id == StarEvent.volunteer_id)
                                  .where(StarEvent.to_level > StarEvent.from_level, StarEvent.at >= start,
                                         StarEvent.at < end).group_by(Volunteer.unit_id)),
    }


def top_volunteers(month: str, limit: int = TOP) -> dict[int | None, list[dict]]:
    """The month's volunteers with the most approved hours (masked names), per unit (their
    own) and for the city (key None): one windowed query, whatever the number of units."""
    start, end = month_bounds(month)
    total = func.sum(ServiceRecord.seconds)
    order = (total.desc(), Volunteer.volunteer_no)
    per_volunteer = (
        select(Volunteer.name, Volunteer.volunteer_no, Volunteer.unit_id, total.label("seconds"),
               func.row_number().over(partition_by=Volunteer.unit_id, order_by=order).label("in_unit"),
               func.row_number().over(order_by=order).label("in_city"))
        .join(ServiceRecord, ServiceRecord.volunteer_id == Volunteer.id)
        .where(ServiceRecord.status == "approved", ServiceRecord.started_at >= start,
               ServiceRecord.started_at < end)
        .group_by(Volunteer.id, Volunteer.name, Volunteer.volunteer_no, Volunteer.unit_id)).subquery()
    rows = db.session.execute(
        select(per_volunteer).where((per_volunteer.c.in_unit <= limit) | (per_volunteer.c.in_city <= limit))
        .order_by(per_volunteer.c.in_city)).all()
    result: dict[int | None, list[dict]] = {None: []}
    for name, number, unit, seconds, in_unit, in_city in rows:  # at most limit × (units + 1) rows
        entry = {"name": _mask(name), "volunteer_no": number, "unit_id": unit, "hours": round(seconds / 3600, 2)}
        if in_unit <= limit:
            result.setdefault(unit, []).append(entry)
        if in_city <= limit:
            result[None].append(entry)
    return result


def _mask(name: str) -> str:
    if len(name) <= 1:
        return "*"
    return name[0] + "*" * (len(name) - 2) + name[-1] if len(name) > 2 else name[0] + "*"


def _months_back(month: str, count: int) -> list[str]:
    months = [month]
    while len(months) < count:
        months.insert(0, previous_month(months[0]))
    return months


def compute(month: str) -> dict[str | None, dict]:
    """The figures of every unit's bulletin and of the city's for a month: {unit_id: figures,
    None: city figures}. A fixed number of set-based queries, whatever the data."""
    parse_month(month)
    units = {u.id: u.name for u in db.session.scalars(select(Unit).order_by(Unit.id))}
    this = month_aggregates(month)
    before = hours_by_unit(*month_bounds(previous_month(month)))[0]
    year = int(month[:4])
    year_start = month_bounds(f"{year}-01")[0]
    month_end = month_bounds(month)[1]
    hours_ytd = hours_by_unit(year_start, month_end)[0]
    trainings_ytd = _by_unit(select(Activity.unit_id, func.count(Activity.id)).where(
        Activity.kind == "training", Activity.is_cancelled.is_(False), Activity.starts_at >= year_start,
        Activity.starts_at < month_end).group_by(Activity.unit_id))
    chart_months = _months_back(month, CHART_MONTHS)
    series = {m: (hours_by_unit(*month_bounds(m))[0] if m != month else this["service_hours"]) for m in chart_months}
    goal = targets()
    elapsed = int(month[5:7]) / 12

    ranking = sorted(units, key=lambda u: (-this["service_hours"].get(u, 0), u))
    ranking_list = [{"unit_id": u, "unit": units[u], "hours": this["service_hours"].get(u, 0)} for u in ranking]
    tops = top_volunteers(month)
    result: dict[str | None, dict] = {}
    for unit_id in list(units) + [None]:
        def pick(key, unit_id=unit_id):
            values = this[key]
            return sum(values.values()) if unit_id is None else values.get(unit_id, 0)

        registered = pick("registered_volunteers")
        active = pick("active_volunteers")
        hours = round(pick("service_hours"), 2)
        previous = round(sum(before.values()) if unit_id is None else before.get(unit_id, 0), 2)
        figures = {
            "unit": units.get(unit_id, _("全市")),
            "month": month,
            "registered_volunteers": registered,
            "new_volunteers": pick("new_volunteers"),
            "active_volunteers": active,
            "participation_rate": round(active / registered, 4) if registered else 0.0,
            "service_hours": hours,
            "records": pick("records"),
            "activities": pick("activities"),
            "trainings": pick("trainings"),
            "star_upgrades": pick("star_upgrades"),
            "rank": ranking.index(unit_id) + 1 if unit_id is not None else None,
            "units_ranked": len(ranking),
            "previous_hours": previous,
            "change_hours": round(hours - previous, 2),
            "change_rate": round((hours - previous) / previous, 4) if previous else None,
            "hours_by_month": [{"month": m, "hours": round(sum(series[m].values()) if unit_id is None
                                                           else series[m].get(unit_id, 0), 2)} for m in chart_months],
            "ranking": ranking_list,
            "top_volunteers": tops.get(unit_id, []),
            "targets": goal,
            "flags": [],
        }
        if unit_id is not None:
            hours_goal = goal["hours_per_volunteer_year"] * elapsed
            per_volunteer = hours_ytd.get(unit_id, 0) / registered if registered else 0
            if registered and per_volunteer < hours_goal:
                figures["flags"].append(_("人均服务时长 %(h)s 小时，低于截至本月的目标 %(g)s 小时",
                                          h=round(per_volunteer, 1), g=round(hours_goal, 1)))
            expected_trainings = math.floor(goal["trainings_per_year"] * elapsed)
            if trainings_ytd.get(unit_id, 0) < expected_trainings:
                figures["flags"].append(_("今年已开展培训 %(n)d 次，少于截至本月应达到的 %(g)d 次",
                                          n=trainings_ytd.get(unit_id, 0), g=expected_trainings))
            figures["hours_ytd"] = round(hours_ytd.get(unit_id, 0), 2)
        result[unit_id] = figures
    return result


# Snapshots ---------------------------------------------------------------------------------

def _insert_ignoring_duplicates(rows: list[dict]) -> int:
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = (module.insert(Bulletin).values(rows).on_conflict_do_nothing(index_elements=["scope", "month"])
            .returning(Bulletin.id))
    return len(db.session.execute(stmt).all())


def generate_bulletins(month: str | None = None, unit_id: int | None = None, *, by: User | None = None) -> int:
    """Make the month's bulletins (default: last month) for every unit and the city, or for
    one unit; those that exist are left as they are. Returns how many were created."""
    month = month or previous_month()
    _start, end = month_bounds(month)
    if end > now():  # a snapshot is final, so a month still running has none yet
        raise ValidationFailed(fields={"month": [_("只能生成已经结束的月份的通报")]})
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        raise NotFound(_("成员单位不存在"))
    all_figures = compute(month)
    at = now()
    rows = [{"scope": scope_of(u), "unit_id": u, "month": month, "figures": figures, "generated_at": at}
            for u, figures in all_figures.items() if unit_id is None or u == unit_id]
    created = _insert_ignoring_duplicates(rows)
    if created:
        audit.log("bulletins.generated", None, by=by, month=month, created=created)
    return created


def get_bulletin(bulletin_id: int) -> Bulletin:
    bulletin = db.session.get(Bulletin, bulletin_id)
    if bulletin is None:
        raise NotFound(_("通报不存在"))
    return bulletin


def list_bulletins(unit_id: int | None, include_city: bool = False) -> list[Bulletin]:
    stmt = select(Bulletin).order_by(Bulletin.month.desc(), Bulletin.unit_id)
    if unit_id is not None:
        stmt = stmt.where(Bulletin.unit_id == unit_id)
    elif not include_city:
        stmt = stmt.where(Bulletin.unit_id.is_not(None))
    return list(db.session.scalars(stmt))


def can_read(user: User, bulletin: Bulletin) -> bool:
    if user.role == "platform_admin":
        return True
    return user.role == "unit_admin" and bulletin.unit_id is not None and bulletin.unit_id == user.unit_id


def quarter_review(unit_id: int | None, year: int, quarter: int) -> dict:
    """季点评: the three bulletins of a quarter side by side, and their sums."""
    if not 1 <= quarter <= 4:
        raise ValidationFailed(fields={"quarter": [_("季度应为1到4")]})
    months = [f"{year:04d}-{m:02d}" for m in range(3 * quarter - 2, 3 * quarter + 1)]
    found = {b.month: b.figures for b in db.session.scalars(select(Bulletin).where(
        Bulletin.scope == scope_of(unit_id), Bulletin.month.in_(months)))}
    rows = [{"month": m, **{k: found[m].get(k) for k in (
        "service_hours", "records", "active_volunteers", "new_volunteers", "star_upgrades", "activities",
        "rank", "participation_rate")}} if m in found else {"month": m, "missing": True} for m in months]
    present = [found[m] for m in months if m in found]
    return {
        "months": rows,
        "service_hours": round(sum(f["service_hours"] for f in present), 2),
        "records": sum(f["records"] for f in present),
        "new_volunteers": sum(f["new_volunteers"] for f in present),
        "star_upgrades": sum(f["star_upgrades"] for f in present),
        "activities": sum(f["activities"] for f in present),
        "average_active_volunteers": round(sum(f["active_volunteers"] for f in present) / len(present), 1)
        if present else 0,
        "complete": len(present) == 3,
    }


def volunteer_rows(bulletin: Bulletin) -> list[tuple]:
    """The rows behind a bulletin's hours: each volunteer's approved hours of the month, as
    reviewed by the time the bulletin was made."""
    start, end = month_bounds(bulletin.month)
    total = func.sum(ServiceRecord.seconds)
    stmt = (select(Volunteer.volunteer_no, Volunteer.name, Unit.name, func.count(ServiceRecord.id), total)
            .join(ServiceRecord, ServiceRecord.volunteer_id == Volunteer.id)
            .join(Unit, Unit.id == ServiceRecord.unit_id)
            .where(ServiceRecord.status == "approved", ServiceRecord.started_at >= start,
                   ServiceRecord.started_at < end,
                   and_(ServiceRecord.reviewed_at.is_(None) | (ServiceRecord.reviewed_at <= bulletin.generated_at)))
            .group_by(Volunteer.volunteer_no, Volunteer.name, Unit.name)
            .order_by(total.desc(), Volunteer.volunteer_no))
    if bulletin.unit_id is not None:
        stmt = stmt.where(ServiceRecord.unit_id == bulletin.unit_id)
    return [(no, _mask(name), unit, n, round(s / 3600, 2)) for no, name, unit, n, s in db.session.execute(stmt)]


# The labels carry a context: "注册志愿者" on a bulletin counts volunteers, while the same
# words on a button invite one to register.
FIGURE_LABELS = [
    ("registered_volunteers", _lp("bulletin figure", "注册志愿者")),
    ("new_volunteers", _lp("bulletin figure", "本月新增志愿者")),
    ("active_volunteers", _lp("bulletin figure", "活跃志愿者")),
    ("participation_rate", _lp("bulletin figure", "参与率")),
    ("service_hours", _lp("bulletin figure", "服务时长（小时）")),
    ("records", _lp("bulletin figure", "服务记录（条）")),
    ("activities", _lp("bulletin figure", "开展活动（场）")),
    ("trainings", _lp("bulletin figure", "其中培训（场）")),
    ("star_upgrades", _lp("bulletin figure", "星级晋升（人次）")),
    ("rank", _lp("bulletin figure", "全市排名")),
    ("change_hours", _lp("bulletin figure", "较上月增减（小时）")),
]


def figure_rows(figures: dict) -> list[tuple[str, str]]:
    rows = []
    for key, label in FIGURE_LABELS:
        value = figures.get(key)
        if key == "rank" and value is None:
            continue
        if key == "participation_rate":
            value = f"{value * 100:.1f}%"
        elif isinstance(value, float):
            value = f"{value:,.2f}".rstrip("0").rstrip(".")
        elif key == "rank":
            value = f"{value} / {figures['units_ranked']}"
        rows.append((str(label), str(value)))
    return rows


def title_of(bulletin: Bulletin) -> str:
    year, month = parse_month(bulletin.month)
    return _("%(unit)s %(y)d年%(m)d月志愿服务月通报", unit=unit_name(bulletin), y=year, m=month)


def unit_name(bulletin: Bulletin) -> str:
    """Whose bulletin: the unit's name as snapshotted, or the city's in the reader's language."""
    return bulletin.figures["unit"] if bulletin.unit_id is not None else _("全市")


def xlsx_bytes(bulletin: Bulletin) -> bytes:
    """The bulletin's figures, the rows behind its hours, and the units' ranking."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("月通报")
    sheet.append([title_of(bulletin)])
    sheet.append([_("指标"), _("数值")])
    figures = bulletin.figures
    for key, label in FIGURE_LABELS:
        if key == "rank" and figures.get("rank") is None:
            continue
        sheet.append([str(label), figures.get(key)])
        if key == "participation_rate":
            sheet.cell(row=sheet.max_row, column=2).number_format = "0.0%"
    sheet.column_dimensions["A"].width = 24
    months = workbook.create_sheet(_("近期服务时长"))
    months.append([_("月份"), _("服务时长（小时）")])
    for point in figures["hours_by_month"]:
        months.append([point["month"], point["hours"]])
    chart = BarChart()
    chart.title = _("近%(n)d个月服务时长", n=len(figures["hours_by_month"]))
    chart.add_data(Reference(months, min_col=2, min_row=1, max_row=len(figures["hours_by_month"]) + 1),
                   titles_from_data=True)
    chart.set_categories(Reference(months, min_col=1, min_row=2, max_row=len(figures["hours_by_month"]) + 1))
    months.add_chart(chart, "D2")
    ranking = workbook.create_sheet(_("单位排名"))
    ranking.append([_("排名"), _("成员单位"), _("服务时长（小时）")])
    for index, row in enumerate(figures["ranking"], start=1):
        ranking.append([index, row["unit"], row["hours"]])
    people = workbook.create_sheet(_("志愿者时长明细"))
    people.append([_("志愿者编号"), _("姓名"), _("服务单位"), _("记录数"), _("服务时长（小时）")])
    for row in volunteer_rows(bulletin):
        people.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pdf_bytes(bulletin: Bulletin) -> bytes:
    """The bulletin as a PDF: figures, flags, charts of recent months and of the units' hours,
    top volunteers; Chinese in the embedded font."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    from app.services import pdf
    font = pdf.register_font()
    figures = bulletin.figures
    flow = [pdf.paragraph(title_of(bulletin), "title"),
            pdf.paragraph(_("生成时间：%(t)s", t=bulletin.generated_at.strftime("%Y-%m-%d %H:%M UTC")), "small"),
            Spacer(1, 4 * mm),
            pdf.table([[_("指标"), _("数值")]] + [list(r) for r in figure_rows(figures)], col_widths=[70 * mm, 60 * mm])]
    if figures.get("flags"):
        flow += [pdf.paragraph(_("需关注"), "heading")] + [pdf.paragraph("• " + flag) for flag in figures["flags"]]

    def bar_chart(title, labels, values, horizontal=False):
        drawing = Drawing(170 * mm, 70 * mm if not horizontal else max(40, 8 * len(values)) * mm)
        chart = HorizontalBarChart() if horizontal else VerticalBarChart()
        chart.x, chart.y = 30 * mm if horizontal else 15 * mm, 10 * mm
        chart.width = 125 * mm if horizontal else 145 * mm
        chart.height = drawing.height - 22 * mm
        chart.data = [values or [0]]
        chart.categoryAxis.categoryNames = labels or [""]
        chart.categoryAxis.labels.fontName = font
        chart.categoryAxis.labels.fontSize = 7
        chart.valueAxis.labels.fontName = font
        chart.valueAxis.valueMin = 0
        chart.bars[0].fillColor = colors.HexColor("#b3261e")
        drawing.add(chart)
        drawing.add(String(0, drawing.height - 8 * mm, title, fontName=font, fontSize=11))
        return drawing

    months = figures["hours_by_month"]
    flow += [pdf.paragraph(_("服务时长趋势"), "heading"),
             bar_chart(_("近%(n)d个月服务时长（小时）", n=len(months)), [m["month"] for m in months],
                       [m["hours"] for m in months])]
    ranking = figures["ranking"][:15]
    flow += [pdf.paragraph(_("成员单位服务时长排名"), "heading"),
             bar_chart(_("本月各单位服务时长（小时）"), [r["unit"] for r in reversed(ranking)],
                       [r["hours"] for r in reversed(ranking)], horizontal=True)]
    if figures["top_volunteers"]:
        flow += [pdf.paragraph(_("本月服务时长前十名"), "heading"),
                 pdf.table([[_("名次"), _("志愿者"), _("编号"), _("服务时长（小时）")]] +
                           [[str(i), v["name"], v["volunteer_no"], str(v["hours"])]
                            for i, v in enumerate(figures["top_volunteers"], start=1)])]
    return pdf.build(flow, title=title_of(bulletin), on_page=pdf.page_footer(title_of(bulletin)))


def mail_bulletins(month: str, unit_id: int | None = None) -> int:
    """Send each unit's bulletin of the month to its contact address once (when SMTP is set)."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return 0
    pending = db.session.scalars(select(Bulletin).join(Unit, Unit.id == Bulletin.unit_id).where(
        Bulletin.month == month, Bulletin.mailed_at.is_(None), Unit.contact_email.is_not(None),
        Bulletin.unit_id == unit_id if unit_id is not None else Bulletin.unit_id.is_not(None))).all()
    sent = 0
    if not pending:
        return 0
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        for bulletin in pending:
            message = EmailMessage()
            message["Subject"] = title_of(bulletin)
            message["From"] = config["MAIL_SENDER"]
            message["To"] = bulletin.unit.contact_email
            message.set_content(_("%(unit)s：\n\n附件是贵单位 %(m)s 的志愿服务月通报，请查收。\n\n志愿星",
                                  unit=bulletin.unit.name, m=bulletin.month))
            message.add_attachment(pdf_bytes(bulletin), maintype="application", subtype="pdf",
                                   filename=f"bulletin-{bulletin.month}-unit-{bulletin.unit_id}.pdf")
            smtp.send_message(message)
            bulletin.mailed_at = now()
            sent += 1
    return sent


def month_choices(count: int = 12) -> list[str]:
    return _months_back(previous_month(), count)[::-1]


def today_month() -> str:
    from app.services.clock import month_of
    return month_of(now())

