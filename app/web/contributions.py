"""Contributions other than hours (捐赠、献血): a unit admin records its unit's with evidence;
the office sets each unit's yearly targets and sees the overview."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import MultipleFileField
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.auth_state import ADMINS, role_required
from app.services import contributions, evidence_files, units
from app.services.clock import local_today
from app.web.forms import BaseForm, db_int, domain_errors, fields_of, send_bytes, uploads

bp = Blueprint("contributions", __name__, url_prefix="/contributions")


class RecordForm(BaseForm):
    kind = SelectField(_l("类型"), choices=[SelectChoice(k, v) for k, v in contributions.KINDS.items()])
    day = DateField(_l("日期"), validators=[DataRequired()])
    description = StringField(
        _l("说明（捐物请写明物品）"), validators=[Optional(), Length(max=contributions.DESCRIPTION_MAX)]
    )
    amount = DecimalField(_l("金额或折价（元，捐款和捐物填写）"), places=2, validators=[Optional()])
    persons = IntegerField(
        _l("献血人次（献血填写）"), validators=[Optional(), NumberRange(min=1, max=contributions.PERSONS_MAX)]
    )
    files = MultipleFileField(_l("证明材料（PDF或图片，每个不超过5MB，最多5个）"))
    submit = SubmitField(_l("登记"))


class TargetForm(BaseForm):
    unit_id = SelectField(_l("成员单位"), coerce=int, validators=[DataRequired(_l("请选择成员单位"))])
    donations = DecimalField(_l("年度捐赠目标（元）"), places=2, validators=[Optional()])
    blood = IntegerField(_l("年度献血目标（人次）"), validators=[Optional()])
    submit = SubmitField(_l("保存年度目标"))


def _year() -> int:
    year = request.args.get("year", local_today().year, type=db_int)
    return year if 2000 <= year <= 2100 else local_today().year


def _page(year: int, form=None, target_form=None, status=200):
    office = current_user.role == "platform_admin"
    target_form = target_form or TargetForm()
    target_form.unit_id.choices = [SelectChoice(u.id, u.name) for u in units.list_units(active_only=True)]
    return render_template(
        "contributions/index.html",
        year=year,
        items=contributions.list_for(current_user, year),
        overview=contributions.overview(year) if office else None,
        mine=None if office else contributions.period_figures_for_unit(current_user.unit_id, year),
        form=form or RecordForm(day=local_today()),
        target_form=target_form if office else None,
        kinds=contributions.KINDS,
    ), status


@bp.get("/", endpoint="index")
@role_required(*ADMINS)
def index():
    return _page(_year())


@bp.post("/", endpoint="record")
@role_required("unit_admin")
def record():
    form = RecordForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            files = uploads(form.files.data, evidence_files.MAX_BYTES)
            what = fields_of(form, "kind", "day", "description", "amount", "persons")
            contributions.record(current_user.unit_id, **what, files=files, by=current_user)
        if attempt.ok:
            flash(_("已登记"), "success")
            return redirect(url_for(".index"))
    return _page(_year(), form=form, status=422)


@bp.post("/targets", endpoint="targets")
@role_required("platform_admin")
def targets():
    year = _year()
    form = TargetForm()
    form.unit_id.choices = [SelectChoice(u.id, u.name) for u in units.list_units(active_only=True)]
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            contributions.set_target(
                form.unit_id.data, year, donations=form.donations.data, blood=form.blood.data, by=current_user
            )
        if attempt.ok:
            flash(_("已保存年度目标"), "success")
            return redirect(url_for(".index", year=year))
    return _page(year, target_form=form, status=422)


@bp.get("/<int:contribution_id>/files/<int:file_id>", endpoint="file")
@role_required(*ADMINS)
def file(contribution_id: int, file_id: int):
    found = contributions.get_file(current_user, contribution_id, file_id)
    return send_bytes(found.data, found.filename, inline=False)
