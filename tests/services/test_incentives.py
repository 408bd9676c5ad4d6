"""Merchants, offers and coupons: eligibility, quotas and limits under racing claims, and
redemption exactly once under racing merchants, on SQLite and PostgreSQL alike."""
import io
from datetime import timedelta

import pytest
from PIL import Image

from app.extensions import db as _db
from app.models import Coupon, Offer, Volunteer
from app.services import qr
from app.services.clock import local, now
from app.services.errors import (
    AlreadyRedeemed,
    CodeExpired,
    CodeInvalid,
    Conflict,
    CouponExpired,
    DomainError,
    Forbidden,
    NotEligible,
    ValidationFailed,
)
from app.services.incentives.counter import redeem, redeem_with_code, verify_code
from app.services.incentives.coupons import claim_coupon, coupon_code, expire_coupons
from app.services.incentives.figures import redemption_figures
from app.services.incentives.merchants import (
    LOGO_MAX_BYTES,
    approve_merchant,
    create_merchant,
    create_merchant_account,
    merchant_of,
    set_logo,
    suspend_merchant,
)
from app.services.incentives.offers import (
    OfferInput,
    create_offer,
    eligible_offers,
    offers_for_volunteer,
    update_offer,
)
from tests import factories as f


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(out, "PNG")
    return out.getvalue()


PNG = _png()


def shop(name="志愿者之家便利店", approved=True):
    admin = f.platform_admin()
    merchant = create_merchant(name=name, by=admin, approved=approved)
    user = create_merchant_account(merchant, username=f"{merchant.id}shop{merchant.name[-1]}x",
                                              password=f.PASSWORD, name="店员", by=admin)
    _db.session.commit()
    return merchant, user


def offer_of(merchant, **kw):
    data = OfferInput(**{"title": "九折", "min_star": 1, **kw})
    offer = create_offer(merchant, data, by=None)
    _db.session.commit()
    return offer


def star_volunteer(hours=300, unit=None):
    volunteer = f.volunteer(unit)
    if hours:
        f.give_hours(volunteer, hours)
    return volunteer


# ------------------------------------------------------------------ merchants and offers

def test_merchant_needs_approval_and_an_account_bound_to_it(db):
    merchant, user = shop(approved=False)
    assert merchant.status == "pending" and user.merchant_id == merchant.id and user.role == "merchant"
    with pytest.raises(Forbidden):
        merchant_of(user)
    approve_merchant(merchant, by=None)
    assert merchant_of(user) is merchant
    suspend_merchant(merchant, by=None, reason="投诉")
    with pytest.raises(Forbidden):
        merchant_of(user)
    with pytest.raises(Conflict):
        create_merchant(name=merchant.name, by=None, approved=False)


def test_a_logo_is_a_real_image_kept_small_as_jpeg_without_metadata(db):
    merchant, _user = shop()
    set_logo(merchant, PNG, by=None)
    assert merchant.logo_mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(merchant.logo)).format == "JPEG"
    with_gps = Image.Exif()
    with_gps[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0)}
    photo = io.BytesIO()
    Image.new("RGB", (2000, 1000), "blue").save(photo, "JPEG", exif=with_gps.tobytes())
    set_logo(merchant, photo.getvalue(), by=None)
    kept = Image.open(io.BytesIO(merchant.logo))
    assert kept.size == (480, 240) and dict(kept.getexif()) == {}
    for not_an_image in (b"\xff\xd8\xff\xe0" + b"\0" * 10, b"GIF89a" + b"\0" * 10):
        with pytest.raises(ValidationFailed) as exc:
            set_logo(merchant, not_an_image, by=None)
        assert "logo" in exc.value.fields
    with pytest.raises(ValidationFailed):
        set_logo(merchant, PNG + b"\0" * LOGO_MAX_BYTES, by=None)

