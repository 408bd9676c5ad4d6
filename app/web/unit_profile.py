"""A unit's kind and headcount (在册人数) with its registration rate; the platform admin's
registration target and the city's units by kind."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional

from app.auth_state import role_required
from app.models import Unit
from app.services import headcounts, units
from app.services.errors import get_or_404
from app.web.forms import BaseForm, coded_choices, domain_errors, form_status

bp = Blueprint("unit_profile", __name__, url_prefix="/admin")


class UnitProfileForm(BaseForm):
    kind = SelectField(_l("单位类型"), choices=coded_choices(_l("未设置"), headcounts.UNIT_KINDS))
    headcount = IntegerField(
        _l("在册人数（可选）"), validators=[Optional(), NumberRange(1, headcounts.HEADCOUNT_MAX)]
    )
    submit = SubmitField(_l("保存"))


class TargetForm(BaseForm):
    percent = IntegerField(_l("登记率目标（%）"), validators=[InputRequired(), NumberRange(1, 100)])
    submit = SubmitField(_l("保存目标"))


@bp.get("/unit", endpoint="mine")
@role_required("unit_admin")
def mine():
    return redirect(url_for(".edit", unit_id=current_user.unit_id))


@bp.route("/units/<int:unit_id>/profile", methods=["GET", "POST"], endpoint="edit")
@role_required("platform_admin", "unit_admin")
def edit(unit_id: int):
    units.ensure_can_manage_unit(current_user, unit_id)
    unit = get_or_404(Unit, unit_id)
    form = UnitProfileForm(data={"kind": unit.kind or "", "headcount": unit.headcount})
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            kind = form.kind.data or None
            headcounts.set_profile(unit, kind=kind, headcount=form.headcount.data, by=current_user)
        if attempt.ok:
            _flash_saved(headcounts.registration(unit).flagged)
            return redirect(url_for(".edit", unit_id=unit.id))
    reg = headcounts.registration(unit)
    page = render_template(
        "unit_profile/edit.html", unit=unit, form=form, reg=reg, kind_label=headcounts.kind_label
    )
    return page, form_status(form)


def _flash_saved(flagged: bool) -> None:
    if flagged:
        flash(_("已保存。注意：在册人数少于已登记的志愿者人数，请核实"), "warning")
    else:
        flash(_("已保存"), "success")


@bp.route("/registration", methods=["GET", "POST"], endpoint="registration")
@role_required("platform_admin")
def registration():
    form = TargetForm(data={"percent": headcounts.target()})
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            headcounts.set_target(form.percent.data, by=current_user)
        if attempt.ok:
            flash(_("已保存登记率目标"), "success")
            return redirect(url_for(".registration"))
    return _registration_page(form)


def _registration_page(form: TargetForm):
    all_units = units.list_units(active_only=True)
    return render_template(
        "unit_profile/registration.html",
        form=form,
        units=all_units,
        regs=headcounts.registrations(all_units),
        by_kind=headcounts.units_by_kind(),
        kind_label=headcounts.kind_label,
    ), form_status(form)
