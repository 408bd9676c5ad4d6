"""Short-lived card and coupon codes never appear in a URL the server receives (so no access
log, ours, gunicorn's or a proxy's, keeps them): their QRs carry the code after the #, the
merchant's pages post it. Printed posters keep their URLs."""
import base64
import io
from urllib.parse import urlsplit

import pytest
import zxingcpp
from flask import request, request_started
from PIL import Image

from app.models import Coupon
from app.services import posts
from app.services.incentives.merchants import create_merchant, create_merchant_account
from app.services.incentives.offers import OfferInput, create_offer
from tests import factories as f


def _qr_text(data_url: str) -> str:
    image = Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1])))
    return zxingcpp.read_barcodes(image)[0].text


@pytest.fixture
def seen_urls(app):
    """Every path and query string the app is asked for, as an access log would print them."""
    urls = []

    def record(sender, **extra):
        urls.append(request.full_path)

    request_started.connect(record, app)
    yield urls
    request_started.disconnect(record, app)


def test_coupon_and_card_qrs_keep_the_code_out_of_path_and_query_and_the_counter_works(client, db, seen_urls):
    admin = f.platform_admin("boss")
    merchant = create_merchant(name="街角咖啡", address="人民路1号", by=admin, approved=True)
    create_merchant_account(merchant, username="cafe", password=f.PASSWORD, name="陈店员", by=admin)
    offers = [create_offer(merchant, OfferInput(title=t, min_star=1), by=admin)
              for t in ("咖啡买一送一", "蛋糕八折")]
    db.session.commit()
    volunteer = f.volunteer(name="王小明")
    f.give_hours(volunteer, 120)
    f.login(client, volunteer.user)
    for offer in offers:
        f.post_form(client, f"/offers/{offer.id}/claim", {}, token_from="/coupons/")
    coupon, other = db.session.scalars(db.select(Coupon).order_by(Coupon.id)).all()
    coupon_qr = _qr_text(client.get(f"/coupons/{coupon.id}/code.json").json["image"])
    card_qr = _qr_text(client.get("/me/card/code.json").json["image"])
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/me/")})
    tokens = []
    for text, path in ((coupon_qr, "/q/"), (card_qr, "/c/")):
        parts = urlsplit(text)
        assert text.startswith("http://vs.test/")  # still an absolute URL a camera app opens
        assert parts.path == path and parts.query == "" and len(parts.fragment) > 20
        tokens.append(parts.fragment)

    # the merchant's phone opens the URLs: the browser sends only the part before the #
    f.login(client, "cafe")
    assert client.get("/q/").status_code == 200 and client.get("/c/").status_code == 200
    csrf = f.csrf_token(client, "/merchant/")
    shown = client.post("/merchant/code", data={"csrf_token": csrf, "code": coupon_qr})
    assert shown.status_code == 200 and "确认核销" in shown.get_data(as_text=True)
    done = client.post("/merchant/redeem", data={"csrf_token": csrf, "coupon_id": coupon.id, "code": coupon_qr})
    assert done.status_code == 302 and "核销成功" in client.get(done.headers["Location"]).get_data(as_text=True)
    card = client.post("/merchant/code", data={"csrf_token": csrf, "code": card_qr})
    assert "蛋糕八折" in card.get_data(as_text=True)
    done = client.post("/merchant/redeem", data={"csrf_token": csrf, "coupon_id": other.id, "code": card_qr})
    assert done.status_code == 302
    db.session.expire_all()
    assert {c.status for c in db.session.scalars(db.select(Coupon))} == {"redeemed"}

    assert any(u.startswith("/q/") for u in seen_urls) and any(u.startswith("/merchant/code") for u in seen_urls)
    assert not [u for u in seen_urls if any(t in u for t in tokens)]


def test_a_typed_code_is_posted_and_old_code_urls_are_gone(client, db):
    admin = f.platform_admin("boss")
    merchant = create_merchant(name="街角咖啡", address="人民路1号", by=admin, approved=True)
    create_merchant_account(merchant, username="cafe", password=f.PASSWORD, name="陈店员", by=admin)
    db.session.commit()
    f.login(client, "cafe")
    page = client.get("/merchant/").get_data(as_text=True)
    assert 'method="post"' in page and 'action="/merchant/code"' in page
    assert client.get("/q/some-token").status_code == 404
    assert client.get("/merchant/code").status_code == 405


def test_posters_keep_their_printed_urls(app, db):
    unit = f.unit()
    post = posts.create_post(unit.id, posts.PostInput(name="文化广场服务岗"), by=f.unit_admin(unit))
    db.session.commit()
    url = posts.scan_url(post)
    assert urlsplit(url).path.startswith("/s/") and "#" not in url
