"""Requests that change nothing must not write: every GET route, opened by every role with
real ids (demo data, a certificate, a coupon, live QR codes), leaves every table's row count
as it was."""
import re

import pytest
from sqlalchemy import func, select

from app import demo
from app.models import (
    Bulletin,
    Coupon,
    Merchant,
    Offer,
    Post,
    ServiceRecord,
    User,
    Volunteer,
)
from app.services import certificates, posts, volunteer_home
from app.services.incentives.coupons import claim_coupon, coupon_code
from tests import factories as f


def _first_id(db, model, *where):
    return db.session.scalar(select(model.id).where(*where).order_by(model.id).limit(1))


def _row_counts(db) -> dict[str, int]:
    return {table.name: db.session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in db.metadata.sorted_tables}


def _url(rule, values: dict) -> str:
    def fill(match):
        converter, name = match.group(1) or "", match.group(2)
        if name in values:
            return str(values[name])
        return "1" if converter.startswith("int") else "not-a-real-token"
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", fill, rule.rule)


@pytest.mark.parametrize("role", ["platform_admin", "unit_admin", "merchant", "volunteer"])
def test_no_get_route_writes_a_row(app, client, db, role):
    from app.services.bulletins.snapshots import generate_bulletins
    demo.load()
    generate_bulletins()
    db.session.commit()
    volunteer = db.session.scalar(select(Volunteer).join(User).where(User.username == "13800000001"))
    # a certificate of a period exists; none of the whole record yet (a GET used to mint one)
    cert = certificates.issue(volunteer, by=volunteer.user, date_from="2000-01-01")
    offer = db.session.scalar(select(Offer).order_by(Offer.id).limit(1))
    coupon = db.session.scalar(select(Coupon).where(Coupon.volunteer_id == volunteer.id).limit(1)) or \
        claim_coupon(volunteer, offer)
    db.session.commit()
    post = db.session.get(Post, _first_id(db, Post, Post.unit_id == volunteer.unit_id))
    values = {
        "unit_id": volunteer.unit_id, "volunteer_id": volunteer.id, "post_id": post.id,
        "record_id": _first_id(db, ServiceRecord, ServiceRecord.volunteer_id == volunteer.id),
        "cert_id": cert.id, "coupon_id": coupon.id, "offer_id": coupon.offer_id,
        "merchant_id": _first_id(db, Merchant), "bulletin_id": _first_id(db, Bulletin, Bulletin.unit_id.isnot(None)),
        "user_id": _first_id(db, User, User.role == "unit_admin", User.unit_id == volunteer.unit_id),
        "fmt": "csv", "code": "en", "filename": "css/app.css",
    }
    tokens = {
        "certificates.check": cert.verify_token,
        "scan.post_code": posts.scan_url(post).rsplit("/", 1)[-1],
        "merchant.card_code": volunteer_home.card_code(volunteer)[0].rsplit("/", 1)[-1],
        "merchant.coupon_code": coupon_code(coupon)[0].rsplit("/", 1)[-1],
    }
    username, password = next((u, p) for r, u, p in demo.LOGINS if r == role)
    f.login(client, username, password)
    headers = f.api_token(client, username, password)
    before = _row_counts(db)
    opened = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        url = _url(rule, dict(values, token=tokens.get(rule.endpoint, "not-a-real-token")))
        response = client.get(url, headers=headers if rule.rule.startswith("/api/") else {})
        assert response.status_code < 500, url
        opened.append((url, response.status_code))
        db.session.rollback()
    db.session.expire_all()
    assert len(opened) > 60
    after = _row_counts(db)
    assert {t: (before[t], after[t]) for t in before if before[t] != after[t]} == {}
    # the sweep really reached the pages that used to write
    if role == "volunteer":
        assert ("/me/certificate.pdf", 404) in opened
