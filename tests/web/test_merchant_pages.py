"""Merchant portal, coupon pages and the incentives API, end to end through HTTP."""
import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest
import zxingcpp
from PIL import Image

from app.extensions import db as _db
from app.models import Coupon, Merchant
from app.services import qr
from app.services.clock import local, now
from app.services.incentives.counter import redeem
from app.services.incentives.coupons import claim_coupon, coupon_code
from app.services.incentives.merchants import create_merchant, create_merchant_account, set_logo
from app.services.incentives.offers import OfferInput, create_offer, merchant_offers
from tests import factories as f


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(out, "PNG")
    return out.getvalue()


PNG = _png()


@pytest.fixture
def scene(db):
    admin = f.platform_admin("boss")
    merchant = create_merchant(name="志愿者之家便利店", address="人民路1号", by=admin, approved=True)
    shop_user = create_merchant_account(merchant, username="shopkeeper", password=f.PASSWORD,
                                                   name="店长", by=admin)
    offers = {star: create_offer(merchant, OfferInput(title=f"{star}星礼遇", min_star=star),
                                            by=admin) for star in (1, 2, 3)}
    db.session.commit()
    volunteer = f.volunteer(name="王小明")
    f.give_hours(volunteer, 300)  # 2★
    return {"admin": admin, "merchant": merchant, "shop": shop_user, "offers": offers, "volunteer": volunteer}


def login_volunteer(client, volunteer):
    f.login(client, volunteer.user)


def test_two_star_volunteer_claims_and_merchant_redeems_once_on_a_phone(client, scene):
    volunteer, offers = scene["volunteer"], scene["offers"]
    login_volunteer(client, volunteer)
    page = client.get("/coupons/").get_data(as_text=True)
    assert "2星礼遇" in page and "1星礼遇" in page
    assert "需要3星，还需服务 300 小时" in page  # the 3★ offer says what is missing
    response = f.post_form(client, f"/offers/{offers[2].id}/claim", {}, token_from="/coupons/")
    assert response.status_code == 302
    coupon = _db.session.scalar(_db.select(Coupon))
    assert response.headers["Location"].endswith(f"/coupons/{coupon.id}")
    assert client.get(f"/coupons/{coupon.id}").status_code == 200
    data = client.get(f"/coupons/{coupon.id}/code.json").json
    assert data["status"] == "issued" and data["code"].startswith("http://vs.test/q/")
    # the QR image decodes to the code
    import base64
    image = Image.open(io.BytesIO(base64.b64decode(data["image"].split(",", 1)[1])))
    assert zxingcpp.read_barcodes(image)[0].text == data["code"]
    below = f.post_form(client, f"/offers/{offers[3].id}/claim", {}, token_from="/coupons/")
    assert "还需服务300小时" in client.get(below.headers["Location"]).get_data(as_text=True)

    code = data["code"]
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/coupons/")})
    # the QR opens /q/ with the code after the #, which the browser never sends
    assert code.startswith("http://vs.test/q/#")
    # someone not logged in gets a login prompt, nothing changes
    anonymous = client.get("/q/").get_data(as_text=True)
    assert "商家登录" in anonymous and "王小明" not in anonymous and "counter-code.js" in anonymous
    f.login(client, scene["shop"])
    opener = client.get("/q/").get_data(as_text=True)
    assert 'id="code-form"' in opener and "counter-code.js" in opener
    token = f.csrf_token(client, "/merchant/")
    shown = client.post("/merchant/code", data={"csrf_token": token, "code": code})
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "王*明" in page and "王小明" not in page and "2星礼遇" in page and "确认核销" in page
    first = client.post("/merchant/redeem", data={"csrf_token": token, "coupon_id": coupon.id, "code": code})
    assert first.status_code == 302
    assert "核销成功" in client.get(first.headers["Location"]).get_data(as_text=True)
    second = client.post("/merchant/redeem", data={"csrf_token": token, "coupon_id": coupon.id, "code": code})
    assert second.status_code == 409
    text = second.get_data(as_text=True)
    assert "不能重复使用" in text and "志愿者之家便利店" in text
    assert local(_db.session.get(Coupon, coupon.id).redeemed_at).strftime("%Y-%m-%d %H:%M") in text
    assert "确认核销" not in text


