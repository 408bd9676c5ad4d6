"""The volunteer's phone pages, the card code, and the star figures in the API."""
import base64
import io
import re
from datetime import timedelta

import zxingcpp
from PIL import Image
from pypdf import PdfReader

from app.services import ledger, volunteer_home
from app.services.clock import now
from tests import factories as f


def test_home_shows_new_stars_hours_and_progress(client, db):
    volunteer = f.volunteer(name="陈晓")
    f.give_hours(volunteer, 99.99)
    f.login(client, volunteer.user)
    html = client.get("/me/").get_data(as_text=True)
    assert "99.99" in html and 'aria-label="暂无星级"' in html
    assert "恭喜" not in html

    f.give_hours(volunteer, 0.01)
    html = client.get("/me/").get_data(as_text=True)
    assert "恭喜！您已成为1星志愿者。" in html
    assert 'aria-label="1星志愿者"' in html
    assert re.search(r'id="total-hours">100 ', html)
    assert "距2星还差 200 小时" in html
    assert 'aria-valuenow="0"' in html
    assert "chart.umd.min.js" in html and "data-values=" in html

    f.give_hours(volunteer, 200)
    html = client.get("/me/").get_data(as_text=True)
    assert "恭喜！您已成为2星志愿者。" in html and "距3星还差 300 小时" in html

    response = f.post_form(client, "/me/stars/seen", {}, token_from="/me/")
    assert response.status_code == 302
    assert "恭喜" not in client.get("/me/").get_data(as_text=True)


def test_home_lists_recent_records_with_status_and_month_figures(client, db):
    volunteer = f.volunteer()
    end = now() - timedelta(minutes=5)
    ledger.create_record(volunteer, started_at=end - timedelta(hours=1), ended_at=end, by=None, status="pending")
    db.session.commit()
    f.login(client, volunteer.user)
    html = client.get("/me/").get_data(as_text=True)
    assert "待审核" in html and "补录" in html
    assert re.search(r'id="month-hours">0<', html)  # pending hours do not count
    assert volunteer_home.home(volunteer).month_hours == 0


def test_records_page_lists_own_records_only(client, db):
    unit = f.unit()
    volunteer, other = f.volunteer(unit), f.volunteer(unit)
    record = f.give_hours(volunteer, 2)
    ledger.reject(record, by=None, reason="地点不符")
    f.give_hours(other, 7.5)
    db.session.commit()
    f.login(client, volunteer.user)
    html = client.get("/me/records").get_data(as_text=True)
    assert "未通过原因：地点不符" in html and "7.5" not in html


def test_volunteer_pages_are_for_volunteers(client, db):
    admin = f.unit_admin()
    assert client.get("/me/").status_code == 302
    f.login(client, admin)
    for path in ("/me/", "/me/card", "/me/card/code.json", "/me/records", "/me/certificate.pdf"):
        assert client.get(path).status_code == 403, path


def test_card_page_shows_a_qr_of_a_fresh_signed_code(client, db, app):
    volunteer = f.volunteer()
    f.login(client, volunteer.user)
    html = client.get("/me/card").get_data(as_text=True)
    image = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(image))))
    assert len(decoded) == 1 and decoded[0].text.startswith("http://vs.test/c/")
    assert volunteer_home.volunteer_for_card(decoded[0].text).id == volunteer.id
    assert volunteer.name not in html.split("card-qr")[1][:2000]

    data = client.get("/me/card/code.json").json
    assert volunteer_home.volunteer_for_card(data["code"]).id == volunteer.id
    assert 0 < data["refresh_in"] < app.config["CARD_CODE_SECONDS"]
    image = Image.open(io.BytesIO(base64.b64decode(data["image"].split(",", 1)[1])))
    assert zxingcpp.read_barcodes(image)[0].text == data["code"]


def test_api_card_code_and_star_figures(client, db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    volunteer = f.volunteer(unit)
    f.give_hours(volunteer, 150.5)
    headers = f.api_token(client, volunteer.user.username)

    card = client.get("/api/v1/me/card", headers=headers)
    assert card.status_code == 200
    assert volunteer_home.volunteer_for_card(card.json["code"]).id == volunteer.id
    assert card.json["expires_at"].endswith("+08:00")

    me = client.get("/api/v1/me", headers=headers).json
    assert (me["star_level"], me["hours"], me["next_star_at_hours"]) == (1, 150.5, 300)

    admin_headers = f.api_token(client, admin.username)
    assert client.get("/api/v1/me/card", headers=admin_headers).status_code == 403
    got = client.get(f"/api/v1/volunteers/{volunteer.id}", headers=admin_headers).json
    assert (got["star_level"], got["hours"], got["next_star_at_hours"]) == (1, 150.5, 300)

    f.give_hours(volunteer, 1349.5)
    me = client.get("/api/v1/me", headers=headers).json
    assert (me["star_level"], me["hours"], me["next_star_at_hours"]) == (5, 1500, None)

    other_admin = f.unit_admin(f.unit())
    assert client.get(f"/api/v1/volunteers/{volunteer.id}",
                      headers=f.api_token(client, other_admin.username)).status_code == 404  # another unit's volunteer reads as missing
    spec = client.get("/api/v1/openapi.json").json
    assert spec["paths"]["/api/v1/me/card"]["get"]["operationId"] == "getCardCode"


def test_volunteer_downloads_own_certificate(client, db):
    volunteer = f.volunteer(name="林一")
    f.give_hours(volunteer, 12)
    f.login(client, volunteer.user)
    assert client.get("/me/certificate.pdf").status_code == 404  # none issued yet: reading issues none
    response = f.post_form(client, "/me/certificate", {}, token_from="/me/", follow_redirects=True)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "林一" in text and "12.00" in text
    cert_no = re.search(r"VS\d{4}-\d{6}", text).group(0)
    again = PdfReader(io.BytesIO(client.get("/me/certificate.pdf").data)).pages[0].extract_text()
    assert cert_no in again  # nothing changed: the same certificate

    today = now().date().isoformat()
    narrowed = f.post_form(client, "/me/certificate", {"from": "2000-01-01", "to": today}, token_from="/me/",
                           follow_redirects=True)
    assert narrowed.status_code == 200 and narrowed.mimetype == "application/pdf"
    assert client.get("/me/certificate.pdf?from=2025-02-30").status_code == 422
    assert client.get("/me/certificate.pdf?from=2025-03-01&to=2025-01-01").status_code == 422


def test_home_runs_a_fixed_number_of_queries(client, db, count_queries):
    from app.models import Activity, ActivitySignup
    unit = f.unit()
    volunteer = f.volunteer(unit)
    f.give_hours(volunteer, 3)
    f.login(client, volunteer.user)
    client.get("/me/")
    db.session.commit()
    with count_queries() as few:
        assert client.get("/me/").status_code == 200
    f.give_hours(volunteer, 400)  # many records, several star events
    for day in range(1, 8):
        activity = Activity(unit_id=unit.id, title=f"活动{day}", starts_at=now() + timedelta(days=day),
                            ends_at=now() + timedelta(days=day, hours=2))
        db.session.add(activity)
        db.session.flush()
        if day % 2:
            db.session.add(ActivitySignup(activity_id=activity.id, volunteer_id=volunteer.id))
    db.session.commit()
    with count_queries() as many:
        html = client.get("/me/").get_data(as_text=True)
    assert "活动1" in html and "已报名" in html
    assert many["n"] == few["n"]