def test_offer_validation_and_quota_cannot_shrink_below_claims(db):
    merchant, user = shop()
    with pytest.raises(ValidationFailed) as exc:
        create_offer(merchant, OfferInput(title="", min_star=7, limit_period="week"), by=user)
    assert {"title", "min_star", "limit_period"} <= set(exc.value.fields)
    other, _u = shop("别家店")
    with pytest.raises(Forbidden):
        create_offer(other, OfferInput(title="越权"), by=user)
    offer = offer_of(merchant, quantity=5, per_volunteer_limit=None)
    for _ in range(3):
        claim_coupon(star_volunteer(), offer)
    _db.session.commit()
    with pytest.raises(ValidationFailed):
        update_offer(offer, OfferInput(title="九折", quantity=2), by=user)
    _db.session.rollback()
    update_offer(offer, OfferInput(title="八折", quantity=3), by=user)
    assert offer.quantity == 3 and offer.title == "八折"


# ------------------------------------------------------------------ claims

def test_below_level_claim_says_what_is_needed(db):
    merchant, _user = shop()
    offer = offer_of(merchant, min_star=3)
    volunteer = star_volunteer(300)  # 2★
    with pytest.raises(NotEligible) as exc:
        claim_coupon(volunteer, offer)
    assert exc.value.status == 403
    assert exc.value.details["needed_star"] == 3 and exc.value.details["hours_needed"] == 300
    assert "3星" in exc.value.message and "300" in exc.value.message
    views = {v.offer.id: v for v in offers_for_volunteer(volunteer)}
    assert views[offer.id].state == "below_level" and views[offer.id].hours_needed == 300


def test_claim_issues_coupon_within_window_and_limit(db):
    merchant, _user = shop()
    offer = offer_of(merchant, per_volunteer_limit=1, limit_period="month",
                     valid_until=now() + timedelta(days=10))
    volunteer = star_volunteer()
    coupon = claim_coupon(volunteer, offer)
    _db.session.commit()
    assert coupon.status == "issued" and coupon.merchant_id == merchant.id
    assert coupon.period_key == local(now()).strftime("%Y-%m")
    assert coupon.expires_at == offer.valid_until  # never outlives its offer
    assert offer.claimed_count == 1
    with pytest.raises(Conflict) as exc:
        claim_coupon(volunteer, offer)
    assert exc.value.details["reason"] == "limit_reached"
    # next month the monthly limit starts again
    next_month = now() + timedelta(days=32)
    offer.valid_until = None
    _db.session.commit()
    assert claim_coupon(volunteer, offer, at=next_month).period_key != coupon.period_key
    ended = offer_of(merchant, title="过期活动", valid_until=now() - timedelta(days=1))
    with pytest.raises(Conflict):
        claim_coupon(volunteer, ended)


def test_racing_claims_never_exceed_the_quota(race, db):
    merchant, _user = shop()
    offer = offer_of(merchant, quantity=3, per_volunteer_limit=None)
    ids = [star_volunteer(150).id for _ in range(8)]
    offer_id = offer.id

    def claim(i):
        volunteer = _db.session.get(Volunteer, ids[i])
        return claim_coupon(volunteer, _db.session.get(Offer, offer_id)).id

    results = race(8, claim)
    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 3 and len(lost) == 5
    assert all(isinstance(e, Conflict) and e.details.get("reason") == "sold_out" for e in lost)
    _db.session.expire_all()
    assert _db.session.get(Offer, offer_id).claimed_count == 3
    assert _db.session.scalar(_db.select(_db.func.count(Coupon.id))) == 3


def test_racing_claims_of_one_volunteer_respect_the_monthly_limit(race, db):
    merchant, _user = shop()
    offer = offer_of(merchant, quantity=None, per_volunteer_limit=2, limit_period="month")
    volunteer_id, offer_id = star_volunteer().id, offer.id

    def claim(_i):
        return claim_coupon(_db.session.get(Volunteer, volunteer_id),
                                       _db.session.get(Offer, offer_id)).id

    results = race(6, claim)
    assert len([r for r in results if isinstance(r, int)]) == 2
    assert all(r.details.get("reason") == "limit_reached" for r in results if isinstance(r, DomainError))
    assert _db.session.scalar(_db.select(_db.func.count(Coupon.id))) == 2


