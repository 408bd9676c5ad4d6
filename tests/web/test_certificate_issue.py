"""Issuing a certificate is a POST (CSRF on the page, issueCertificate in the API); reading
one with GET changes nothing."""
from sqlalchemy import func, select

from app.models import AuditEntry, Certificate
from tests import factories as f


def _counts(db):
    return (db.session.scalar(select(func.count(Certificate.id))),
            db.session.scalar(select(func.count(AuditEntry.id))))


def test_get_of_the_certificate_pdf_writes_nothing_and_offers_to_issue(client, db):
    volunteer = f.volunteer()
    f.give_hours(volunteer, 5)
    f.login(client, volunteer.user)
    before = _counts(db)
    for _ in range(5):
        response = client.get("/me/certificate.pdf")
        assert response.status_code == 404
    assert 'action="/me/certificate"' in response.get_data(as_text=True)
    assert _counts(db) == before


def test_issuing_on_the_page_needs_csrf_and_a_second_issue_is_the_same_certificate(client, db):
    volunteer = f.volunteer()
    f.give_hours(volunteer, 5)
    f.login(client, volunteer.user)
    assert client.post("/me/certificate").status_code == 400  # no CSRF token
    assert _counts(db)[0] == 0
    home = client.get("/me/").get_data(as_text=True)
    assert 'action="/me/certificate"' in home and 'method="post"' in home
    first = f.post_form(client, "/me/certificate", {}, token_from="/me/")
    assert first.status_code == 303 and first.headers["Location"].endswith("/me/certificate.pdf")
    f.post_form(client, "/me/certificate", {}, token_from="/me/")
    assert _counts(db)[0] == 1
    before = _counts(db)
    for _ in range(3):
        assert client.get("/me/certificate.pdf").mimetype == "application/pdf"
    assert _counts(db) == before


def test_issue_certificate_in_the_api(client, db):
    unit = f.unit()
    volunteer = f.volunteer(unit)
    f.give_hours(volunteer, 5)
    mine = f.api_token(client, volunteer.user.username)
    first = client.post("/api/v1/certificates", json={}, headers=mine)
    assert first.status_code == 201, first.json
    assert first.json["hours"] == 5.0 and first.json["volunteer_id"] == volunteer.id
    again = client.post("/api/v1/certificates", json={}, headers=mine)
    assert again.status_code == 200 and again.json == first.json  # unchanged, not a new one
    ranged = client.post("/api/v1/certificates", json={"date_from": "2000-01-01"}, headers=mine)
    assert ranged.status_code == 201 and ranged.json["id"] != first.json["id"]
    bad = client.post("/api/v1/certificates", json={"date_from": "2025-02-30"}, headers=mine)
    assert bad.status_code == 422 and "date_from" in bad.json["error"]["fields"]

    other = f.volunteer(unit)
    assert client.post("/api/v1/certificates", json={"volunteer_id": other.id},
                       headers=mine).status_code == 404  # not for someone else

    admin = f.api_token(client, f.unit_admin(unit).username)
    made = client.post("/api/v1/certificates", json={"volunteer_id": other.id}, headers=admin)
    assert made.status_code == 201 and made.json["volunteer_id"] == other.id
    stranger = f.api_token(client, f.unit_admin(f.unit()).username)
    foreign = client.post("/api/v1/certificates", json={"volunteer_id": other.id}, headers=stranger)
    missing = client.post("/api/v1/certificates", json={"volunteer_id": 999999}, headers=stranger)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json == missing.json
    merchant = f.api_token(client, f.merchant_user().username)
    assert client.post("/api/v1/certificates", json={}, headers=merchant).status_code == 403
