"""Coupons: a volunteer claims one of an offer (racing claims never exceed the quota or the
per-volunteer limit), sees their coupons and a usable coupon's short-lived code; coupons
expire."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from app.extensions import db, execute_dml
from app.models import Coupon, Merchant, Offer, User, Volunteer
from app.services import audit, ledger, qr
from app.services.clock import iso, local, now
from app.services.errors import (
    AlreadyRedeemed,
    Conflict,
    CouponExpired,
    Forbidden,
    NotEligible,
    get_or_404,
)
from app.services.incentives.offers import hours_needed, period_key

COUPON_VALID_DAYS = 30


def claim_coupon(volunteer: Volunteer, offer: Offer, *, at: datetime | None = None) -> Coupon:
    """A volunteer takes one coupon of an offer: star level, window, per-volunteer limit
    and total quota are all checked; racing claims never exceed either limit."""
    at = at or now()
    # Serialize this volunteer's claims (row lock on PostgreSQL, BEGIN IMMEDIATE on
    # SQLite), so the per-volunteer count below cannot be raced.
    volunteer = ledger.lock_volunteer(volunteer.id)
    db.session.refresh(volunteer, ["star_level", "approved_seconds"])
    db.session.refresh(offer)
    merchant = offer.merchant
    if merchant.status != "approved" or not offer.is_active:
        raise Conflict(_("该优惠已下架"))
    if offer.valid_from and offer.valid_from > at:
        raise Conflict(_("该优惠尚未开始，开始时间：%(t)s", t=_fmt(offer.valid_from)))
    if offer.valid_until and offer.valid_until <= at:
        raise Conflict(_("该优惠已结束"))
    if volunteer.star_level < offer.min_star:
        need = hours_needed(volunteer, offer.min_star)
        raise NotEligible(
            _(
                "该优惠需要%(star)d星志愿者，您目前是%(now)d星，还需服务%(hours)s小时",
                star=offer.min_star,
                now=volunteer.star_level,
                hours=f"{need:g}",
            ),
            needed_star=offer.min_star,
            star_level=volunteer.star_level,
            hours_needed=need,
        )
    key = period_key(offer, at)
    if offer.per_volunteer_limit is not None:
        taken = db.session.execute(
            select(func.count(Coupon.id)).where(
                Coupon.volunteer_id == volunteer.id, Coupon.offer_id == offer.id, Coupon.period_key == key
            )
        ).scalar_one()
        if taken >= offer.per_volunteer_limit:
            raise Conflict(
                _("每人每月限领%(n)d张，本月已领完", n=offer.per_volunteer_limit)
                if offer.limit_period == "month"
                else _("每人限领%(n)d张，您已领完", n=offer.per_volunteer_limit),
                reason="limit_reached",
            )
    # The quota: one conditional UPDATE, so concurrent claims can never oversell.
    done = execute_dml(
        update(Offer)
        .where(Offer.id == offer.id, or_(Offer.quantity.is_(None), Offer.claimed_count < Offer.quantity))
        .values(claimed_count=Offer.claimed_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise Conflict(_("该优惠已被领完"), reason="sold_out")
    expires = at + timedelta(days=COUPON_VALID_DAYS)
    if offer.valid_until and offer.valid_until < expires:
        expires = offer.valid_until
    coupon = Coupon(
        offer_id=offer.id,
        merchant_id=offer.merchant_id,
        volunteer_id=volunteer.id,
        status="issued",
        period_key=key,
        claimed_at=at,
        expires_at=expires,
    )
    db.session.add(coupon)
    db.session.flush()
    db.session.refresh(offer, ["claimed_count"])
    log_step("coupon.claimed", coupon, by=volunteer.user)
    return coupon


def log_step(action: str, coupon: Coupon, *, by: User | None) -> None:
    """A coupon's step in the audit trail names its offer, merchant and volunteer."""
    audit.log(
        action,
        coupon,
        by=by,
        offer_id=coupon.offer_id,
        merchant_id=coupon.merchant_id,
        volunteer_id=coupon.volunteer_id,
    )


def get_coupon(coupon_id: int) -> Coupon:
    return get_or_404(Coupon, coupon_id, _("优惠券不存在"))


def own_coupon(volunteer: Volunteer, coupon_id: int) -> Coupon:
    return get_or_404(Coupon, coupon_id, _("优惠券不存在"), volunteer_id=volunteer.id)


def volunteer_coupons(volunteer: Volunteer) -> list[Coupon]:
    return list(
        db.session.scalars(
            select(Coupon)
            .where(Coupon.volunteer_id == volunteer.id)
            .options(selectinload(Coupon.offer), selectinload(Coupon.merchant))
            .order_by(Coupon.status != "issued", Coupon.claimed_at.desc(), Coupon.id.desc())
        )
    )


def coupon_code(coupon: Coupon, at: datetime | None = None) -> tuple[str, datetime | None]:
    """The short-lived signed URL a coupon's QR shows; only a usable coupon has one."""
    at = at or now()
    why = refusal(coupon, coupon.merchant, at)
    if why is not None:
        raise why
    return qr.make_url("coupon", {"c": coupon.id})


def expire_coupons(at: datetime) -> int:
    """Mark coupons past their expiry as expired; the number changed (scheduler job)."""
    return execute_dml(
        update(Coupon)
        .where(Coupon.status == "issued", Coupon.expires_at <= at)
        .values(status="expired")
        .execution_options(synchronize_session=False)
    ).rowcount


def _fmt(dt: datetime) -> str:
    return local(dt).strftime("%Y-%m-%d %H:%M")


def refusal(coupon: Coupon, merchant: Merchant | None, at: datetime):
    """Why this coupon cannot be redeemed by merchant now (None: it can)."""
    if coupon.status == "redeemed":
        where = coupon.merchant.name if coupon.merchant else ""
        assert coupon.redeemed_at is not None, "a redeemed coupon has its redemption time"
        return AlreadyRedeemed(
            _("该优惠券已于 %(t)s 在“%(m)s”核销，不能重复使用", t=_fmt(coupon.redeemed_at), m=where),
            redeemed_at=iso(coupon.redeemed_at),
            merchant=where,
        )
    if coupon.status == "expired" or coupon.expires_at <= at:
        return CouponExpired(
            _("该优惠券已于 %(t)s 过期", t=_fmt(coupon.expires_at)), expired_at=iso(coupon.expires_at)
        )
    if merchant is not None and coupon.merchant_id != merchant.id:
        return Forbidden(
            _("这不是本店的优惠券（属于“%(m)s”），不能在本店核销", m=coupon.merchant.name),
            reason="not_your_offer",
        )
    return None
