"""PDF building blocks shared by certificates, bulletins and posters: the embedded CJK font
(so Chinese renders on a machine with no Chinese fonts), paragraph styles, tables and QR
images. Pure helpers: values in, bytes out."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Table, TableStyle

FONT_NAME = "WenQuanYiMicroHei"
FONT_PATH = Path(__file__).resolve().parent.parent / "fonts" / "wqy-microhei.ttc"


@lru_cache(maxsize=1)
def register_font() -> str:
    """Register the bundled CJK font once per process; returns its reportlab name.
    The font is embedded (subset) in every PDF that uses it."""
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH), subfontIndex=0))
    return FONT_NAME


def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles in the CJK font, with CJK line breaking."""
    font = register_font()
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    return {
        "body": base,
        "small": ParagraphStyle(
            "small", parent=base, fontSize=8.5, leading=12, textColor=colors.HexColor("#444444")
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=6 * mm
        ),
        # a heading never ends a page: it keeps with the table or chart it introduces
        "heading": ParagraphStyle(
            "heading",
            parent=base,
            fontSize=13,
            leading=18,
            spaceBefore=4 * mm,
            spaceAfter=2 * mm,
            keepWithNext=1,
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=13),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
    }


def paragraph(text: str, style: str = "body") -> Paragraph:
    """A paragraph of plain text (escaped: names typed by users are never markup)."""
    from xml.sax.saxutils import escape

    return Paragraph(escape(str(text)).replace("\n", "<br/>"), styles()[style])


def table(
    rows: list[list], col_widths: list[float] | None = None, header: bool = True, repeat_header: bool = True
) -> Table:
    """A grid table in the CJK font; string cells become wrapping paragraphs."""
    cell = styles()["cell"]
    from xml.sax.saxutils import escape

    data = [[Paragraph(escape(str(c)), cell) if isinstance(c, str) else c for c in row] for row in rows]
    result = Table(data, colWidths=col_widths, repeatRows=1 if header and repeat_header else 0)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), register_font()),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    result.setStyle(TableStyle(style))
    return result


def qr_image(text: str, size: float = 30 * mm) -> Image:
    """A QR code of text as a flowable image (lossless PNG, so it stays scannable)."""
    from app.services import qr

    return Image(io.BytesIO(qr.png(text, box_size=8, border=4)), width=size, height=size)


def build(
    flowables: list,
    *,
    title: str,
    author: str = "志愿星",
    pagesize=A4,
    margins: float = 18 * mm,
    on_page=None,
) -> bytes:
    """Lay out flowables into a PDF and return its bytes."""
    register_font()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        title=title,
        author=author,
        leftMargin=margins,
        rightMargin=margins,
        topMargin=margins,
        bottomMargin=margins,
    )
    kwargs = {"onFirstPage": on_page, "onLaterPages": on_page} if on_page else {}
    doc.build(flowables, **kwargs)
    return buffer.getvalue()


def page_footer(text: str):
    """An on_page callback that prints text and the page number at the bottom of each page."""

    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont(register_font(), 8)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(doc.leftMargin, 10 * mm, text)
        canvas.drawRightString(doc.pagesize[0] - doc.rightMargin, 10 * mm, str(canvas.getPageNumber()))
        canvas.restoreState()

    return draw


def bar_chart(title: str, labels: list[str], values: list[float], horizontal: bool = False):
    """A titled bar chart in the CJK font (horizontal for rankings), as a flowable drawing."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String

    font = register_font()
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
