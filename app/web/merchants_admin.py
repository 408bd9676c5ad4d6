"""Platform admin: register and approve merchants and their accounts, publish offers for
them, and see every merchant's redemptions."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.auth_state import role_required
from app.services.incentives import figures, merchants, offers
from app.web.account_forms import new_account_fields
from app.web.forms import BaseForm, db_int, domain_errors, fields_of, form_status, send_bytes, submitted
from app.web.merchant_forms import OfferForm

bp = Blueprint("merchants_admin", __name__, url_prefix="/admin/merchants")


class MerchantForm(BaseForm):
    name = StringField(_l("商家名称"), validators=[DataRequired(), Length(max=100)])
    category = SelectField(
        _l("类别"),
        choices=[SelectChoice("", "—")]
        + [SelectChoice(value, label) for value, label in merchants.CATEGORIES.items()],
        validators=[Optional()],
    )
    address = StringField(_l("地址"), validators=[Optional(), Length(max=200)])
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=50)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=20)])
    submit = SubmitField(_l("保存"))

    def update(self, merchant, *, by):
        return merchants.update_merchant(merchant, by=by, **self.values())

    def values(self) -> dict:
        return {
            "name": self.name.data,
            "category": self.category.data or None,
            "address": self.address.data,
            "contact_name": self.contact_name.data,
            "contact_phone": self.contact_phone.data,
        }


class AccountForm(BaseForm):
    name, username, password = new_account_fields(_l("店员姓名"))
    submit = SubmitField(_l("创建商家账号"))

    def create(self, merchant, *, by):
        return merchants.create_merchant_account(
            merchant, **fields_of(self, "username", "password", "name"), by=by
        )

    @staticmethod
    def created(user) -> str:
        return _("已创建商家账号 %(u)s", u=user.username)


class LogoForm(BaseForm):
    logo = FileField(
        _l("标志（PNG或JPEG，不超过512KB）"),
        validators=[FileRequired()],
        render_kw={"accept": "image/png,image/jpeg"},
    )
    submit = SubmitField(_l("上传"))

    def save(self, merchant, *, by):
        data = self.logo.data.read(merchants.LOGO_MAX_BYTES + 1)
        return merchants.set_logo(merchant, data, by=by, filename=self.logo.data.filename or "")


@bp.route("/", methods=["GET", "POST"], endpoint="index")
@role_required("platform_admin")
def index():
    form = MerchantForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            # registered through the portal, a merchant waits for review
            merchant = merchants.create_merchant(by=current_user, approved=False, **form.values())
        if attempt.ok:
            flash(_("已登记商家“%(n)s”，请审核并为其创建账号", n=merchant.name), "success")
            return redirect(url_for(".detail", merchant_id=merchant.id))
    return _index_page(form)


def _index_page(form: MerchantForm):
    first, last, days = figures.period(request.args.get("days", type=db_int))
    return render_template(
        "merchants_admin/index.html",
        merchants=merchants.list_merchants(),
        form=form,
        categories=merchants.CATEGORIES,
        figures=figures.redemption_figures(None, first, last),
        days=days,
    ), form_status(form)


def _detail_page(merchant, status=200, **forms):
    forms.setdefault("form", MerchantForm(obj=merchant, prefix="m"))
    forms.setdefault("account_form", AccountForm(prefix="a"))
    forms.setdefault("logo_form", LogoForm(prefix="l"))
    forms.setdefault("offer_form", OfferForm(prefix="o"))
    return render_template(
        "merchants_admin/detail.html",
        merchant=merchant,
        accounts=merchants.merchant_accounts(merchant.id),
        offers=offers.merchant_offers(merchant.id),
        recent=figures.recent_redemptions(merchant.id, limit=20),
        **forms,
    ), status


def _detail_form(merchant, name: str, form, act, done, *, status: int | None = 422):
    """One form of the merchant's page: act(merchant) when it validates; when the service takes
    it, a flash and back to the page; otherwise the page again with the form's errors (status
    None: 422 only if a field has one)."""
    answer = submitted(
        form, lambda: act(merchant, by=current_user), done, url_for(".detail", merchant_id=merchant.id)
    )
    return answer or _detail_page(merchant, form_status(form) if status is None else status, **{name: form})


@bp.route("/<int:merchant_id>", methods=["GET", "POST"])
@role_required("platform_admin")
def detail(merchant_id: int):
    merchant = merchants.get_merchant(merchant_id)
    form = MerchantForm(obj=merchant, prefix="m")
    return _detail_form(merchant, "form", form, form.update, _("已保存"), status=None)


@bp.post("/<int:merchant_id>/status")
@role_required("platform_admin")
def set_status(merchant_id: int):
    merchant = merchants.get_merchant(merchant_id)
    with domain_errors() as attempt:
        merchants.set_status(
            merchant,
            request.form.get("status", ""),
            by=current_user,
            reason=(request.form.get("reason") or "")[:200] or None,
        )
    if attempt.ok:
        flash(_("商家已通过审核") if merchant.status == "approved" else _("商家已暂停"), "success")
    return redirect(url_for(".detail", merchant_id=merchant.id))


@bp.post("/<int:merchant_id>/accounts")
@role_required("platform_admin")
def account_new(merchant_id: int):
    form = AccountForm(prefix="a")
    return _detail_form(merchants.get_merchant(merchant_id), "account_form", form, form.create, form.created)


@bp.post("/<int:merchant_id>/logo")
@role_required("platform_admin")
def logo_upload(merchant_id: int):
    form = LogoForm(prefix="l")
    return _detail_form(merchants.get_merchant(merchant_id), "logo_form", form, form.save, _("已更新标志"))


@bp.post("/<int:merchant_id>/offers")
@role_required("platform_admin")
def offer_new(merchant_id: int):
    form = OfferForm(prefix="o")
    act = partial(_publish_offer, form)
    return _detail_form(merchants.get_merchant(merchant_id), "offer_form", form, act, _offer_published)


def _publish_offer(form: OfferForm, merchant, *, by):
    return offers.save_offer(merchant, form.to_input(), by=by)


def _offer_published(offer) -> str:
    return _("已为“%(m)s”发布优惠“%(t)s”", m=offer.merchant.name, t=offer.title)


@bp.route("/offers/<int:offer_id>", methods=["GET", "POST"])
@role_required("platform_admin")
def offer_edit(offer_id: int):
    offer = offers.get_offer(offer_id)
    form = OfferForm(obj=offer)
    if request.method == "GET":
        form.fill(offer)
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            offers.save_offer(offer.merchant, form.to_input(), offer, by=current_user)
        if attempt.ok:
            flash(_("已保存"), "success")
            return redirect(url_for(".detail", merchant_id=offer.merchant_id))
    return render_template("merchant/offer_edit.html", merchant=offer.merchant, offer=offer, form=form)


@bp.get("/redemptions.<fmt>")
@role_required("platform_admin")
def export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        return redirect(url_for(".index"))
    first, last, _days = figures.period(request.args.get("days", type=db_int))
    return send_bytes(
        figures.redemptions_file(figures.redemption_figures(None, first, last), fmt),
        f"all-redemptions-{first.isoformat()}-{last.isoformat()}.{fmt}",
        inline=False,
    )