def test_card_code_shows_level_and_redeems_a_coupon_of_this_shop(client, scene):
    coupon = claim_coupon(scene["volunteer"], scene["offers"][1])
    _db.session.commit()
    card, _exp = qr.make_url("card", {"v": scene["volunteer"].id})
    f.login(client, scene["shop"])
    token = f.csrf_token(client, "/merchant/")
    typed = client.post("/merchant/code", data={"csrf_token": token, "code": card})  # a scanner types it
    page = typed.get_data(as_text=True)
    assert typed.status_code == 200 and "王*明" in page and "1星礼遇" in page and "确认核销" in page
    done = client.post("/merchant/redeem", data={"csrf_token": token, "coupon_id": coupon.id, "code": card})
    assert done.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Coupon, coupon.id).status == "redeemed"


def test_counter_hides_offers_sold_out_or_used_up_by_the_volunteer(client, scene):
    volunteer, offers = scene["volunteer"], scene["offers"]
    claim_coupon(volunteer, offers[1])  # its limit of one per month is used
    limited = create_offer(scene["merchant"], OfferInput(
        title="限量礼遇", min_star=1, quantity=1), by=scene["admin"])
    rich = f.volunteer(name="钱多")
    f.give_hours(rich, 120)
    claim_coupon(rich, limited)  # sold out by someone else
    _db.session.commit()
    card, _exp = qr.make_url("card", {"v": volunteer.id})
    f.login(client, scene["shop"])
    token = f.csrf_token(client, "/merchant/")
    page = client.post("/merchant/code", data={"csrf_token": token, "code": card.split("#", 1)[1]}
                       ).get_data(as_text=True)
    listed = page.split("该志愿者符合的本店优惠", 1)[1].split("</ul>", 1)[0]
    assert "2星礼遇" in listed
    assert "1星礼遇" not in listed and "限量礼遇" not in listed and "3星礼遇" not in listed


def test_other_merchant_and_expired_codes_are_refused_on_the_page(client, app, scene):
    coupon = claim_coupon(scene["volunteer"], scene["offers"][1])
    other = create_merchant(name="隔壁面包店", by=scene["admin"], approved=True)
    create_merchant_account(other, username="baker", password=f.PASSWORD, name="面包师",
                                       by=scene["admin"])
    _db.session.commit()
    code, _exp = coupon_code(coupon)
    f.login(client, "baker")
    token = f.csrf_token(client, "/merchant/")
    page = client.post("/merchant/code", data={"csrf_token": token, "code": code}).get_data(as_text=True)
    assert "不是本店的优惠券" in page and "确认核销" not in page
    refused = client.post("/merchant/redeem", data={"csrf_token": token, "coupon_id": coupon.id, "code": code})
    assert refused.status_code == 403
    app.config["COUPON_CODE_SECONDS"] = -1
    expired = client.post("/merchant/code", data={"csrf_token": token, "code": code})
    assert expired.status_code == 400 and "已过期" in expired.get_data(as_text=True)
    assert _db.session.get(Coupon, coupon.id).status == "issued"


def test_pages_by_role(client, scene):
    for path in ["/merchant/", "/merchant/offers", "/merchant/dashboard", "/admin/merchants/", "/coupons/"]:
        assert client.get(path).status_code == 302
    assert client.get("/merchants").status_code == 200
    login_volunteer(client, scene["volunteer"])
    assert client.get("/merchant/").status_code == 403
    assert client.get("/admin/merchants/").status_code == 403
    code, _exp = qr.make_url("coupon", {"c": 1})
    assert client.get(code.replace("http://vs.test", "")).status_code == 403


