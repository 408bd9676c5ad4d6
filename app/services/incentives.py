"""Merchants, offers and coupons (商家礼遇).

Rules: a merchant honours coupons only once approved; a volunteer claims a coupon of an
offer only at or above its star level, within its window, its total quota (a conditional
UPDATE of the claimed count, so racing claims never oversell) and its per-volunteer limit
(counted under the volunteer's row lock, so racing claims of one person never exceed it);
a coupon is redeemed at most once, by the offer's own merchant, before it expires — one
conditional UPDATE, so exactly one of simultaneous attempts wins on every backend.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, null, or_, select, update
from sqlalchemy.orm import selectinload

from app.extensions import db, execute_dml
from app.models import Coupon, Merchant, Offer, User, Volunteer
from app.services import accounts, audit, counter_codes, ledger, qr, stars
from app.services.clock import iso, local, month_of, now, start_of_day, zone
from app.services.errors import (
    AlreadyRedeemed,
    CodeInvalid,
    Conflict,
    CouponExpired,
    Forbidden,
    NotEligible,
    NotFound,
    ValidationFailed,
)
from app.services.inputs import has_bad_chars

COUPON_VALID_DAYS = 30
LOGO_MAX_BYTES = 512 * 1024
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
# stored value → label shown in the admin's language
CATEGORIES = {"餐饮": _l("餐饮"), "零售": _l("零售"), "生活服务": _l("生活服务"), "文化休闲": _l("文化休闲"),
              "医疗健康": _l("医疗健康"), "其他": _l("其他")}


# ---------------------------------------------------------------- merchants

def get_merchant(merchant_id: int) -> Merchant:
    merchant = db.session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound(_("商家不存在"))
    return merchant


def merchant_of(user: User) -> Merchant:
    """The merchant a merchant login works for; it must be approved to act."""
    if user.role != "merchant" or user.merchant_id is None:
        raise Forbidden(_("当前账号未绑定商家"))
    merchant = get_merchant(user.merchant_id)
    if merchant.status != "approved":
        raise Forbidden(_("商家尚未通过审核或已暂停，暂不能核销"))
    return merchant


def ensure_can_manage_merchant(user: User, merchant_id: int) -> None:
    """The platform admin manages every merchant; a merchant login only its own."""
    if user.role == "platform_admin":
        return
    if user.role == "merchant" and user.merchant_id == merchant_id:
        return
    raise Forbidden()


def _merchant_fields(name, address, category, contact_name, contact_phone) -> dict:
    fields: dict[str, list[str]] = {}
    if not (name or "").strip() or len(name.strip()) > 100:
        fields["name"] = [_("请填写商家名称（不超过100字）")]
    if address and len(address) > 200:
        fields["address"] = [_("地址不能超过200字")]
    if category and len(category) > 50:
        fields["category"] = [_("类别不能超过50字")]
    if contact_name and len(contact_name) > 50:
        fields["contact_name"] = [_("联系人不能超过50字")]
    if contact_phone and len(contact_phone) > 20:
        fields["contact_phone"] = [_("联系电话不能超过20位")]
    return fields


def create_merchant(*, name: str, by: User | None, address: str | None = None, category: str | None = None,
                    contact_name: str | None = None, contact_phone: str | None = None,
                    approved: bool = False) -> Merchant:
    """Register a merchant; it honours coupons once approved."""
    fields = _merchant_fields(name, address, category, contact_name, contact_phone)
    if fields:
        raise ValidationFailed(fields=fields)
    name = name.strip()
    if db.session.scalar(select(Merchant.id).where(Merchant.name == name)) is not None:
        raise Conflict(_("已有同名的商家"), fields={"name": [_("已有同名的商家")]})
    merchant = Merchant(name=name, address=(address or "").strip() or None, category=category or None,
                        contact_name=(contact_name or "").strip() or None,
                        contact_phone=(contact_phone or "").strip() or None,
                        status="approved" if approved else "pending", created_at=now())
    db.session.add(merchant)
    db.session.flush()
    audit.log("merchant.created", merchant, by=by, name=name, status=merchant.status)
    return merchant


def update_merchant(merchant: Merchant, *, by: User | None, name: str, address: str | None = None,
                    category: str | None = None, contact_name: str | None = None,
                    contact_phone: str | None = None) -> Merchant:
    fields = _merchant_fields(name, address, category, contact_name, contact_phone)
    if fields:
        raise ValidationFailed(fields=fields)
    name = name.strip()
    clash = db.session.scalar(select(Merchant.id).where(Merchant.name == name, Merchant.id != merchant.id))
    if clash is not None:
        raise Conflict(_("已有同名的商家"), fields={"name": [_("已有同名的商家")]})
    merchant.name, merchant.address, merchant.category = name, (address or "").strip() or None, category or None
    merchant.contact_name = (contact_name or "").strip() or None
    merchant.contact_phone = (contact_phone or "").strip() or None
    db.session.flush()
    audit.log("merchant.updated", merchant, by=by, name=name)
    return merchant


def set_status(merchant: Merchant, status: str, *, by: User | None, reason: str | None = None) -> Merchant:
    """pending/suspended → approved (approve), or → suspended (suspend)."""
    if status not in ("approved", "suspended"):
        raise ValidationFailed(fields={"status": [_("状态无效")]})
    if reason is not None and has_bad_chars(reason):
        raise ValidationFailed(fields={"reason": [_("不能包含空字符或无效的Unicode字符")]})
    was = merchant.status
    merchant.status = status
    db.session.flush()
    audit.log("merchant.approved" if status == "approved" else "merchant.suspended", merchant, by=by,
              reason=reason, was=was)
    return merchant


def approve_merchant(merchant: Merchant, *, by: User | None) -> Merchant:
    return set_status(merchant, "approved", by=by)


def suspend_merchant(merchant: Merchant, *, by: User | None, reason: str | None = None) -> Merchant:
    return set_status(merchant, "suspended", by=by, reason=reason)


def create_merchant_account(merchant: Merchant, *, username: str, password: str, name: str,
                            by: User | None) -> User:
    """A login for the merchant's staff, bound to this merchant."""
    return accounts.create_user(username=username, password=password, role="merchant", name=name,
                                merchant_id=merchant.id, by=by)


