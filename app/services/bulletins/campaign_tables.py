"""The themes' and campaigns' figures (主题 / 专项行动, computed by bulletins.campaigns) as the
files show them: a table in the PDF and a sheet in the XLSX of a month's bulletin (a unit's or
the city's) and of a half-year or annual review. The rows are the ones the pages show, taken
from the same snapshot; a scope without campaigns has no such section, like the other
optional sections of the files."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.services.report_format import hours_text
from app.services.spreadsheets import append_row

HEADER = (
    _l("主题或专项行动"),
    _l("类型"),
    _l("期间"),
    _l("活动（场）"),
    _l("参与志愿者（人）"),
    _l("服务时长（小时）"),
)


def kind_text(kind: str) -> str:
    return _("月度主题") if kind == "theme" else _("专项行动")


def period_text(row: dict) -> str:
    """The campaign's period; snapshots made before the period was kept say "—"."""
    if not row.get("starts_on"):
        return "—"
    return f"{row['starts_on']} – {row['ends_on']}"


def table(rows: list[dict]) -> list[list]:
    """[name, kind, period, activities, volunteers, hours] per campaign, numbers as numbers."""
    return [
        [r["campaign"], kind_text(r["kind"]), period_text(r), r["activities"], r["volunteers"], r["hours"]]
        for r in rows
    ]


def pdf_flow(rows: list[dict]) -> list:
    from reportlab.lib.units import mm

    from app.services import pdf

    if not rows:
        return []
    return [
        pdf.paragraph(_("主题与专项行动"), "heading"),
        pdf.table(
            [[str(h) for h in HEADER]]
            + [
                [name, kind, period, str(activities), str(volunteers), hours_text(hours)]
                for name, kind, period, activities, volunteers, hours in table(rows)
            ],
            col_widths=[44 * mm, 20 * mm, 42 * mm, 20 * mm, 24 * mm, 24 * mm],
        ),
    ]


def add_xlsx_sheet(workbook, rows: list[dict]) -> None:
    if not rows:
        return
    sheet = workbook.create_sheet(_("主题与专项行动"))
    append_row(sheet, [str(h) for h in HEADER])
    for row in table(rows):
        append_row(sheet, row)
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["C"].width = 26
