"""A half-year or annual review as files: XLSX (the sums, every unit's sums and score with a
chart, the breakdown, the quiet months, the lagging units) and PDF (the same, with charts like
the bulletins', Chinese in the embedded font). Both take reviews.view()'s dict."""

from __future__ import annotations

import io

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

from app.services import reviews
from app.services.bulletins import campaign_tables
from app.services.bulletins.labels import number_text, stamp
from app.services.clock import now
from app.services.report_format import hours_text
from app.services.scores import INDICATORS
from app.services.spreadsheets import append_row

SUM_LABELS = [
    ("service_hours", _l("服务时长（小时）")),
    ("records", _l("服务记录（条）")),
    ("registered_volunteers", _l("注册志愿者（期末）")),
    ("active_volunteers", _l("参与服务的志愿者")),
    ("participation_rate", _l("志愿者参与率")),
    ("hours_per_volunteer", _l("人均服务时长（小时）")),
    ("activities", _l("开展活动（场）")),
    ("trainings", _l("举办培训（场）")),
    ("training_attendances", _l("参加培训（人次）")),
    ("other_units_hours", _l("其中在其他单位服务岗的服务（小时）")),
    ("money", _l("捐款（元）")),
    ("goods", _l("捐物折价（元）")),
    ("donations_target", _l("捐赠目标（元，按期间折算）")),
    ("donations_rate", _l("捐赠目标完成率")),
    ("blood", _l("献血（人次）")),
    ("blood_target", _l("献血目标（人次，按期间折算）")),
    ("blood_rate", _l("献血目标完成率")),
]


def value_text(key: str, value) -> str:
    if value is None:
        return "—"
    if key in ("participation_rate", "donations_rate", "blood_rate"):
        return f"{value * 100:.1f}%"
    return hours_text(value) if isinstance(value, float) else str(value)


def sum_rows(sums: dict) -> list[tuple[str, str]]:
    return [(str(label), value_text(key, sums.get(key))) for key, label in SUM_LABELS]


def status_text(page: dict) -> str:
    review = page["review"]
    if review.published_at is None:
        return (
            _("草稿（部分期间，数据截至 %(t)s）", t=stamp(review.computed_at))
            if review.partial
            else _("草稿")
        )
    return _("已发布于 %(t)s", t=stamp(review.published_at))


def breakdown_rows(row: dict) -> list[list[str]]:
    return [
        [
            str(INDICATORS[b["key"]][0]),
            number_text(b["value"]) if b["value"] is not None else _("不适用"),
            number_text(b["target"]),
            str(b["weight"]),
            number_text(b["points"]),
        ]
        for b in row["breakdown"]
    ]


BREAKDOWN_HEADER = (_l("指标"), _l("数值"), _l("目标"), _l("权重"), _l("得分"))
RANKING_HEADER = (_l("排名"), _l("成员单位"), _l("得分"), _l("服务时长（小时）"))


def _ranking_rows(page: dict) -> list[list]:
    return [
        [
            r["rank"] or "—",
            r["unit"],
            r["score"] if r["score"] is not None else "—",
            r.get("service_hours", ""),
        ]
        for r in page["ranking"]
    ]


def xlsx_bytes(page: dict) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("点评")
    append_row(sheet, [page["title"]])
    append_row(sheet, [_("状态"), status_text(page)])
    append_row(sheet, [_("指标"), _("数值")])
    for key, label in SUM_LABELS:
        append_row(sheet, [str(label), page["sums"].get(key)])
    if page["row"] is not None:
        append_row(sheet, [_("测评得分"), page["row"]["score"]])
        append_row(sheet, [_("全市排名"), page["row"]["rank"]])
    append_row(sheet, [_("后进单位认定规则"), page["rule"]])
    append_row(sheet, [_("后进单位"), "、".join(r["unit"] for r in page["lagging"]) or _("无")])
    append_row(sheet, [_("文明办点评"), page["comment"]])
    sheet.column_dimensions["A"].width = 36
    ranking = workbook.create_sheet(_("单位得分排名"))
    append_row(ranking, [str(h) for h in RANKING_HEADER])
    for row in _ranking_rows(page):
        append_row(ranking, row)
    if page["ranking"]:
        chart = BarChart()
        chart.title = _("各单位测评得分")
        chart.add_data(
            Reference(ranking, min_col=3, min_row=1, max_row=len(page["ranking"]) + 1), titles_from_data=True
        )
        chart.set_categories(Reference(ranking, min_col=2, min_row=2, max_row=len(page["ranking"]) + 1))
        ranking.add_chart(chart, "F2")
    if page["row"] is not None:
        detail = workbook.create_sheet(_("得分明细"))
        append_row(detail, [str(h) for h in BREAKDOWN_HEADER])
        for row in breakdown_rows(page["row"]):
            append_row(detail, row)
    campaign_tables.add_xlsx_sheet(workbook, page["campaigns"])
    quiet = workbook.create_sheet(_("需关注月份"))
    append_row(quiet, [_("成员单位"), _("月份"), _("情况")])
    for item in page["quiet"]:
        append_row(quiet, [item["unit"], item["month"], reviews.quiet_text(item)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pdf_bytes(page: dict) -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    from app.services import pdf

    title = page["title"]
    flow = [
        pdf.paragraph(title, "title"),
        pdf.paragraph(status_text(page), "small"),
        pdf.paragraph(_("生成时间：%(t)s", t=stamp(now())), "small"),
        Spacer(1, 4 * mm),
        pdf.table(
            [[_("指标"), _("数值")]] + [list(r) for r in sum_rows(page["sums"])],
            col_widths=[80 * mm, 50 * mm],
        ),
    ]
    if page["row"] is not None:
        flow += [
            pdf.paragraph(
                _(
                    "测评得分 %(s)s 分，全市第 %(r)s 名",
                    s=number_text(page["row"]["score"] or 0),
                    r=page["row"]["rank"] or "—",
                ),
                "heading",
            ),
            pdf.table([[str(h) for h in BREAKDOWN_HEADER]] + breakdown_rows(page["row"])),
        ]
    flow += campaign_tables.pdf_flow(page["campaigns"])
    if page["quiet"]:
        flow += [pdf.paragraph(_("需关注的月份"), "heading")] + [
            pdf.paragraph(
                "• " + (f"{q['unit']}：" if page["unit_id"] is None else "") + reviews.quiet_text(q)
            )
            for q in page["quiet"]
        ]
    flow += [
        pdf.paragraph(_("后进单位（%(rule)s）", rule=page["rule"]), "heading"),
        pdf.paragraph("、".join(r["unit"] for r in page["lagging"]) or _("无")),
    ]
    shown = [r for r in page["ranking"] if r["score"] is not None][:20]
    if shown:
        flow += [
            pdf.paragraph(_("成员单位测评得分排名"), "heading"),
            pdf.bar_chart(
                _("各单位测评得分"),
                [r["unit"] for r in reversed(shown)],
                [r["score"] for r in reversed(shown)],
                horizontal=True,
            ),
            pdf.table(
                [[str(h) for h in RANKING_HEADER[:3]]]
                + [[str(c) for c in row[:3]] for row in _ranking_rows(page)]
            ),
        ]
    flow += [pdf.paragraph(_("文明办点评"), "heading"), pdf.paragraph(page["comment"] or _("（暂无点评）"))]
    return pdf.build(flow, title=title, on_page=pdf.page_footer(title))
