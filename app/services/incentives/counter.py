"""At the merchant's counter: read a scanned or typed code (a coupon's or a volunteer card's),
see what the holder may use here, and redeem a coupon at most once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Coupon, Merchant, Offer, User, Volunteer
from app.services import qr
from app.services.clock import now
from app.services.errors import CodeInvalid, Conflict
from app.services.incentives import typed_codes
from app.services.incentives.coupons import get_coupon, log_step, refusal
from app.services.incentives.offers import eligible_offers


def redeem(coupon_id: int, merchant: Merchant, *, by: User | None, at: datetime | None = None) -> Coupon:
    """Consume a coupon at most once, even under simultaneous attempts: one conditional
    UPDATE; whoever does not change the row is told why."""
    at = at or now()
    # RETURNING gives the redeemed row in the same round trip (the coupon is current after it)
    coupon = db.session.scalars(
        update(Coupon)
        .where(
            Coupon.id == coupon_id,
            Coupon.status == "issued",
            Coupon.merchant_id == merchant.id,
            Coupon.expires_at > at,
        )
        .values(status="redeemed", redeemed_at=at, redeemed_by_id=by.id if by else None)
        .returning(Coupon)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).first()
    if coupon is None:
        coupon = get_coupon(coupon_id)
        db.session.refresh(coupon)
        raise refusal(coupon, merchant, at) or Conflict(_("该优惠券当前不能核销"))
    log_step("coupon.redeemed", coupon, by=by)
    return coupon


def code_kind(code: str) -> str:
    """'coupon' or 'card' from the decoded QR text (a URL, or a bare token typed in)."""
    text = (code or "").strip()
    if f"/{qr.PATHS['coupon']}/" in text:
        return "coupon"
    if f"/{qr.PATHS['card']}/" in text:
        return "card"
    if "/" in text or not text:
        raise CodeInvalid(_("这不是志愿者码或优惠券码"))
    for kind in ("coupon", "card"):  # the two kinds are signed with different salts
        try:
            qr.read_token(kind, text.removeprefix("#"))
            return kind
        except CodeInvalid:
            continue
    raise CodeInvalid(_("这不是志愿者码或优惠券码"))


@dataclass
class Verification:
    """What a merchant may see of a scanned code: only what eligibility needs."""

    kind: str
    volunteer: Volunteer
    coupon: Coupon | None = None
    refusal: Exception | None = None
    eligible_offers: list[Offer] = field(default_factory=list)
    issued_coupons: list[Coupon] = field(default_factory=list)  # card: usable coupons here

    @property
    def redeemable(self) -> bool:
        return self.coupon is not None and self.refusal is None


def read_counter_code(code: str) -> tuple[str, dict]:
    kind = code_kind(code)
    return kind, qr.read_code(kind, code, max_age=qr.lifetime(kind))


def verify_code(code: str, merchant: Merchant, at: datetime | None = None) -> Verification:
    """Read a volunteer card or coupon code for a merchant (changes nothing)."""
    at = at or now()
    kind, payload = read_counter_code(typed_codes.expand(code, merchant, at))
    coupon = None
    volunteer: Volunteer | None
    if kind == "coupon":
        coupon = (
            db.session.get(Coupon, payload.get("c"), options=[joinedload(Coupon.volunteer)])
            if isinstance(payload.get("c"), int)
            else None
        )
        if coupon is None:
            raise CodeInvalid(_("优惠券不存在"))
        volunteer = coupon.volunteer
    else:
        volunteer = db.session.get(Volunteer, payload.get("v")) if isinstance(payload.get("v"), int) else None
        if volunteer is None:
            raise CodeInvalid(_("志愿者不存在"))
    eligible = eligible_offers(volunteer, merchant, at)
    issued = list(
        db.session.scalars(
            select(Coupon)
            .where(
                Coupon.volunteer_id == volunteer.id,
                Coupon.merchant_id == merchant.id,
                Coupon.status == "issued",
                Coupon.expires_at > at,
            )
            .options(joinedload(Coupon.offer))
            .order_by(Coupon.expires_at)
        )
    )
    return Verification(
        kind=kind,
        volunteer=volunteer,
        coupon=coupon,
        refusal=refusal(coupon, merchant, at) if coupon else None,
        eligible_offers=eligible,
        issued_coupons=issued,
    )


def redeem_with_code(
    coupon_id: int, code: str, merchant: Merchant, *, by: User | None, at: datetime | None = None
) -> Coupon:
    """Redeem against a scanned code: the coupon's own QR, or its holder's volunteer card."""
    kind, payload = read_counter_code(typed_codes.expand(code, merchant, at))
    # A coupon's own code names it: nothing to read before the redeeming UPDATE. A card names
    # its holder, who must be the coupon's.
    if kind == "card" or payload.get("c") != coupon_id:
        coupon = get_coupon(coupon_id)  # an unknown coupon is not found, whatever the code
        if (kind == "coupon" and payload.get("c") != coupon.id) or (
            kind == "card" and payload.get("v") != coupon.volunteer_id
        ):
            raise CodeInvalid(_("二维码与该优惠券不符"))
    return redeem(coupon_id, merchant, by=by, at=at)