def test_public_page_lists_offers_by_star_level(client, scene):
    set_logo(scene["merchant"], PNG, by=None)
    pending = create_merchant(name="未审核的店", by=None, approved=False)
    create_offer(pending, OfferInput(title="看不见的优惠"), by=None)
    _db.session.commit()
    page = client.get("/merchants").get_data(as_text=True)
    assert page.index("1星礼遇") < page.index("2星礼遇") < page.index("3星礼遇")
    assert "志愿者之家便利店" in page and "看不见的优惠" not in page
    logo = client.get(f"/merchants/{scene['merchant'].id}/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(logo.data)).size == (40, 20)


def test_admin_registers_approves_and_publishes_for_a_merchant(client, scene):
    f.login(client, scene["admin"])
    response = f.post_form(client, "/admin/merchants/", {"name": "阳光书店", "category": "零售", "address": "书香路8号"})
    assert response.status_code == 302
    merchant = _db.session.scalar(_db.select(Merchant).where(Merchant.name == "阳光书店"))
    detail = response.headers["Location"]
    assert merchant.status == "pending"
    f.post_form(client, f"{detail}/status", {"status": "approved"}, token_from=detail)
    f.post_form(client, f"{detail}/accounts", {"a-name": "店员", "a-username": "bookshop",
                                                "a-password": "bookshop-1"}, token_from=detail)
    bad = f.post_form(client, f"{detail}/logo", {"l-logo": (io.BytesIO(b"GIF89a..."), "x.png")},
                      token_from=detail, content_type="multipart/form-data")
    assert bad.status_code == 422 and "不是照片" in bad.get_data(as_text=True)
    good = f.post_form(client, f"{detail}/logo", {"l-logo": (io.BytesIO(PNG), "logo.png")},
                       token_from=detail, content_type="multipart/form-data")
    assert good.status_code == 302
    made = f.post_form(client, f"{detail}/offers", {"o-title": "购书九折", "o-min_star": "2", "o-quantity": "50",
                                                    "o-per_volunteer_limit": "1", "o-limit_period": "month",
                                                    "o-is_active": "y"}, token_from=detail)
    assert made.status_code == 302
    _db.session.expire_all()
    merchant = _db.session.get(Merchant, merchant.id)
    assert merchant.status == "approved" and Image.open(io.BytesIO(merchant.logo)).format == "JPEG"
    offer = merchant_offers(merchant.id)[0]
    assert (offer.title, offer.min_star, offer.quantity) == ("购书九折", 2, 50)
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/admin/merchants/")})
    f.login(client, "bookshop", "bookshop-1")
    assert "购书九折" in client.get("/merchant/offers").get_data(as_text=True)


def test_merchant_publishes_and_edits_own_offers_only(client, scene):
    f.login(client, scene["shop"])
    response = f.post_form(client, "/merchant/offers", {"title": "满50减10", "min_star": "1",
                                                         "per_volunteer_limit": "2", "limit_period": "total",
                                                         "is_active": "y"})
    assert response.status_code == 302
    offer = next(o for o in merchant_offers(scene["merchant"].id) if o.title == "满50减10")
    assert offer.per_volunteer_limit == 2 and offer.limit_period == "total"
    other = create_merchant(name="别家", by=None, approved=True)
    foreign = create_offer(other, OfferInput(title="别家的"), by=None)
    _db.session.commit()
    assert client.get(f"/merchant/offers/{foreign.id}").status_code == 403
    edit = f.post_form(client, f"/merchant/offers/{offer.id}", {"title": "满50减15", "min_star": "2",
                                                                 "per_volunteer_limit": "", "limit_period": "month"})
    assert edit.status_code == 302
    _db.session.refresh(offer)
    assert offer.title == "满50减15" and not offer.is_active and offer.per_volunteer_limit is None


def test_dashboard_figures_and_exports(client, scene):
    volunteer, merchant, shop = scene["volunteer"], scene["merchant"], scene["shop"]
    scene["offers"][1].per_volunteer_limit = None
    first = claim_coupon(volunteer, scene["offers"][1], at=now() - timedelta(days=5))
    second = claim_coupon(volunteer, scene["offers"][2])
    third = claim_coupon(volunteer, scene["offers"][1])
    _db.session.commit()
    redeem(first.id, merchant, by=shop, at=now() - timedelta(days=3))
    redeem(second.id, merchant, by=shop)
    redeem(third.id, merchant, by=shop)
    _db.session.commit()
    f.login(client, shop)
    page = client.get("/merchant/dashboard?days=7").get_data(as_text=True)
    assert re.search(r'id="redeemed-total">3<', page) and "chart.umd.min.js" in page
    today = local(now()).date().isoformat()
    exported = client.get("/merchant/dashboard.csv?days=7")
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert [today, "2"] in rows
    assert ["志愿者之家便利店", "1星礼遇", "1", "2"] in rows
    book = openpyxl.load_workbook(io.BytesIO(client.get("/merchant/dashboard.xlsx?days=7").data))
    by_day = {r[0]: r[1] for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert by_day[today] == 2 and sum(by_day.values()) == 3 and len(by_day) == 7
    offers = [r for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert ("志愿者之家便利店", "2星礼遇", 2, 1) in offers
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/merchant/")})
    f.login(client, scene["admin"])
    assert "志愿者之家便利店" in client.get("/admin/merchants/").get_data(as_text=True)
    book = openpyxl.load_workbook(io.BytesIO(client.get("/admin/merchants/redemptions.xlsx?days=30").data))
    assert sum(r[1] for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)) == 3


# ------------------------------------------------------------------ API

def test_api_flow_and_shapes(client, scene):
    admin_h = f.api_token(client, "boss")
    made = client.post("/api/v1/merchants", json={"name": "城东药房", "username": "pharmacy",
                                                   "password": "pharmacy-1"}, headers=admin_h)
    assert made.status_code == 201 and isinstance(made.json["id"], int)
    shop_h = f.api_token(client, "pharmacy", "pharmacy-1")
    offer = client.post(f"/api/v1/merchants/{made.json['id']}/offers",
                        json={"title": "药品九五折", "min_star": 2, "quantity": 1,
                              "valid_until": (now() + timedelta(days=30)).isoformat()}, headers=shop_h)
    assert offer.status_code == 201
    other_shop = client.post(f"/api/v1/merchants/{scene['merchant'].id}/offers",
                             json={"title": "越权", "min_star": 1}, headers=shop_h)
    assert other_shop.status_code == 403
    bad = client.post(f"/api/v1/merchants/{made.json['id']}/offers", json={"title": "x", "min_star": 9, "extra": 1},
                      headers=shop_h)
    assert bad.status_code == 422 and {"min_star", "extra"} <= set(bad.json["error"]["fields"])

    vol_h = f.api_token(client, scene["volunteer"].user.username)
    claimed = client.post(f"/api/v1/offers/{offer.json['id']}/coupons", headers=vol_h)
    assert claimed.status_code == 201 and claimed.json["status"] == "issued"
    beginner = f.volunteer(name="李新")
    f.give_hours(beginner, 120)  # 1★
    low = client.post(f"/api/v1/offers/{offer.json['id']}/coupons", headers=f.api_token(client, beginner.user.username))
    assert low.status_code == 403 and low.json["error"]["code"] == "not_eligible"
    assert low.json["error"]["needed_star"] == 2 and low.json["error"]["hours_needed"] == 180
    third = f.volunteer(name="赵六")
    f.give_hours(third, 300)
    gone = client.post(f"/api/v1/offers/{offer.json['id']}/coupons", headers=f.api_token(client, third.user.username))
    assert gone.status_code == 409 and gone.json["error"]["reason"] == "sold_out"

    coupon_id = claimed.json["id"]
    code = client.get(f"/api/v1/coupons/{coupon_id}/code", headers=vol_h)
    assert code.status_code == 200 and code.json["code"].startswith("http://vs.test/q/") and code.json["expires_at"]
    assert client.get(f"/api/v1/coupons/{coupon_id}/code",
                      headers=f.api_token(client, third.user.username)).status_code == 404
    verified = client.post("/api/v1/merchant/verify", json={"code": code.json["code"]}, headers=shop_h)
    assert verified.status_code == 200
    body = verified.json
    assert body["volunteer"] == {"masked_name": "王*明", "star_level": 2}
    assert body["coupon"]["id"] == coupon_id and body["coupon"]["offer_id"] == offer.json["id"]
    assert body["coupon"]["status"] == "issued"
    assert body["eligible_offer_ids"] == []  # claimed up to its limit, and sold out
    card, _exp = qr.make_url("card", {"v": scene["volunteer"].id})
    by_card = client.post("/api/v1/merchant/verify", json={"code": card}, headers=shop_h).json
    assert by_card["coupon"] is None and by_card["volunteer"]["star_level"] == 2
    assert client.post("/api/v1/merchant/verify", json={"code": "nonsense"}, headers=shop_h).status_code == 400
    assert client.post("/api/v1/merchant/verify", json={"code": card}, headers=vol_h).status_code == 403

    wrong = client.post(f"/api/v1/coupons/{coupon_id}/redeem", json={"code": code.json["code"]},
                        headers=f.api_token(client, "shopkeeper"))
    assert wrong.status_code == 403
    ok = client.post(f"/api/v1/coupons/{coupon_id}/redeem", json={"code": code.json["code"]}, headers=shop_h)
    assert ok.status_code == 200 and ok.json["id"] == coupon_id and ok.json["status"] == "redeemed"
    again = client.post(f"/api/v1/coupons/{coupon_id}/redeem", json={"code": code.json["code"]}, headers=shop_h)
    assert again.status_code == 409 and again.json["error"]["code"] == "already_redeemed"
    assert "城东药房" in again.json["error"]["message"]
    assert client.get(f"/api/v1/coupons/{coupon_id}/code", headers=vol_h).status_code == 409


def test_openapi_lists_the_operations(client):
    spec = client.get("/api/v1/openapi.json").json
    ids = {op.get("operationId") for path in spec["paths"].values() for op in path.values() if isinstance(op, dict)}
    assert {"createMerchant", "createOffer", "claimCoupon", "getCouponCode", "verifyCode", "redeemCoupon"} <= ids
    assert "/api/v1/merchant/verify" in spec["paths"] and "/api/v1/coupons/{coupon_id}/redeem" in spec["paths"]


def test_ten_simultaneous_api_redeems_one_wins(app, race, scene):
    coupon = claim_coupon(scene["volunteer"], scene["offers"][1])
    _db.session.commit()
    code, _exp = coupon_code(coupon)
    coupon_id = coupon.id
    headers = f.api_token(app.test_client(), "shopkeeper")

    def press(_i):
        response = app.test_client().post(f"/api/v1/coupons/{coupon_id}/redeem", json={"code": code}, headers=headers)
        return response.status_code, (response.json.get("error") or {}).get("code")

    statuses = race(10, press)
    assert sorted(statuses, key=str).count((200, None)) == 1
    assert statuses.count((409, "already_redeemed")) == 9


def test_who_registers_a_merchant_decides_how_it_starts(client, scene):
    """The admin's page registers a shop for review; the API registers one with its login,
    approved unless the request says otherwise: one service rule, stated by each door."""
    f.login(client, scene["admin"])
    f.post_form(client, "/admin/merchants/", {"name": "页面登记的店"})
    admin_h = f.api_token(client, "boss")
    by_api = client.post("/api/v1/merchants", json={"name": "接口登记的店", "username": "api-shop",
                                                    "password": "api-shop-1"}, headers=admin_h)
    held = client.post("/api/v1/merchants", json={"name": "接口待审的店", "username": "held-shop",
                                                  "password": "held-shop-1", "approved": False}, headers=admin_h)
    assert (by_api.status_code, by_api.json["status"], held.json["status"]) == (201, "approved", "pending")
    status = dict(_db.session.execute(_db.select(Merchant.name, Merchant.status)).all())
    assert (status["页面登记的店"], status["接口登记的店"], status["接口待审的店"]) == ("pending", "approved", "pending")
    offer = {"title": "九折", "min_star": 1}
    approved_h, held_h = f.api_token(client, "api-shop", "api-shop-1"), f.api_token(client, "held-shop", "held-shop-1")
    assert client.post(f"/api/v1/merchants/{by_api.json['id']}/offers", json=offer, headers=approved_h).status_code == 201
    assert client.post("/api/v1/merchant/verify", json={"code": "x"}, headers=held_h).status_code == 403
    with pytest.raises(TypeError):  # no default: every caller says whether the shop starts approved
        create_merchant(name="没说清楚的店", by=None)  # type: ignore[call-arg]


def test_a_typed_eight_character_code_works_when_scanning_fails(client, app, scene):
    from app.services.incentives import typed_codes
    coupon = claim_coupon(scene["volunteer"], scene["offers"][1])
    _db.session.commit()
    login_volunteer(client, scene["volunteer"])
    data = client.get(f"/coupons/{coupon.id}/code.json").json
    typed = data["typed_code"]
    assert len(typed) == 8 and not set(typed) & set("01OIL")
    page = client.get(f"/coupons/{coupon.id}").get_data(as_text=True)
    assert f"{typed[:4]} {typed[4:]}" in page
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/coupons/")})

    f.login(client, scene["shop"])
    token = f.csrf_token(client, "/merchant/")
    read_out = f"{typed[:4].lower()} {typed[4:]}"  # typed as heard: lower case, a space
    shown = client.post("/merchant/code", data={"csrf_token": token, "code": read_out})
    assert shown.status_code == 200 and "王*明" in shown.get_data(as_text=True)
    wrong = "".join("2" if ch != "2" else "3" for ch in typed)
    refused = client.post("/merchant/code", data={"csrf_token": token, "code": wrong})
    assert refused.status_code == 400 and "券码不正确或已过期" in refused.get_data(as_text=True)
    done = client.post("/merchant/redeem", data={"csrf_token": token, "coupon_id": coupon.id, "code": read_out})
    assert done.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Coupon, coupon.id).status == "redeemed"
    # a code is valid for its window and the next one only, like the QR
    later = now() + timedelta(seconds=2 * (qr.lifetime("coupon") or 300) + 1)
    assert typed_codes.typed_code(coupon.id, later) != typed


def test_another_shop_cannot_use_a_typed_code(client, scene):
    from app.services.incentives import typed_codes
    coupon = claim_coupon(scene["volunteer"], scene["offers"][1])
    other = create_merchant(name="街角咖啡", by=scene["admin"], approved=True)
    barista = create_merchant_account(other, username="barista", password=f.PASSWORD, name="陈",
                                                 by=scene["admin"])
    _db.session.commit()
    f.login(client, barista)
    token = f.csrf_token(client, "/merchant/")
    refused = client.post("/merchant/code", data={"csrf_token": token, "code": typed_codes.typed_code(coupon.id)})
    assert refused.status_code == 400
