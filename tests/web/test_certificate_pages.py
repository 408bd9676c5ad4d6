"""Certificates through the portal: issued by unit admins, checked by anyone."""
import io
import re

import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import select

from app.models import Certificate
from app.services import certificates
from tests import factories as f


@pytest.fixture
def people(db):
    unit_a, unit_b = f.unit("甲街道"), f.unit("乙街道")
    volunteer = f.volunteer(unit_a, name="欧阳春花")
    f.give_hours(volunteer, 101)
    return {"unit_a": unit_a, "admin_a": f.unit_admin(unit_a), "admin_b": f.unit_admin(unit_b),
            "volunteer": volunteer, "other": f.volunteer(unit_a, name="钱七")}


def issue_form(client, volunteer_no, **dates):
    return f.post_form(client, "/certificates/", dict(volunteer_no=volunteer_no, **dates))


def test_unit_admin_issues_and_downloads_a_certificate(client, people, db):
    f.login(client, people["admin_a"])
    response = issue_form(client, people["volunteer"].volunteer_no)
    assert response.status_code == 302
    cert = db.session.scalar(select(Certificate))
    assert cert.volunteer_id == people["volunteer"].id and cert.total_seconds == 101 * 3600
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert cert.cert_no in page and "欧阳春花" in page

    pdf = client.get(f"/certificates/{cert.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    text = reader.pages[0].extract_text()
    assert "欧阳春花" in text and cert.cert_no in text and "甲街道" in text and "1星" in text
    qr_texts = [r.text for page in reader.pages for image in page.images
                for r in zxingcpp.read_barcodes(image.image)]
    assert qr_texts == [f"http://vs.test/certificates/check/{cert.verify_token}"]

    # The QR leads to the public check page, which needs no login and shows no personal data.
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/certificates/")})
    check = client.get(qr_texts[0].removeprefix("http://vs.test"))
    html = check.get_data(as_text=True)
    assert check.status_code == 200 and "真实有效" in html
    assert cert.cert_no in html and "欧**花" in html and "101" in html and "甲街道" in html
    volunteer = people["volunteer"]
    for secret in ("欧阳春花", volunteer.volunteer_no, volunteer.id_number_masked, volunteer.phone):
        assert secret not in html


def test_issue_with_a_date_range(client, people, db):
    f.login(client, people["admin_a"])
    response = issue_form(client, people["volunteer"].volunteer_no, date_from="2000-01-01", date_to="2000-12-31")
    assert response.status_code == 302
    cert = db.session.scalar(select(Certificate))
    assert cert.total_seconds == 0 and cert.records == [] and str(cert.date_from) == "2000-01-01"
    text = PdfReader(io.BytesIO(client.get(f"/certificates/{cert.id}.pdf").data)).pages[0].extract_text()
    assert "该期间内没有已审核通过的服务记录" in text

    bad = issue_form(client, people["volunteer"].volunteer_no, date_from="2001-01-01", date_to="2000-12-31")
    assert bad.status_code == 200 and "结束日期不能早于开始日期" in bad.get_data(as_text=True)
    unknown = issue_form(client, "ZY0000000000")
    assert unknown.status_code == 200 and "未找到该编号的志愿者" in unknown.get_data(as_text=True)


def test_unit_admin_cannot_certify_or_read_another_units_volunteers(client, people, db):
    cert = certificates.issue(people["volunteer"], by=people["admin_a"])
    db.session.commit()
    f.login(client, people["admin_b"])
    response = issue_form(client, people["volunteer"].volunteer_no)
    assert response.status_code == 200 and "您只能管理本单位的数据" in response.get_data(as_text=True)
    assert db.session.scalar(select(Certificate).where(Certificate.id != cert.id)) is None
    assert client.get(f"/certificates/{cert.id}.pdf").status_code == 403
    assert cert.cert_no not in client.get("/certificates/").get_data(as_text=True)


def test_a_volunteer_cannot_fetch_anothers_certificate(client, people, db):
    cert = certificates.issue(people["volunteer"], by=people["admin_a"])
    db.session.commit()
    f.login(client, people["other"].user)
    assert client.get(f"/certificates/{cert.id}.pdf").status_code == 403
    assert client.get("/certificates/").status_code == 403
    own = f.post_form(client, "/me/certificate", {}, token_from="/me/", follow_redirects=True)
    assert own.status_code == 200
    assert "钱七" in PdfReader(io.BytesIO(own.data)).pages[0].extract_text()
    assert "欧阳春花" not in PdfReader(io.BytesIO(own.data)).pages[0].extract_text()

    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/me/")})
    f.login(client, people["volunteer"].user)
    assert client.get(f"/certificates/{cert.id}.pdf").status_code == 200
    assert client.get("/certificates/99999.pdf").status_code == 404


def test_check_page_for_an_unknown_token(client, db):
    response = client.get("/certificates/check/forged-token")
    assert response.status_code == 404 and "未找到该证明" in response.get_data(as_text=True)


def test_issue_page_prefills_from_a_volunteer(client, people):
    f.login(client, people["admin_a"])
    html = client.get(f"/certificates/?volunteer_id={people['volunteer'].id}").get_data(as_text=True)
    assert re.search(rf'value="{people["volunteer"].volunteer_no}"', html)
