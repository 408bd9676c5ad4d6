"""Reports: hours without a needless .0, ranks that ties share, headings kept with their tables."""
import io
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader

from app.models import Bulletin
from app.services import pdf
from app.services.bulletins.exports import pdf_bytes
from app.services.bulletins.snapshots import generate_bulletins
from app.services.months import Month
from app.services.report_format import hours_text, rank_of, shared_ranks
from tests import factories as f


def test_hours_and_shared_ranks():
    assert (hours_text(60.0), hours_text(60.5), hours_text(1234.25), hours_text(0)) == ("60", "60.5", "1,234.25", "0")
    assert shared_ranks([60, 60, 50, 40, 40, 40, 10]) == [1, 1, 3, 4, 4, 4, 7]
    assert shared_ranks([]) == []
    assert rank_of(50, [60, 60, 50]) == 3 and rank_of(60, [60, 60, 50]) == 1


def test_a_heading_never_ends_a_page(app):
    with app.app_context():
        filler = [pdf.paragraph(f"第{i}行") for i in range(44)]  # nearly a full A4 page
        flow = filler + [pdf.paragraph("成员单位服务时长排名", "heading"),
                         pdf.table([["名次", "成员单位"]] + [[str(i), f"单位{i}"] for i in range(1, 8)])]
        pages = PdfReader(io.BytesIO(pdf.build(flow, title="t"))).pages
    first, second = pages[0].extract_text(), pages[1].extract_text()
    assert "成员单位服务时长排名" not in first and "成员单位服务时长排名" in second and "单位1" in second


def test_bulletin_pdf_prints_whole_hours_and_ties_share_a_rank(app, db):
    unit = f.unit("阳光社区")
    october = datetime(2026, 10, 20, 4, 0, tzinfo=UTC)
    for name, hours in (("张一", 60), ("王二", 60), ("李三", 50)):
        f.give_hours(f.volunteer(unit, name=name), hours, end=october - timedelta(days=len(name)))
    generate_bulletins(Month(2026, 10))
    db.session.commit()
    bulletin = db.session.scalar(db.select(Bulletin).where(Bulletin.unit_id == unit.id))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes(bulletin))).pages)
    top = text[text.index("本月服务时长前十名"):]
    assert "60.0" not in top and "50.0" not in top
    # each cell on its own line: rank, masked name, number, hours
    cells = top.splitlines()[5:17]
    assert [cells[i] for i in (0, 4, 8)] == ["1", "1", "3"], cells
    assert [cells[i] for i in (3, 7, 11)] == ["60", "60", "50"], cells
