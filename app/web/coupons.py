"""Volunteer coupon pages (my coupons, claim, the refreshing coupon QR) and the public list
of participating merchants and their offers by star level."""

from __future__ import annotations

import base64

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import role_required
from app.services import qr, stars, volunteers
from app.services.clock import iso, now
from app.services.errors import DomainError
from app.services.incentives import coupons, merchants, offers, typed_codes
from app.web.forms import domain_errors

bp = Blueprint("coupons", __name__)


@bp.get("/coupons/", endpoint="mine")
@role_required("volunteer")
def mine():
    volunteer = volunteers.volunteer_of(current_user)
    return render_template(
        "coupons/mine.html",
        volunteer=volunteer,
        coupons=coupons.volunteer_coupons(volunteer),
        offers=offers.offers_for_volunteer(volunteer),
        next_star_at=stars.next_threshold_hours(volunteer),
        now=now(),
    )


@bp.post("/offers/<int:offer_id>/claim")
@role_required("volunteer")
def claim(offer_id: int):
    volunteer = volunteers.volunteer_of(current_user)
    with domain_errors() as attempt:
        coupon = coupons.claim_coupon(volunteer, offers.get_offer(offer_id))
    if not attempt.ok:
        return redirect(url_for(".mine"))
    flash(_("领取成功！到店时出示优惠券二维码即可使用"), "success")
    return redirect(url_for(".show", coupon_id=coupon.id))


@bp.get("/coupons/<int:coupon_id>")
@role_required("volunteer")
def show(coupon_id: int):
    coupon = coupons.own_coupon(volunteers.volunteer_of(current_user), coupon_id)
    return render_template(
        "coupons/show.html",
        coupon=coupon,
        lifetime=qr.lifetime("coupon"),
        typed_code=typed_codes.typed_code(coupon.id) if coupon.status == "issued" else None,
    )


@bp.get("/coupons/<int:coupon_id>/code.json")
@role_required("volunteer")
def code(coupon_id: int):
    """A fresh signed code and its QR image; the page asks again about every minute."""
    coupon = coupons.own_coupon(volunteers.volunteer_of(current_user), coupon_id)
    try:
        text, expires = coupons.coupon_code(coupon)
    except DomainError as exc:
        return jsonify({"status": coupon.status, "message": exc.message}), exc.status
    response = jsonify(_code_json(coupon, text, expires))
    response.headers["Cache-Control"] = "no-store"
    return response


def _code_json(coupon, text: str, expires) -> dict:
    image = base64.b64encode(qr.png(text, box_size=8)).decode()
    return {
        "code": text,
        "expires_at": iso(expires),
        "status": coupon.status,
        "typed_code": typed_codes.typed_code(coupon.id),
        "image": f"data:image/png;base64,{image}",
    }


@bp.get("/merchants", endpoint="merchants")
def merchant_list():
    """Participating merchants and their offers, grouped by the star level they ask for."""
    by_level: dict[int, list] = {}
    for offer in offers.public_offers():
        by_level.setdefault(offer.min_star, []).append(offer)
    return render_template(
        "coupons/merchants.html", by_level=sorted(by_level.items()), thresholds=stars.thresholds()
    )


@bp.get("/merchants/<int:merchant_id>/logo")
def logo(merchant_id: int):
    merchant = merchants.get_merchant(merchant_id)
    if (
        not merchant.logo
        or merchant.status != "approved"
        and not (current_user.is_authenticated and current_user.role == "platform_admin")
    ):
        abort(404)
    return Response(
        merchant.logo,
        mimetype=merchant.logo_mimetype,
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
