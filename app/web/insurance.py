"""Volunteer insurance for admins: record a cover, see who it covers, export the insured list."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.auth_state import ADMINS, role_required
from app.services import insurance, units
from app.web.forms import BaseForm, form_input, form_status, send_bytes, submitted

bp = Blueprint("insurance", __name__, url_prefix="/admin/insurance")


class CoverForm(BaseForm):
    unit_id = SelectField(_l("成员单位"), coerce=int)
    insurer = StringField(_l("保险公司"), validators=[DataRequired(), Length(max=100)])
    policy_no = StringField(_l("保单号"), validators=[DataRequired(), Length(max=50)])
    starts_on = DateField(_l("保险起期"), validators=[DataRequired()])
    ends_on = DateField(_l("保险止期"), validators=[DataRequired()])
    scope = SelectField(
        _l("保障范围"),
        choices=[SelectChoice("unit", _l("本单位全部志愿者")), SelectChoice("list", _l("名单中的志愿者"))],
    )
    volunteer_nos = TextAreaField(
        _l("志愿者编号名单（按名单投保时填写，每行一个或用逗号分隔）"),
        validators=[Optional(), Length(max=100_000)],
    )
    submit = SubmitField(_l("登记保险"))

    def offer_units(self, user) -> None:
        self.unit_id.choices = [
            SelectChoice(u.id, u.name)
            for u in units.list_units(active_only=True)
            if units.can_manage_unit(user, u.id)
        ]

    def cover_input(self) -> insurance.CoverInput:
        numbers = (self.volunteer_nos.data or "").replace(",", "\n").replace("，", "\n").split()
        return form_input(self, insurance.CoverInput, volunteer_nos=numbers)


def _scope() -> int | None:
    return None if current_user.role == "platform_admin" else current_user.unit_id


@bp.route("/", methods=["GET", "POST"], endpoint="index")
@role_required(*ADMINS)
def index():
    form = CoverForm()
    form.offer_units(current_user)
    if done := submitted(
        form,
        lambda: insurance.create_cover(form.cover_input(), by=current_user),
        lambda cover: _("已登记保险：%(p)s", p=cover.policy_no),
        lambda cover: url_for(".show", cover_id=cover.id),
    ):
        return done
    covers = insurance.list_covers(_scope())
    return render_template("insurance/index.html", form=form, covers=covers), form_status(form)


@bp.get("/<int:cover_id>", endpoint="show")
@role_required(*ADMINS)
def show(cover_id: int):
    cover = insurance.get_cover(cover_id, by=current_user)
    return render_template(
        "insurance/show.html", cover=cover, people=insurance.insured(cover)[:500], form=BaseForm()
    )


@bp.post("/<int:cover_id>/insured.xlsx", endpoint="export")
@role_required(*ADMINS)
def export(cover_id: int):
    """A POST: every export is an audited access to personal data."""
    cover = insurance.get_cover(cover_id, by=current_user)
    if not BaseForm().validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "danger")
        return redirect(url_for(".show", cover_id=cover.id))
    full = request.form.get("full") == "1"
    data = insurance.export_xlsx(cover, by=current_user, full_ids=full)
    return send_bytes(data, f"insured-{cover.id}{'-full' if full else ''}.xlsx", inline=False)
