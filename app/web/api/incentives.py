"""API: merchants, offers, coupons, and verify/redeem at the counter."""
from __future__ import annotations

from flask_smorest import Blueprint

from app.auth_state import api_user
from app.extensions import db
from app.rate_limits import code_limited, documented_429
from app.services import incentives, volunteers
from app.services.clock import iso, parse_local
from app.web.api.common import StrictSchema, fields, operation, validate

blp = Blueprint("api_incentives", __name__, description="Merchants, offers and coupons")


class MerchantCreate(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    username = fields.String(required=True, validate=validate.Length(min=3, max=64))
    password = fields.String(required=True, validate=validate.Length(min=8, max=128))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    category = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    contact_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    contact_phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    approved = fields.Boolean(load_default=True)


class OfferCreate(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=100))
    min_star = fields.Integer(required=True, validate=validate.Range(min=0, max=5))
    quantity = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=1_000_000))
    valid_until = fields.DateTime(load_default=None, allow_none=True)
    valid_from = fields.DateTime(load_default=None, allow_none=True)
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    per_volunteer_limit = fields.Integer(load_default=1, allow_none=True, validate=validate.Range(min=1, max=1000))
    limit_period = fields.String(load_default="month", validate=validate.OneOf(["month", "total"]))


class CodeBody(StrictSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class CodeResult(StrictSchema):
    code = fields.String()
    expires_at = fields.String()


class CouponResult(StrictSchema):
    id = fields.Integer()
    status = fields.String()
    offer_id = fields.Integer()
    expires_at = fields.String()


def coupon_json(coupon) -> dict:
    return {"id": coupon.id, "status": coupon.status, "offer_id": coupon.offer_id,
            "expires_at": iso(coupon.expires_at)}


@blp.post("/merchants")
@operation(blp, "createMerchant", "platform_admin")
@blp.arguments(MerchantCreate)
@blp.response(201)
def create_merchant(body):
    admin = api_user()
    merchant = incentives.create_merchant(
        name=body["name"], address=body["address"], category=body["category"],
        contact_name=body["contact_name"], contact_phone=body["contact_phone"],
        approved=body["approved"], by=admin)
    user = incentives.create_merchant_account(merchant, username=body["username"], password=body["password"],
                                              name=body["contact_name"] or body["name"][:50], by=admin)
    db.session.commit()
    return {"id": merchant.id, "status": merchant.status, "user_id": user.id}


@blp.post("/merchants/<int:merchant_id>/offers")
@operation(blp, "createOffer", "platform_admin", "merchant")
@blp.arguments(OfferCreate)
@blp.response(201)
def create_offer(body, merchant_id: int):
    user = api_user()
    incentives.ensure_can_manage_merchant(user, merchant_id)
    merchant = incentives.get_merchant(merchant_id)
    for key in ("valid_from", "valid_until"):
        if body[key] is not None:
            body[key] = parse_local(body[key])
    offer = incentives.create_offer(merchant, incentives.OfferInput(**body), by=user)
    db.session.commit()
    return {"id": offer.id}


@blp.post("/offers/<int:offer_id>/coupons")
@operation(blp, "claimCoupon", "volunteer")
@blp.response(201, CouponResult)
def claim_coupon(offer_id: int):
    volunteer = volunteers.volunteer_of(api_user())
    coupon = incentives.claim_coupon(volunteer, incentives.get_offer(offer_id))
    db.session.commit()
    return coupon_json(coupon)


@blp.get("/coupons/<int:coupon_id>/code")
@operation(blp, "getCouponCode", "volunteer")
@blp.response(200, CodeResult)
def get_coupon_code(coupon_id: int):
    coupon = incentives.own_coupon(volunteers.volunteer_of(api_user()), coupon_id)
    code, expires = incentives.coupon_code(coupon)
    return {"code": code, "expires_at": iso(expires)}


@blp.post("/merchant/verify")
@code_limited
@documented_429(blp)
@operation(blp, "verifyCode", "merchant")
@blp.arguments(CodeBody)
def verify_code(body):
    merchant = incentives.merchant_of(api_user())
    return incentives.verify_code(body["code"], merchant).as_json()


@blp.post("/coupons/<int:coupon_id>/redeem")
@code_limited
@documented_429(blp)
@operation(blp, "redeemCoupon", "merchant")
@blp.arguments(CodeBody)
@blp.response(200, CouponResult)
def redeem_coupon(body, coupon_id: int):
    user = api_user()
    coupon = incentives.redeem_with_code(coupon_id, body["code"], incentives.merchant_of(user), by=user)
    db.session.commit()
    return coupon_json(coupon)
