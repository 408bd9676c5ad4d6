"""Merchant portal (phone first): scan or type a code, see eligibility, redeem once; the
pages a coupon QR (/q/#<token>) or volunteer card QR (/c/#<token>) opens; offers; figures."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import role_required
from app.rate_limits import code_limited
from app.services.errors import CodeInvalid, DomainError
from app.services.incentives import counter, coupons, figures, merchants, offers
from app.web.forms import db_int, domain_errors, form_status, send_bytes, submitted
from app.web.merchant_forms import OfferForm

bp = Blueprint("merchant", __name__)


# ------------------------------------------------------------------ at the counter


@bp.get("/merchant/", endpoint="scan")
@role_required("merchant")
def scan():
    """Type or paste a code (or a USB scanner types it); the camera app opens /q/ or /c/ itself.
    Codes travel in POST bodies only, never in a URL an access log would keep."""
    merchant = merchants.merchant_of(current_user)
    return render_template(
        "merchant/scan.html", merchant=merchant, recent=figures.recent_redemptions(merchant.id, limit=5)
    )


def _counter(code: str, status: int = 200):
    """The counter page for a scanned or typed code (rendered in answer to a POST)."""
    merchant = merchants.merchant_of(current_user)
    try:
        result = counter.verify_code(code, merchant)
    except CodeInvalid as exc:
        return render_template("merchant/code_refused.html", message=exc.message), exc.status
    return render_template("merchant/counter.html", result=result, merchant=merchant, code=code), status


@bp.post("/merchant/code", endpoint="read_code")
@code_limited
@role_required("merchant")
def read_code():
    """A code typed at /merchant/ or carried by a QR's fragment from /q/ or /c/."""
    code = (request.form.get("code") or "").strip()
    if not code:
        flash(_("请输入或扫描优惠券码、志愿者码"), "warning")
        return redirect(url_for(".scan"))
    return _counter(code)


@bp.post("/merchant/redeem", endpoint="redeem")
@code_limited
@role_required("merchant")
def redeem():
    code = (request.form.get("code") or "").strip()
    merchant = merchants.merchant_of(current_user)
    try:
        coupon = counter.redeem_with_code(
            request.form.get("coupon_id", type=db_int) or 0, code, merchant, by=current_user
        )
    except DomainError as exc:
        flash(exc.message, "danger")
        return _counter(code, exc.status)  # 4xx: nothing of the refused redemption is kept
    flash(_("核销成功：%(title)s", title=coupon.offer.title), "success")
    return redirect(url_for(".redeemed", coupon_id=coupon.id))


def _code_opener(kind: str):
    """What a coupon or card QR opens. The code is in the URL's fragment, which browsers never
    send, so no server or proxy access log records it; a small script posts it instead."""
    if not current_user.is_authenticated:
        return render_template("merchant/open_code.html", kind=kind, mode="login")
    if current_user.role != "merchant":
        return render_template("merchant/open_code.html", kind=kind, mode="wrong_role"), 403
    return render_template("merchant/open_code.html", kind=kind, mode="merchant")


@bp.get("/q/", endpoint="coupon_code")
def coupon_code():
    """A coupon QR opened by the merchant's phone (the code follows the #)."""
    return _code_opener("coupon")


@bp.get("/c/", endpoint="card_code")
def card_code():
    """A volunteer card QR: the holder's level, and their coupons usable here."""
    return _code_opener("card")


@bp.get("/merchant/redeemed/<int:coupon_id>")
@role_required("merchant")
def redeemed(coupon_id: int):
    merchant = merchants.merchant_of(current_user)
    coupon = coupons.get_coupon(coupon_id)
    if coupon.merchant_id != merchant.id:
        return render_template("merchant/code_refused.html", message=_("这不是本店的优惠券")), 403
    return render_template("merchant/redeemed.html", coupon=coupon, merchant=merchant)


# ------------------------------------------------------------------ offers


@bp.route("/merchant/offers", methods=["GET", "POST"], endpoint="offers")
@role_required("merchant")
def offer_list():
    merchant = merchants.merchant_of(current_user)
    form = OfferForm()
    if done := submitted(
        form,
        lambda: offers.save_offer(merchant, form.to_input(), by=current_user),
        lambda offer: _("已发布优惠“%(t)s”", t=offer.title),
        url_for(".offers"),
    ):
        return done
    return render_template(
        "merchant/offers.html", merchant=merchant, offers=offers.merchant_offers(merchant.id), form=form
    ), form_status(form)


@bp.route("/merchant/offers/<int:offer_id>", methods=["GET", "POST"])
@role_required("merchant")
def offer_edit(offer_id: int):
    merchant = merchants.merchant_of(current_user)
    offer = offers.get_offer(offer_id)
    merchants.ensure_can_manage_merchant(current_user, offer.merchant_id)
    form = OfferForm(obj=offer)
    if request.method == "GET":
        form.fill(offer)
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            offers.save_offer(merchant, form.to_input(), offer, by=current_user)
        if attempt.ok:
            flash(_("已保存"), "success")
            return redirect(url_for(".offers"))
    return render_template("merchant/offer_edit.html", merchant=merchant, offer=offer, form=form)


# ------------------------------------------------------------------ figures


@bp.get("/merchant/dashboard", endpoint="dashboard")
@role_required("merchant")
def dashboard():
    merchant = merchants.merchant_of(current_user)
    first, last, days = figures.period(request.args.get("days", type=db_int))
    return render_template(
        "merchant/dashboard.html",
        merchant=merchant,
        days=days,
        figures=figures.redemption_figures(merchant.id, first, last),
        recent=figures.recent_redemptions(merchant.id, limit=20),
    )


@bp.get("/merchant/dashboard.<fmt>")
@role_required("merchant")
def dashboard_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        return redirect(url_for(".dashboard"))
    merchant = merchants.merchant_of(current_user)
    first, last, _days = figures.period(request.args.get("days", type=db_int))
    return send_bytes(
        figures.redemptions_file(figures.redemption_figures(merchant.id, first, last), fmt),
        f"redemptions-{first.isoformat()}-{last.isoformat()}.{fmt}",
        inline=False,
    )
