"""API: merchants, offers, coupons, and verify/redeem at the counter."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.auth_state import api_user
from app.rate_limits import code_limited
from app.services import volunteers
from app.services.clock import iso, parse_local
from app.services.incentives import counter, coupons, merchants, offers
from app.web.api.common import (
    Bool,
    Id,
    IdResult,
    Int,
    LocalMoment,
    OptionalText,
    StrictSchema,
    Text,
    operation,
)

blp = Blueprint("api_incentives", __name__, description="Merchants, offers and coupons")


class MerchantCreate(StrictSchema):
    name = Text(required=True, validate=validate.Length(min=1, max=100))
    username = Text(required=True, validate=validate.Length(min=3, max=64))
    password = Text(required=True, validate=validate.Length(min=8, max=128))
    address = OptionalText(200)
    category = OptionalText(50)
    contact_name = OptionalText(50)
    contact_phone = OptionalText(20)
    approved = Bool(load_default=True)


class OfferCreate(StrictSchema):
    title = Text(required=True, validate=validate.Length(min=1, max=100))
    min_star = Int(required=True, validate=validate.Range(min=0, max=5))
    quantity = Int(load_default=None, allow_none=True, validate=validate.Range(min=0, max=1_000_000))
    valid_until = LocalMoment(load_default=None, allow_none=True)
    valid_from = LocalMoment(load_default=None, allow_none=True)
    description = OptionalText(2000)
    per_volunteer_limit = Int(load_default=1, allow_none=True, validate=validate.Range(min=1, max=1000))
    limit_period = Text(load_default="month", validate=validate.OneOf(["month", "total"]))


class CodeBody(StrictSchema):
    code = Text(required=True, validate=validate.Length(min=1, max=1000))


class CodeResult(StrictSchema):
    code = Text()
    expires_at = Text()


class CouponResult(StrictSchema):
    id = Id()
    status = Text()
    offer_id = Id()
    expires_at = Text()


class MerchantResult(StrictSchema):
    id = Id()
    status = Text()
    user_id = Id()


class VerifiedVolunteer(StrictSchema):
    masked_name = Text()
    star_level = Int()


class VerifiedCoupon(StrictSchema):
    id = Id()
    offer_id = Id()
    status = Text()
    title = Text()
    expires_at = Text(allow_none=True)
    redeemed_at = Text(allow_none=True)
    redeemable = Bool()
    reason = Text(allow_none=True)


class VerificationResult(StrictSchema):
    kind = Text(validate=validate.OneOf(["coupon", "card"]))
    volunteer = fields.Nested(VerifiedVolunteer)
    coupon = fields.Nested(VerifiedCoupon, allow_none=True)
    eligible_offer_ids = fields.List(Id())
    issued_coupon_ids = fields.List(Id())


def verification_json(result: counter.Verification) -> dict:
    """What a merchant may see of a scanned code (VerificationResult)."""
    coupon = None
    if result.coupon is not None:
        coupon = {
            "id": result.coupon.id,
            "offer_id": result.coupon.offer_id,
            "status": result.coupon.status,
            "title": result.coupon.offer.title,
            "expires_at": iso(result.coupon.expires_at),
            "redeemed_at": iso(result.coupon.redeemed_at),
            "redeemable": result.redeemable,
            "reason": str(result.refusal) if result.refusal else None,
        }
    return {
        "kind": result.kind,
        "volunteer": {"masked_name": result.volunteer.masked_name, "star_level": result.volunteer.star_level},
        "coupon": coupon,
        "eligible_offer_ids": [o.id for o in result.eligible_offers],
        "issued_coupon_ids": [c.id for c in result.issued_coupons],
    }


def coupon_json(coupon) -> dict:
    return {
        "id": coupon.id,
        "status": coupon.status,
        "offer_id": coupon.offer_id,
        "expires_at": iso(coupon.expires_at),
    }


@blp.post("/merchants")
@operation(blp, "createMerchant", "platform_admin")
@blp.arguments(MerchantCreate)
@blp.response(201, MerchantResult)
def create_merchant(body):
    merchant, user = merchants.register_with_login(by=api_user(), **body)
    return {"id": merchant.id, "status": merchant.status, "user_id": user.id}


@blp.post("/merchants/<int:merchant_id>/offers")
@operation(blp, "createOffer", "platform_admin", "merchant")
@blp.arguments(OfferCreate)
@blp.response(201, IdResult)
def create_offer(body, merchant_id: int):
    user = api_user()
    merchants.ensure_can_manage_merchant(user, merchant_id)
    merchant = merchants.get_merchant(merchant_id)
    for key in ("valid_from", "valid_until"):
        if body[key] is not None:
            body[key] = parse_local(body[key])
    offer = offers.create_offer(merchant, offers.OfferInput(**body), by=user)
    return {"id": offer.id}


@blp.post("/offers/<int:offer_id>/coupons")
@operation(blp, "claimCoupon", "volunteer")
@blp.response(201, CouponResult)
def claim_coupon(offer_id: int):
    volunteer = volunteers.volunteer_of(api_user())
    coupon = coupons.claim_coupon(volunteer, offers.get_offer(offer_id))
    return coupon_json(coupon)


@blp.get("/coupons/<int:coupon_id>/code")
@operation(blp, "getCouponCode", "volunteer")
@blp.response(200, CodeResult)
def get_coupon_code(coupon_id: int):
    coupon = coupons.own_coupon(volunteers.volunteer_of(api_user()), coupon_id)
    code, expires = coupons.coupon_code(coupon)
    return {"code": code, "expires_at": iso(expires)}


@blp.post("/merchant/verify")
@operation(blp, "verifyCode", "merchant", limited=code_limited)
@blp.arguments(CodeBody)
@blp.response(200, VerificationResult)
def verify_code(body):
    merchant = merchants.merchant_of(api_user())
    return verification_json(counter.verify_code(body["code"], merchant))


@blp.post("/coupons/<int:coupon_id>/redeem")
@operation(blp, "redeemCoupon", "merchant", limited=code_limited)
@blp.arguments(CodeBody)
@blp.response(200, CouponResult)
def redeem_coupon(body, coupon_id: int):
    user = api_user()
    coupon = counter.redeem_with_code(coupon_id, body["code"], merchants.merchant_of(user), by=user)
    return coupon_json(coupon)