# ------------------------------------------------------------------ redemption

def issued_coupon(min_star=1, **kw):
    merchant, user = shop()
    offer = offer_of(merchant, min_star=min_star, **kw)
    volunteer = star_volunteer()
    coupon = claim_coupon(volunteer, offer)
    _db.session.commit()
    return merchant, user, coupon


def test_ten_merchants_pressing_at_once_redeem_exactly_once(race, db):
    merchant, user, coupon = issued_coupon()
    coupon_id, merchant_id, user_id = coupon.id, merchant.id, user.id

    def press(_i):
        from app.models import Merchant, User
        return redeem(coupon_id, _db.session.get(Merchant, merchant_id),
                                 by=_db.session.get(User, user_id)).id

    results = race(10, press)
    assert results.count(coupon_id) == 1
    refusals = [r for r in results if isinstance(r, DomainError)]
    assert len(refusals) == 9
    assert all(isinstance(r, AlreadyRedeemed) and r.status == 409 for r in refusals)
    assert all(merchant.name in r.message for r in refusals)
    _db.session.expire_all()
    stored = _db.session.get(Coupon, coupon_id)
    assert stored.status == "redeemed" and stored.redeemed_by_id == user_id


def test_refusals_explain(db):
    merchant, user, coupon = issued_coupon()
    other, other_user = shop("隔壁面包店")
    with pytest.raises(Forbidden) as exc:
        redeem(coupon.id, other, by=other_user)
    assert "不是本店" in exc.value.message and coupon.status == "issued"
    at = now()
    redeem(coupon.id, merchant, by=user, at=at)
    _db.session.commit()
    with pytest.raises(AlreadyRedeemed) as exc:
        redeem(coupon.id, merchant, by=user)
    assert local(at).strftime("%Y-%m-%d %H:%M") in exc.value.message and merchant.name in exc.value.message
    assert exc.value.details["merchant"] == merchant.name


def test_expired_coupons_are_refused_and_marked_by_the_job(db):
    merchant, user, coupon = issued_coupon()
    later = coupon.expires_at + timedelta(seconds=1)
    with pytest.raises(CouponExpired):
        redeem(coupon.id, merchant, by=user, at=later)
    assert expire_coupons(now()) == 0
    assert expire_coupons(later) == 1
    assert expire_coupons(later) == 0
    _db.session.commit()
    _db.session.refresh(coupon)
    assert coupon.status == "expired"
    with pytest.raises(CouponExpired):
        redeem(coupon.id, merchant, by=user)
    with pytest.raises(CouponExpired):
        coupon_code(coupon)


# ------------------------------------------------------------------ codes

def test_verify_coupon_and_card_codes(app, db):
    merchant, user, coupon = issued_coupon(min_star=2)
    offer_3 = offer_of(merchant, title="三星专享", min_star=3)
    code, expires = coupon_code(coupon)
    assert code.startswith("http://vs.test/q/") and expires > now()
    result = verify_code(code, merchant)
    assert result.kind == "coupon" and result.redeemable and result.coupon.id == coupon.id
    assert (result.volunteer.masked_name, result.volunteer.star_level) == (coupon.volunteer.masked_name, 2)
    assert result.coupon.status == "issued"
    # the coupon's own offer is claimed up to its limit of one; the 3★ offer is above the level
    eligible = [o.id for o in result.eligible_offers]
    assert coupon.offer_id not in eligible and offer_3.id not in eligible
    # a bare token typed by a USB scanner works too
    assert verify_code(code.rsplit("/", 1)[1], merchant).coupon.id == coupon.id
    card, _exp = qr.make_url("card", {"v": coupon.volunteer_id})
    by_card = verify_code(card, merchant)
    assert by_card.kind == "card" and by_card.coupon is None
    assert [c.id for c in by_card.issued_coupons] == [coupon.id]
    # the card of the coupon's holder redeems; a wrong coupon code does not
    with pytest.raises(CodeInvalid):
        redeem_with_code(coupon.id, qr.make_url("coupon", {"c": coupon.id + 99})[0], merchant, by=user)
    assert redeem_with_code(coupon.id, card, merchant, by=user).status == "redeemed"
    other, _u = shop("别家")
    seen = verify_code(code, other)
    assert not seen.redeemable and isinstance(seen.refusal, AlreadyRedeemed)


