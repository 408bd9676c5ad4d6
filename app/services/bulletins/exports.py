"""A bulletin and a quarterly review as files: XLSX (figures, recent months with a chart,
ranking, the rows behind the hours) and PDF (Chinese in the embedded font)."""

from __future__ import annotations

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

from app.models import Bulletin
from app.services.bulletins import campaign_tables, evidence, people
from app.services.bulletins.figures import volunteer_rows
from app.services.bulletins.labels import (
    FIGURE_LABELS,
    figure_rows,
    flag_texts,
    number_text,
    shown,
    stamp,
    title_of,
)
from app.services.bulletins.quarters import quarter_rows, quarter_title
from app.services.bulletins.snapshots import figures_of
from app.services.clock import now
from app.services.report_format import hours_text, shared_ranks
from app.services.spreadsheets import append_row


def quarter_xlsx_bytes(review: dict, name: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("季点评")
    append_row(sheet, [quarter_title(review, name)])
    append_row(sheet, [_("指标"), _("数值")])
    for label, value in quarter_rows(review):
        append_row(sheet, [label, value])
    append_row(
        sheet,
        [
            _("目标说明"),
            _("培训目标为全年 %(n)s 次，按季度折算为四分之一", n=number_text(review["trainings_goal"] * 4)),
        ],
    )
    for flag in review["flags"]:
        append_row(sheet, [_("需关注"), flag])
    append_row(sheet, [_("文明办点评"), review["comment"]])
    sheet.column_dimensions["A"].width = 40
    months = workbook.create_sheet(_("各月通报"))
    append_row(
        months,
        [
            _("月份"),
            _("服务时长（小时）"),
            _("服务记录（条）"),
            _("活跃志愿者"),
            _("参加培训（人次）"),
            _("补录至以往月份（条）"),
            _("补录至以往月份（小时）"),
        ],
    )
    for m in review["months"]:
        append_row(
            months,
            [m["month"]]
            + (
                [_("未生成")]
                if m.get("missing")
                else [
                    m["service_hours"],
                    m["records"],
                    m["active_volunteers"],
                    m["training_attendances"],
                    m["late_records"],
                    m["late_hours"],
                ]
            ),
        )
    campaign_tables.add_xlsx_sheet(workbook, review["campaigns"])
    ranking = workbook.create_sheet(_("单位排名"))
    append_row(ranking, [_("排名"), _("成员单位"), _("服务时长（小时）")])
    for rank, row in zip(
        shared_ranks([r["hours"] for r in review["ranking"]]), review["ranking"], strict=True
    ):
        append_row(ranking, [rank, row["unit"], row["hours"]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def quarter_pdf_bytes(review: dict, name: str) -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    from app.services import pdf

    pdf.register_font()
    title = quarter_title(review, name)
    flow = [pdf.paragraph(title, "title"), pdf.paragraph(_("生成时间：%(t)s", t=stamp(now())), "small")]
    if not review["complete"]:
        flow.append(pdf.paragraph(_("本季度的月通报尚未全部生成，以下只汇总已生成的月份。"), "small"))
    flow += [
        Spacer(1, 4 * mm),
        pdf.table(
            [[_("指标"), _("数值")]]
            + [
                [label, number_text(value) if isinstance(value, float) else str(value)]
                for label, value in quarter_rows(review)
            ],
            col_widths=[80 * mm, 50 * mm],
        ),
        pdf.paragraph(
            _("培训目标为全年 %(n)s 次，按季度折算为四分之一", n=number_text(review["trainings_goal"] * 4)),
            "small",
        ),
    ]
    if review["flags"]:
        flow += [pdf.paragraph(_("需关注"), "heading")] + [
            pdf.paragraph("• " + flag) for flag in review["flags"]
        ]
    flow += [
        pdf.paragraph(_("各月通报"), "heading"),
        pdf.table(
            [[_("月份"), _("服务时长（小时）"), _("服务记录（条）"), _("补录至以往月份（条）")]]
            + [
                [m["month"]]
                + (
                    [_("未生成"), "", ""]
                    if m.get("missing")
                    else [hours_text(m["service_hours"]), str(m["records"]), str(m["late_records"])]
                )
                for m in review["months"]
            ]
        ),
    ]
    if review["ranking"]:
        flow += [
            pdf.paragraph(_("成员单位服务时长排名"), "heading"),
            pdf.table(
                [[_("排名"), _("成员单位"), _("服务时长（小时）")]]
                + [
                    [str(rank), r["unit"], hours_text(r["hours"])]
                    for rank, r in zip(
                        shared_ranks([r["hours"] for r in review["ranking"]]), review["ranking"], strict=True
                    )
                ]
            ),
        ]
    flow += campaign_tables.pdf_flow(review["campaigns"])
    flow += [pdf.paragraph(_("文明办点评"), "heading"), pdf.paragraph(review["comment"] or _("（暂无点评）"))]
    return pdf.build(flow, title=title, on_page=pdf.page_footer(title))


def xlsx_bytes(bulletin: Bulletin) -> bytes:
    """The bulletin's figures, the rows behind its hours, and the units' ranking."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("月通报")
    append_row(sheet, [title_of(bulletin)])
    append_row(sheet, [_("指标"), _("数值")])
    figures = figures_of(bulletin)
    for key, label in FIGURE_LABELS:
        if not shown(figures, key):
            continue
        append_row(sheet, [str(label), figures.get(key)])
        if key == "participation_rate":
            sheet.cell(row=sheet.max_row, column=2).number_format = "0.0%"
    for label, value in people.rows(figures):
        append_row(sheet, [label, value])
    for label, value in evidence.rows(figures):
        append_row(sheet, [label, value])
    append_row(sheet, [_("生成时间"), stamp(bulletin.generated_at)])
    sheet.column_dimensions["A"].width = 40
    months = workbook.create_sheet(_("近期服务时长"))
    append_row(months, [_("月份"), _("服务时长（小时）")])
    for point in figures["hours_by_month"]:
        append_row(months, [point["month"], point["hours"]])
    chart = BarChart()
    chart.title = _("近%(n)d个月服务时长", n=len(figures["hours_by_month"]))
    chart.add_data(
        Reference(months, min_col=2, min_row=1, max_row=len(figures["hours_by_month"]) + 1),
        titles_from_data=True,
    )
    chart.set_categories(Reference(months, min_col=1, min_row=2, max_row=len(figures["hours_by_month"]) + 1))
    months.add_chart(chart, "D2")
    people.add_xlsx_sheet(workbook, figures)
    evidence.add_xlsx_sheet(workbook, figures)
    campaign_tables.add_xlsx_sheet(workbook, figures.get("campaigns", []))
    ranking = workbook.create_sheet(_("单位排名"))
    append_row(ranking, [_("排名"), _("成员单位"), _("服务时长（小时）")])
    for rank, row in zip(
        shared_ranks([r["hours"] for r in figures["ranking"]]), figures["ranking"], strict=True
    ):
        append_row(ranking, [rank, row["unit"], row["hours"]])
    rows_sheet = workbook.create_sheet(_("志愿者时长明细"))
    append_row(rows_sheet, [_("志愿者编号"), _("姓名"), _("服务单位"), _("记录数"), _("服务时长（小时）")])
    for row in volunteer_rows(bulletin):
        append_row(rows_sheet, list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pdf_bytes(bulletin: Bulletin) -> bytes:
    """The bulletin as a PDF: figures, flags, charts of recent months and of the units' hours,
    top volunteers; Chinese in the embedded font."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    from app.services import pdf

    figures = figures_of(bulletin)
    flow = [
        pdf.paragraph(title_of(bulletin), "title"),
        pdf.paragraph(_("生成时间：%(t)s", t=stamp(bulletin.generated_at)), "small"),
        Spacer(1, 4 * mm),
        pdf.table(
            [[_("指标"), _("数值")]] + [list(r) for r in figure_rows(figures)], col_widths=[70 * mm, 60 * mm]
        ),
    ]
    if figures.get("flags"):
        flow += [pdf.paragraph(_("需关注"), "heading")] + [
            pdf.paragraph("• " + flag) for flag in flag_texts(figures)
        ]

    bar_chart = pdf.bar_chart

    months = figures["hours_by_month"]
    flow += [
        pdf.paragraph(_("服务时长趋势"), "heading"),
        bar_chart(
            _("近%(n)d个月服务时长（小时）", n=len(months)),
            [m["month"] for m in months],
            [m["hours"] for m in months],
        ),
    ]
    flow += people.pdf_flow(figures, bar_chart)
    flow += evidence.pdf_flow(figures)
    # bulletins made before campaigns were counted have none
    flow += campaign_tables.pdf_flow(figures.get("campaigns", []))
    ranking = figures["ranking"][:15]
    flow += [
        pdf.paragraph(_("成员单位服务时长排名"), "heading"),
        bar_chart(
            _("本月各单位服务时长（小时）"),
            [r["unit"] for r in reversed(ranking)],
            [r["hours"] for r in reversed(ranking)],
            horizontal=True,
        ),
    ]
    if figures["top_volunteers"]:
        flow += [
            pdf.paragraph(_("本月服务时长前十名"), "heading"),
            pdf.table(
                [[_("名次"), _("志愿者"), _("编号"), _("服务时长（小时）")]]
                + [
                    [str(rank), v["name"], v["volunteer_no"], hours_text(v["hours"])]
                    for rank, v in zip(
                        shared_ranks([v["hours"] for v in figures["top_volunteers"]]),
                        figures["top_volunteers"],
                        strict=True,
                    )
                ]
            ),
        ]
    return pdf.build(flow, title=title_of(bulletin), on_page=pdf.page_footer(title_of(bulletin)))