def merchant_accounts(merchant_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.merchant_id == merchant_id).order_by(User.id)))


def set_logo(merchant: Merchant, data: bytes, *, by: User | None) -> Merchant:
    """Store a logo: PNG or JPEG (judged by its bytes, not its name), at most LOGO_MAX_BYTES."""
    if not data:
        raise ValidationFailed(fields={"logo": [_("请选择图片文件")]})
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationFailed(fields={"logo": [_("图片不能超过%(n)dKB", n=LOGO_MAX_BYTES // 1024)]})
    mimetype = next((kind for magic, kind in LOGO_TYPES.items() if data.startswith(magic)), None)
    if mimetype is None:
        raise ValidationFailed(fields={"logo": [_("只支持PNG或JPEG图片")]})
    merchant.logo, merchant.logo_mimetype = data, mimetype
    db.session.flush()
    audit.log("merchant.logo", merchant, by=by, bytes=len(data), mimetype=mimetype)
    return merchant


def list_merchants(status: str | None = None) -> list[Merchant]:
    stmt = select(Merchant).order_by(Merchant.id)
    if status:
        stmt = stmt.where(Merchant.status == status)
    return list(db.session.scalars(stmt))


# ---------------------------------------------------------------- offers

def get_offer(offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise NotFound(_("优惠不存在"))
    return offer


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
    offer = Offer(merchant_id=merchant.id, title=data.title.strip(), description=(data.description or "").strip() or None,
                  min_star=data.min_star, quantity=data.quantity, claimed_count=0,
                  # null(): an explicit None would get the column's default of 1
                  per_volunteer_limit=null() if data.per_volunteer_limit is None else data.per_volunteer_limit,
                  limit_period=data.limit_period,
                  valid_from=data.valid_from, valid_until=data.valid_until, is_active=data.is_active,
                  created_at=now())
    db.session.add(offer)
    db.session.flush()
    audit.log("offer.created", offer, by=by, merchant_id=merchant.id, title=offer.title, min_star=offer.min_star,
              quantity=offer.quantity)
    return offer


def update_offer(offer: Offer, data: OfferInput, *, by: User | None) -> Offer:
    if by is not None:
        ensure_can_manage_merchant(by, offer.merchant_id)
    _validate_offer(data, offer)
    offer.title, offer.description = data.title.strip(), (data.description or "").strip() or None
    offer.min_star, offer.per_volunteer_limit, offer.limit_period = (
        data.min_star, data.per_volunteer_limit, data.limit_period)
    offer.valid_from, offer.valid_until, offer.is_active = data.valid_from, data.valid_until, data.is_active
    # The quota may shrink only down to what is already claimed, checked again in SQL.
    if data.quantity != offer.quantity:
        stmt = update(Offer).where(Offer.id == offer.id)
        if data.quantity is not None:
            stmt = stmt.where(Offer.claimed_count <= data.quantity)
        done = execute_dml(stmt.values(quantity=data.quantity)
                                  .execution_options(synchronize_session=False)).rowcount
        if not done:
            raise ValidationFailed(fields={"quantity": [_("总量不能少于已领取的数量")]})
        db.session.refresh(offer)
    db.session.flush()
    audit.log("offer.updated", offer, by=by, merchant_id=offer.merchant_id, title=offer.title)
    return offer


def merchant_offers(merchant_id: int) -> list[Offer]:
    return list(db.session.scalars(select(Offer).where(Offer.merchant_id == merchant_id)
                                   .order_by(Offer.min_star, Offer.id)))


def _live_offers_stmt(at: datetime):
    """Offers a volunteer could claim now: active, in window, of an approved merchant."""
    return (select(Offer).join(Merchant, Merchant.id == Offer.merchant_id)
            .where(Merchant.status == "approved", Offer.is_active.is_(True),
                   or_(Offer.valid_from.is_(None), Offer.valid_from <= at),
                   or_(Offer.valid_until.is_(None), Offer.valid_until > at)))


def public_offers(at: datetime | None = None) -> list[Offer]:
    """The participating merchants' live offers, by star level then merchant."""
    at = at or now()
    return list(db.session.scalars(_live_offers_stmt(at).options(selectinload(Offer.merchant))
                                   .order_by(Offer.min_star, Merchant.name, Offer.id)))


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
    claimed = {(r[0], r[1]): r[2] for r in db.session.execute(
        select(Coupon.offer_id, Coupon.period_key, func.count()).where(
            Coupon.volunteer_id == volunteer.id, Coupon.offer_id.in_([o.id for o in offers]),
            Coupon.period_key.in_((month_of(at), "total")))
        .group_by(Coupon.offer_id, Coupon.period_key))} if offers else {}
    table = stars.thresholds() if any(volunteer.star_level < o.min_star for o in offers) else {}
    views = []
    for offer in offers:
        used = claimed.get((offer.id, period_key(offer, at)), 0)
        if volunteer.star_level < offer.min_star:
            views.append(OfferView(offer, "below_level", hours_needed(volunteer, offer.min_star, table), used))
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
    offers = list(db.session.scalars(_live_offers_stmt(at).where(Offer.merchant_id == merchant.id)
                                     .order_by(Offer.min_star, Offer.id)))
    return [view.offer for view in offer_views(volunteer, offers, at) if view.state == "claimable"]


# ---------------------------------------------------------------- coupons

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
            _("该优惠需要%(star)d星志愿者，您目前是%(now)d星，还需服务%(hours)s小时",
              star=offer.min_star, now=volunteer.star_level, hours=f"{need:g}"),
            needed_star=offer.min_star, star_level=volunteer.star_level, hours_needed=need)
    key = period_key(offer, at)
    if offer.per_volunteer_limit is not None:
        taken = db.session.execute(select(func.count(Coupon.id)).where(
            Coupon.volunteer_id == volunteer.id, Coupon.offer_id == offer.id, Coupon.period_key == key)
        ).scalar_one()
        if taken >= offer.per_volunteer_limit:
            raise Conflict(_("每人每月限领%(n)d张，本月已领完", n=offer.per_volunteer_limit)
                           if offer.limit_period == "month" else
                           _("每人限领%(n)d张，您已领完", n=offer.per_volunteer_limit),
                           reason="limit_reached")
    # The quota: one conditional UPDATE, so concurrent claims can never oversell.
    done = execute_dml(
        update(Offer).where(Offer.id == offer.id,
                            or_(Offer.quantity.is_(None), Offer.claimed_count < Offer.quantity))
        .values(claimed_count=Offer.claimed_count + 1)
        .execution_options(synchronize_session=False)).rowcount
    if not done:
        raise Conflict(_("该优惠已被领完"), reason="sold_out")
    expires = at + timedelta(days=COUPON_VALID_DAYS)
    if offer.valid_until and offer.valid_until < expires:
        expires = offer.valid_until
    coupon = Coupon(offer_id=offer.id, merchant_id=offer.merchant_id, volunteer_id=volunteer.id,
                    status="issued", period_key=key, claimed_at=at, expires_at=expires)
    db.session.add(coupon)
    db.session.flush()
    db.session.refresh(offer, ["claimed_count"])
    audit.log("coupon.claimed", coupon, by=volunteer.user, offer_id=offer.id, merchant_id=offer.merchant_id,
              volunteer_id=volunteer.id)
    return coupon


def get_coupon(coupon_id: int) -> Coupon:
    coupon = db.session.get(Coupon, coupon_id)
    if coupon is None:
        raise NotFound(_("优惠券不存在"))
    return coupon


def own_coupon(volunteer: Volunteer, coupon_id: int) -> Coupon:
    coupon = get_coupon(coupon_id)
    if coupon.volunteer_id != volunteer.id:
        raise NotFound(_("优惠券不存在"))
    return coupon


def volunteer_coupons(volunteer: Volunteer) -> list[Coupon]:
    return list(db.session.scalars(
        select(Coupon).where(Coupon.volunteer_id == volunteer.id)
        .options(selectinload(Coupon.offer), selectinload(Coupon.merchant))
        .order_by(Coupon.status != "issued", Coupon.claimed_at.desc(), Coupon.id.desc())))


def coupon_code(coupon: Coupon, at: datetime | None = None) -> tuple[str, datetime | None]:
    """The short-lived signed URL a coupon's QR shows; only a usable coupon has one."""
    at = at or now()
    refusal = _refusal(coupon, coupon.merchant, at)
    if refusal is not None:
        raise refusal
    return qr.make_url("coupon", {"c": coupon.id})


def expire_coupons(at: datetime) -> int:
    """Mark coupons past their expiry as expired; the number changed (scheduler job)."""
    return execute_dml(
        update(Coupon).where(Coupon.status == "issued", Coupon.expires_at <= at)
        .values(status="expired").execution_options(synchronize_session=False)).rowcount


def _fmt(dt: datetime) -> str:
    return local(dt).strftime("%Y-%m-%d %H:%M")


def _refusal(coupon: Coupon, merchant: Merchant | None, at: datetime):
    """Why this coupon cannot be redeemed by merchant now (None: it can)."""
    if coupon.status == "redeemed":
        where = coupon.merchant.name if coupon.merchant else ""
        assert coupon.redeemed_at is not None, "a redeemed coupon has its redemption time"
        return AlreadyRedeemed(_("该优惠券已于 %(t)s 在“%(m)s”核销，不能重复使用", t=_fmt(coupon.redeemed_at), m=where),
                               redeemed_at=iso(coupon.redeemed_at), merchant=where)
    if coupon.status == "expired" or coupon.expires_at <= at:
        return CouponExpired(_("该优惠券已于 %(t)s 过期", t=_fmt(coupon.expires_at)),
                             expired_at=iso(coupon.expires_at))
    if merchant is not None and coupon.merchant_id != merchant.id:
        return Forbidden(_("这不是本店的优惠券（属于“%(m)s”），不能在本店核销", m=coupon.merchant.name),
                         reason="not_your_offer")
    return None


def redeem(coupon_id: int, merchant: Merchant, *, by: User | None, at: datetime | None = None) -> Coupon:
    """Consume a coupon at most once, even under simultaneous attempts: one conditional
    UPDATE; whoever does not change the row is told why."""
    at = at or now()
    done = execute_dml(
        update(Coupon).where(Coupon.id == coupon_id, Coupon.status == "issued",
                             Coupon.merchant_id == merchant.id, Coupon.expires_at > at)
        .values(status="redeemed", redeemed_at=at, redeemed_by_id=by.id if by else None)
        .execution_options(synchronize_session=False)).rowcount
    coupon = get_coupon(coupon_id)
    db.session.refresh(coupon)
    if not done:
        raise _refusal(coupon, merchant, at) or Conflict(_("该优惠券当前不能核销"))
    audit.log("coupon.redeemed", coupon, by=by, merchant_id=merchant.id, offer_id=coupon.offer_id,
              volunteer_id=coupon.volunteer_id)
    return coupon


# ---------------------------------------------------------------- codes at the counter

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

    def as_json(self) -> dict:
        coupon = None
        if self.coupon is not None:
            coupon = {"id": self.coupon.id, "offer_id": self.coupon.offer_id, "status": self.coupon.status,
                      "title": self.coupon.offer.title, "expires_at": iso(self.coupon.expires_at),
                      "redeemed_at": iso(self.coupon.redeemed_at), "redeemable": self.redeemable,
                      "reason": str(self.refusal) if self.refusal else None}
        return {"kind": self.kind,
                "volunteer": {"masked_name": self.volunteer.masked_name, "star_level": self.volunteer.star_level},
                "coupon": coupon, "eligible_offer_ids": [o.id for o in self.eligible_offers],
                "issued_coupon_ids": [c.id for c in self.issued_coupons]}


def read_counter_code(code: str) -> tuple[str, dict]:
    kind = code_kind(code)
    return kind, qr.read_code(kind, code, max_age=qr.lifetime(kind))


def verify_code(code: str, merchant: Merchant, at: datetime | None = None) -> Verification:
    """Read a volunteer card or coupon code for a merchant (changes nothing)."""
    at = at or now()
    kind, payload = read_counter_code(counter_codes.expand(code, merchant, at))
    coupon = None
    volunteer: Volunteer | None
    if kind == "coupon":
        coupon = db.session.get(Coupon, payload.get("c")) if isinstance(payload.get("c"), int) else None
        if coupon is None:
            raise CodeInvalid(_("优惠券不存在"))
        volunteer = coupon.volunteer
    else:
        volunteer = db.session.get(Volunteer, payload.get("v")) if isinstance(payload.get("v"), int) else None
        if volunteer is None:
            raise CodeInvalid(_("志愿者不存在"))
    eligible = eligible_offers(volunteer, merchant, at)
    issued = list(db.session.scalars(
        select(Coupon).where(Coupon.volunteer_id == volunteer.id, Coupon.merchant_id == merchant.id,
                             Coupon.status == "issued", Coupon.expires_at > at)
        .options(selectinload(Coupon.offer)).order_by(Coupon.expires_at)))
    return Verification(kind=kind, volunteer=volunteer, coupon=coupon,
                        refusal=_refusal(coupon, merchant, at) if coupon else None,
                        eligible_offers=eligible, issued_coupons=issued)


def redeem_with_code(coupon_id: int, code: str, merchant: Merchant, *, by: User | None,
                     at: datetime | None = None) -> Coupon:
    """Redeem against a scanned code: the coupon's own QR, or its holder's volunteer card."""
    kind, payload = read_counter_code(counter_codes.expand(code, merchant, at))
    coupon = get_coupon(coupon_id)
    if (kind == "coupon" and payload.get("c") != coupon.id) or \
            (kind == "card" and payload.get("v") != coupon.volunteer_id):
        raise CodeInvalid(_("二维码与该优惠券不符"))
    return redeem(coupon.id, merchant, by=by, at=at)


# ---------------------------------------------------------------- figures

def _local_day(column):
    """A column's calendar day in the deployment's zone, as 'YYYY-MM-DD', in SQL."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone(current_app.config["TIMEZONE"], func.timezone("UTC", column)),
                            "YYYY-MM-DD")
    offset = int(now().astimezone(zone()).utcoffset().total_seconds())
    return func.strftime("%Y-%m-%d", column, f"{offset:+d} seconds")


def redemption_figures(merchant_id: int | None, first: date, last: date) -> dict:
    """Redemptions of one merchant (or all) for local days first..last: per day, per offer,
    and per merchant — each one GROUP BY query."""
    start, end = start_of_day(first), start_of_day(last + timedelta(days=1))
    where = [Coupon.status == "redeemed", Coupon.redeemed_at >= start, Coupon.redeemed_at < end]
    if merchant_id is not None:
        where.append(Coupon.merchant_id == merchant_id)
    day = _local_day(Coupon.redeemed_at).label("day")
    per_day: dict[str, int]
    per_day = dict(db.session.execute(select(day, func.count()).where(*where).group_by(day)).all())
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    by_day = [(d, int(per_day.get(d.isoformat(), 0))) for d in days]
    by_offer = [
        {"offer_id": r[0], "title": r[1], "merchant": r[2], "min_star": r[3], "redeemed": int(r[4])}
        for r in db.session.execute(
            select(Offer.id, Offer.title, Merchant.name, Offer.min_star, func.count(Coupon.id))
            .join(Coupon, and_(Coupon.offer_id == Offer.id, *where))
            .join(Merchant, Merchant.id == Offer.merchant_id)
            .group_by(Offer.id, Offer.title, Merchant.name, Offer.min_star)
            .order_by(func.count(Coupon.id).desc(), Offer.id))]
    by_merchant = [
        {"merchant_id": r[0], "merchant": r[1], "redeemed": int(r[2])}
        for r in db.session.execute(
            select(Merchant.id, Merchant.name, func.count(Coupon.id))
            .join(Coupon, and_(Coupon.merchant_id == Merchant.id, *where))
            .group_by(Merchant.id, Merchant.name).order_by(func.count(Coupon.id).desc(), Merchant.id))]
    claim_where = [Coupon.claimed_at >= start, Coupon.claimed_at < end]
    if merchant_id is not None:
        claim_where.append(Coupon.merchant_id == merchant_id)
    claimed = db.session.execute(select(func.count(Coupon.id)).where(*claim_where)).scalar_one()
    return {"first": first, "last": last, "by_day": by_day, "by_offer": by_offer, "by_merchant": by_merchant,
            "redeemed": sum(n for _d, n in by_day), "claimed": int(claimed)}


def recent_redemptions(merchant_id: int | None, limit: int = 50) -> list[Coupon]:
    stmt = (select(Coupon).where(Coupon.status == "redeemed")
            .options(selectinload(Coupon.offer), selectinload(Coupon.merchant), selectinload(Coupon.volunteer))
            .order_by(Coupon.redeemed_at.desc(), Coupon.id.desc()).limit(limit))
    if merchant_id is not None:
        stmt = stmt.where(Coupon.merchant_id == merchant_id)
    return list(db.session.scalars(stmt))
