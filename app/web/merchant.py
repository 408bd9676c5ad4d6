"""Merchant portal (phone first): scan or type a code, see eligibility, redeem once; the
pages a coupon QR (/q/#<token>) or volunteer card QR (/c/#<token>) opens; offers; figures."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.auth_state import role_required
from app.extensions import db
from app.rate_limits import code_limited
from app.services import incentives, spreadsheets
from app.services.clock import local, local_today, parse_local
from app.services.errors import CodeInvalid, DomainError
from app.web.forms import BaseForm, apply_errors, db_int

bp = Blueprint("merchant", __name__)


class OfferForm(BaseForm):
    title = StringField(_l("优惠标题"), validators=[DataRequired(), Length(max=100)])
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])
    min_star = SelectField(_l("最低星级"), coerce=int, choices=[SelectChoice(i, _l("%(n)d星", n=i)) for i in range(1, 6)])
    quantity = IntegerField(_l("总量（留空为不限）"), validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    per_volunteer_limit = IntegerField(_l("每人限领（留空为不限）"), default=1,
                                       validators=[Optional(), NumberRange(min=1, max=1000)])
    limit_period = SelectField(_l("限领周期"), choices=[SelectChoice("month", _l("每月")), SelectChoice("total", _l("活动期内"))])
    valid_from = DateTimeLocalField(_l("开始时间"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    valid_until = DateTimeLocalField(_l("结束时间"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    is_active = BooleanField(_l("上架"), default=True)
    submit = SubmitField(_l("保存"))

    def to_input(self) -> incentives.OfferInput:
        return incentives.OfferInput(
            title=self.title.data, description=self.description.data, min_star=self.min_star.data,
            quantity=self.quantity.data, per_volunteer_limit=self.per_volunteer_limit.data,
            limit_period=self.limit_period.data,
            valid_from=parse_local(self.valid_from.data) if self.valid_from.data else None,
            valid_until=parse_local(self.valid_until.data) if self.valid_until.data else None,
            is_active=self.is_active.data)

    def fill(self, offer) -> None:
        if offer.valid_from:
            self.valid_from.data = local(offer.valid_from).replace(tzinfo=None)
        if offer.valid_until:
            self.valid_until.data = local(offer.valid_until).replace(tzinfo=None)


def save_offer(form: OfferForm, merchant, offer=None):
    """Create or update from a validated form; None (and errors on the form) on refusal."""
    try:
        if offer is None:
            offer = incentives.create_offer(merchant, form.to_input(), by=current_user)
        else:
            incentives.update_offer(offer, form.to_input(), by=current_user)
    except DomainError as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return None
    db.session.commit()
    return offer


# ------------------------------------------------------------------ at the counter

@bp.get("/merchant/", endpoint="scan")
@role_required("merchant")
def scan():
    """Type or paste a code (or a USB scanner types it); the camera app opens /q/ or /c/ itself.
    Codes travel in POST bodies only, never in a URL an access log would keep."""
    merchant = incentives.merchant_of(current_user)
    return render_template("merchant/scan.html", merchant=merchant,
                           recent=incentives.recent_redemptions(merchant.id, limit=5))


def _counter(code: str, status: int = 200):
    """The counter page for a scanned or typed code (rendered in answer to a POST)."""
    merchant = incentives.merchant_of(current_user)
    try:
        result = incentives.verify_code(code, merchant)
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
    merchant = incentives.merchant_of(current_user)
    try:
        coupon = incentives.redeem_with_code(request.form.get("coupon_id", type=db_int) or 0, code, merchant,
                                             by=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _counter(code, exc.status)
    db.session.commit()
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
    merchant = incentives.merchant_of(current_user)
    coupon = incentives.get_coupon(coupon_id)
    if coupon.merchant_id != merchant.id:
        return render_template("merchant/code_refused.html", message=_("这不是本店的优惠券")), 403
    return render_template("merchant/redeemed.html", coupon=coupon, merchant=merchant)


# ------------------------------------------------------------------ offers

@bp.route("/merchant/offers", methods=["GET", "POST"], endpoint="offers")
@role_required("merchant")
def offers():
    merchant = incentives.merchant_of(current_user)
    form = OfferForm()
    if form.validate_on_submit():
        offer = save_offer(form, merchant)
        if offer is not None:
            flash(_("已发布优惠“%(t)s”", t=offer.title), "success")
            return redirect(url_for(".offers"))
    return render_template("merchant/offers.html", merchant=merchant, offers=incentives.merchant_offers(merchant.id),
                           form=form), 422 if form.errors else 200


@bp.route("/merchant/offers/<int:offer_id>", methods=["GET", "POST"])
@role_required("merchant")
def offer_edit(offer_id: int):
    merchant = incentives.merchant_of(current_user)
    offer = incentives.get_offer(offer_id)
    incentives.ensure_can_manage_merchant(current_user, offer.merchant_id)
    form = OfferForm(obj=offer)
    if request.method == "GET":
        form.fill(offer)
    if form.validate_on_submit() and save_offer(form, merchant, offer) is not None:
        flash(_("已保存"), "success")
        return redirect(url_for(".offers"))
    return render_template("merchant/offer_edit.html", merchant=merchant, offer=offer, form=form)


# ------------------------------------------------------------------ figures

def _period() -> tuple:
    last = local_today()
    days = request.args.get("days", 30, type=db_int)
    days = days if days in (7, 30, 90, 365) else 30
    return last - timedelta(days=days - 1), last, days


@bp.get("/merchant/dashboard", endpoint="dashboard")
@role_required("merchant")
def dashboard():
    merchant = incentives.merchant_of(current_user)
    first, last, days = _period()
    figures = incentives.redemption_figures(merchant.id, first, last)
    return render_template("merchant/dashboard.html", merchant=merchant, figures=figures, days=days,
                           recent=incentives.recent_redemptions(merchant.id, limit=20))


def export_figures(figures: dict, fmt: str, filename: str):
    """CSV or XLSX of redemptions by day and by offer (shared with the platform view)."""
    day_rows = [(d.isoformat(), n) for d, n in figures["by_day"]]
    offer_rows = [(o["merchant"], o["title"], o["min_star"], o["redeemed"]) for o in figures["by_offer"]]
    if fmt == "xlsx":
        from openpyxl import Workbook
        book = Workbook()
        sheet = book.active
        sheet.title = _("按日")
        spreadsheets.append_row(sheet, [_("日期"), _("核销数")])
        for row in day_rows:
            spreadsheets.append_row(sheet, row)
        offers_sheet = book.create_sheet(_("按优惠"))
        spreadsheets.append_row(offers_sheet, [_("商家"), _("优惠"), _("最低星级"), _("核销数")])
        for offer_row in offer_rows:
            spreadsheets.append_row(offers_sheet, offer_row)
        buffer = io.BytesIO()
        book.save(buffer)
        buffer.seek(0)
        return send_file(buffer, as_attachment=True, download_name=f"{filename}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    out = io.StringIO()
    writer = csv.writer(out)
    spreadsheets.write_csv_rows(writer, [[_("日期"), _("核销数")], *day_rows, [],
                                         [_("商家"), _("优惠"), _("最低星级"), _("核销数")], *offer_rows])
    return Response("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})


@bp.get("/merchant/dashboard.<fmt>")
@role_required("merchant")
def dashboard_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        return redirect(url_for(".dashboard"))
    merchant = incentives.merchant_of(current_user)
    first, last, _days = _period()
    return export_figures(incentives.redemption_figures(merchant.id, first, last), fmt,
                          f"redemptions-{first.isoformat()}-{last.isoformat()}")