def test_counter_lists_only_offers_the_volunteer_could_still_take(app, db):
    merchant, _user = shop()
    open_offer = offer_of(merchant, title="九折", min_star=1, per_volunteer_limit=None)
    sold_out = offer_of(merchant, title="限量", min_star=1, quantity=1, per_volunteer_limit=None)
    used_up = offer_of(merchant, title="每人一次", min_star=1, per_volunteer_limit=1)
    monthly = offer_of(merchant, title="每月两次", min_star=1, per_volunteer_limit=2)
    volunteer, someone_else = star_volunteer(), star_volunteer()
    claim_coupon(someone_else, sold_out)
    claim_coupon(volunteer, used_up)
    claim_coupon(volunteer, monthly)
    _db.session.commit()
    card, _exp = qr.make_url("card", {"v": volunteer.id})
    seen = verify_code(card, merchant)
    assert [o.id for o in seen.eligible_offers] == [open_offer.id, monthly.id]
    assert [o.id for o in eligible_offers(volunteer, merchant)] == [open_offer.id, monthly.id]
    # the volunteer's offers page applies the same rule
    states = {v.offer.id: v.state for v in offers_for_volunteer(volunteer)}
    assert states == {open_offer.id: "claimable", sold_out.id: "sold_out", used_up.id: "limit_reached",
                      monthly.id: "claimable"}


def test_tampered_and_expired_codes_are_refused(app, db):
    merchant, _user, coupon = issued_coupon()
    code, _exp = coupon_code(coupon)
    with pytest.raises(CodeInvalid):
        verify_code(code[:-3] + ("AAA" if not code.endswith("AAA") else "BBB"), merchant)
    with pytest.raises(CodeInvalid):
        verify_code("http://vs.test/s/whatever", merchant)
    app.config["COUPON_CODE_SECONDS"] = -1  # every issued code is now older than its lifetime
    with pytest.raises(CodeExpired):
        verify_code(code, merchant)


# ------------------------------------------------------------------ figures

def test_dashboard_figures_group_by_day_and_offer(db):
    merchant, user = shop()
    first = offer_of(merchant, title="咖啡", per_volunteer_limit=None)
    second = offer_of(merchant, title="面包", per_volunteer_limit=None)
    volunteer = star_volunteer()
    today = local(now()).date()
    yesterday_noon = now() - timedelta(days=1)
    coupons = [claim_coupon(volunteer, o, at=now() - timedelta(days=2)) for o in (first, first, second)]
    _db.session.commit()
    redeem(coupons[0].id, merchant, by=user, at=yesterday_noon)
    redeem(coupons[1].id, merchant, by=user)
    redeem(coupons[2].id, merchant, by=user)
    other, other_user = shop("别家")
    foreign = claim_coupon(volunteer, offer_of(other, title="别家优惠"))
    redeem(foreign.id, other, by=other_user)
    _db.session.commit()
    figures = redemption_figures(merchant.id, today - timedelta(days=6), today)
    by_day = dict(figures["by_day"])
    assert len(by_day) == 7 and by_day[today] == 2 and by_day[local(yesterday_noon).date()] == 1
    assert figures["redeemed"] == 3 and figures["claimed"] == 3
    assert [(o["title"], o["redeemed"]) for o in figures["by_offer"]] == [("咖啡", 2), ("面包", 1)]
    everyone = redemption_figures(None, today - timedelta(days=6), today)
    assert everyone["redeemed"] == 4
    assert {m["merchant"]: m["redeemed"] for m in everyone["by_merchant"]} == {merchant.name: 3, other.name: 1}
