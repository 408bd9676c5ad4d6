"""Offers: a merchant's offers (star level, window, quota, per-volunteer limit), the live
ones, and what one volunteer can do about each now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, null, or_, select, update
from sqlalchemy.orm import selectinload

from app.extensions import db, execute_dml
from app.models import Coupon, Merchant, Offer, User, Volunteer
from app.services import audit, stars
from app.services.clock import month_of, now
from app.services.errors import ValidationFailed, get_or_404
from app.services.incentives.merchants import ensure_can_manage_merchant


def get_offer(offer_id: int) -> Offer:
    return get_or_404(Offer, offer_id)


@dataclass
class OfferInput:
    title: str
    min_star: int = 1
    description: str | None = None
    quantity: int | None = None
    per_volunteer_limit: int | None = 1
    limit_period: str = "month"
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    is_active: bool = True


def _validate_offer(data: OfferInput, offer: Offer | None = None) -> None:
    fields: dict[str, list[str]] = {}
    if not (data.title or "").strip() or len(data.title.strip()) > 100:
        fields["title"] = [_("请填写优惠标题（不超过100字）")]
    if data.description and len(data.description) > 2000:
        fields["description"] = [_("说明不能超过2000字")]
    if not isinstance(data.min_star, int) or not 0 <= data.min_star <= 5:
        fields["min_star"] = [_("星级要求应在0到5之间")]
    if data.quantity is not None:
        if data.quantity < 0 or data.quantity > 1_000_000:
            fields["quantity"] = [_("总量应在0到1000000之间")]
        elif offer is not None and data.quantity < offer.claimed_count:
            fields["quantity"] = [_("总量不能少于已领取的%(n)d张", n=offer.claimed_count)]
    if data.per_volunteer_limit is not None and not 1 <= data.per_volunteer_limit <= 1000:
        fields["per_volunteer_limit"] = [_("每人限领应在1到1000之间")]
    if data.limit_period not in ("month", "total"):
        fields["limit_period"] = [_("限领周期无效")]
    if data.valid_from and data.valid_until and data.valid_until <= data.valid_from:
        fields["valid_until"] = [_("结束时间必须晚于开始时间")]
    if fields:
        raise ValidationFailed(fields=fields)


def create_offer(merchant: Merchant, data: OfferInput, *, by: User | None) -> Offer:
    """Publish an offer of a merchant."""
    if by is not None:
        ensure_can_manage_merchant(by, merchant.id)
    _validate_offer(data)
    offer = Offer(
        merchant_id=merchant.id,
        title=data.title.strip(),
        description=(data.description or "").strip() or None,
        min_star=data.min_star,
        quantity=data.quantity,
        claimed_count=0,
        # null(): an explicit None would get the column's default of 1
        per_volunteer_limit=null() if data.per_volunteer_limit is None else data.per_volunteer_limit,
        limit_period=data.limit_period,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        is_active=data.is_active,
        created_at=now(),
    )
    db.session.add(offer)
    db.session.flush()
    _log_step("offer.created", offer, by=by, min_star=offer.min_star, quantity=offer.quantity)
    return offer


def _log_step(action: str, offer: Offer, *, by: User | None, **data) -> None:
    """An offer's step in the audit trail names its merchant and title."""
    audit.log(action, offer, by=by, merchant_id=offer.merchant_id, title=offer.title, **data)


def update_offer(offer: Offer, data: OfferInput, *, by: User | None) -> Offer:
    if by is not None:
        ensure_can_manage_merchant(by, offer.merchant_id)
    _validate_offer(data, offer)
    offer.title, offer.description = data.title.strip(), (data.description or "").strip() or None
    offer.min_star, offer.per_volunteer_limit, offer.limit_period = (
        data.min_star,
        data.per_volunteer_limit,
        data.limit_period,
    )
    offer.valid_from, offer.valid_until, offer.is_active = data.valid_from, data.valid_until, data.is_active
    # The quota may shrink only down to what is already claimed, checked again in SQL.
    if data.quantity != offer.quantity:
        stmt = update(Offer).where(Offer.id == offer.id)
        if data.quantity is not None:
            stmt = stmt.where(Offer.claimed_count <= data.quantity)
        done = execute_dml(
            stmt.values(quantity=data.quantity).execution_options(synchronize_session=False)
        ).rowcount
        if not done:
            raise ValidationFailed(fields={"quantity": [_("总量不能少于已领取的数量")]})
        db.session.refresh(offer)
    db.session.flush()
    _log_step("offer.updated", offer, by=by)
    return offer


def save_offer(merchant: Merchant, data: OfferInput, offer: Offer | None = None, *, by: User | None) -> Offer:
    """Publish a new offer of the merchant (offer None) or save the given one: what the
    merchant's offer form and the platform admin's do on submit."""
    if offer is None:
        return create_offer(merchant, data, by=by)
    return update_offer(offer, data, by=by)


def merchant_offers(merchant_id: int) -> list[Offer]:
    return list(
        db.session.scalars(
            select(Offer).where(Offer.merchant_id == merchant_id).order_by(Offer.min_star, Offer.id)
        )
    )


def _live_offers_stmt(at: datetime):
    """Offers a volunteer could claim now: active, in window, of an approved merchant."""
    return (
        select(Offer)
        .join(Merchant, Merchant.id == Offer.merchant_id)
        .where(
            Merchant.status == "approved",
            Offer.is_active.is_(True),
            or_(Offer.valid_from.is_(None), Offer.valid_from <= at),
            or_(Offer.valid_until.is_(None), Offer.valid_until > at),
        )
    )


def public_offers(at: datetime | None = None) -> list[Offer]:
    """The participating merchants' live offers, by star level then merchant."""
    at = at or now()
    return list(
        db.session.scalars(
            _live_offers_stmt(at)
            .options(selectinload(Offer.merchant))
            .order_by(Offer.min_star, Merchant.name, Offer.id)
        )
    )


def period_key(offer: Offer, at: datetime) -> str:
    return month_of(at) if offer.limit_period == "month" else "total"


def hours_needed(volunteer: Volunteer, min_star: int, table: dict[int, int] | None = None) -> float:
    """Hours still to serve before reaching min_star (0 when already there)."""
    table = table or stars.thresholds()
    if min_star <= 0 or volunteer.star_level >= min_star:
        return 0.0
    return max(0.0, round(table.get(min_star, 0) - volunteer.approved_seconds / 3600, 2))


@dataclass
class OfferView:
    """An offer as one volunteer sees it now."""

    offer: Offer
    state: str  # claimable | below_level | sold_out | limit_reached
    hours_needed: float = 0.0
    claimed_in_period: int = 0


def offer_views(volunteer: Volunteer, offers: list[Offer], at: datetime) -> list[OfferView]:
    """What this volunteer can do about each offer now: the one rule of eligibility that the
    offers page, the merchant's counter and verifyCode share (one query for the claims)."""
    # claims per (offer, period): a 'month' offer counts this month's, a 'total' one all
    claimed = (
        {
            (r[0], r[1]): r[2]
            for r in db.session.execute(
                select(Coupon.offer_id, Coupon.period_key, func.count())
                .where(
                    Coupon.volunteer_id == volunteer.id,
                    Coupon.offer_id.in_([o.id for o in offers]),
                    Coupon.period_key.in_((month_of(at), "total")),
                )
                .group_by(Coupon.offer_id, Coupon.period_key)
            )
        }
        if offers
        else {}
    )
    table = stars.thresholds() if any(volunteer.star_level < o.min_star for o in offers) else {}
    views = []
    for offer in offers:
        used = claimed.get((offer.id, period_key(offer, at)), 0)
        if volunteer.star_level < offer.min_star:
            views.append(
                OfferView(offer, "below_level", hours_needed(volunteer, offer.min_star, table), used)
            )
        elif offer.per_volunteer_limit is not None and used >= offer.per_volunteer_limit:
            views.append(OfferView(offer, "limit_reached", 0.0, used))
        elif offer.quantity is not None and offer.claimed_count >= offer.quantity:
            views.append(OfferView(offer, "sold_out", 0.0, used))
        else:
            views.append(OfferView(offer, "claimable", 0.0, used))
    return views


def offers_for_volunteer(volunteer: Volunteer, at: datetime | None = None) -> list[OfferView]:
    """Every live offer with what this volunteer can do about it (three queries in all)."""
    at = at or now()
    return offer_views(volunteer, public_offers(at), at)


def eligible_offers(volunteer: Volunteer, merchant: Merchant, at: datetime | None = None) -> list[Offer]:
    """The merchant's live offers this volunteer could take now: at their star level, not sold
    out, and not already claimed up to the per-volunteer limit."""
    at = at or now()
    offers = list(
        db.session.scalars(
            _live_offers_stmt(at).where(Offer.merchant_id == merchant.id).order_by(Offer.min_star, Offer.id)
        )
    )
    return [view.offer for view in offer_views(volunteer, offers, at) if view.state == "claimable"]
