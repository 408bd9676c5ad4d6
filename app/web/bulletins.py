"""Monthly bulletins in the portal: lists, the bulletin page with charts, PDF and XLSX,
quarterly reviews, and the platform admin's targets and generation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from app.auth_state import ADMINS, role_required
from app.models import Unit
from app.services import units
from app.services.bulletins import evidence, exports, figures, labels, people, quarters, snapshots
from app.services.errors import Forbidden, get_or_404
from app.services.months import Month
from app.web.forms import BaseForm, db_int, domain_errors, send_bytes

bp = Blueprint("bulletins", __name__, url_prefix="/bulletins")


class GenerateForm(BaseForm):
    month = SelectField(_l("月份"))
    revise = BooleanField(_l("发布修订版（原版保留不变）"))
    submit = SubmitField(_l("生成通报"))


class TargetsForm(BaseForm):
    hours_per_volunteer_year = DecimalField(
        _l("人均年服务时长目标（小时）"), places=1, validators=[DataRequired(), NumberRange(0, 1000)]
    )
    trainings_per_year = IntegerField(_l("每年培训次数目标"), validators=[NumberRange(0, 100)])
    submit = SubmitField(_l("保存目标"))


def _readable(bulletin_id: int):
    bulletin = snapshots.get_bulletin(bulletin_id)
    if not snapshots.can_read(current_user, bulletin):
        raise Forbidden(_("只能查看本单位的通报"))
    return bulletin


@bp.get("/", endpoint="index")
@role_required(*ADMINS)
def index():
    is_platform = current_user.role == "platform_admin"
    generate_form = GenerateForm()
    generate_form.month.choices = [str(month) for month in figures.month_choices()]
    goal = figures.targets()
    targets_form = TargetsForm(data=goal)
    items = snapshots.list_bulletins(None if is_platform else current_user.unit_id, include_city=is_platform)
    return render_template(
        "bulletins/index.html", items=items, generate_form=generate_form, targets_form=targets_form
    )


@bp.post("/generate")
@role_required("platform_admin")
def generate():
    form = GenerateForm()
    form.month.choices = [str(month) for month in figures.month_choices()]
    if form.validate_on_submit():
        with domain_errors() as attempt:
            month = Month.parse(form.month.data)
            created = snapshots.generate_bulletins(month, by=current_user, revise=form.revise.data)
        if attempt.ok:
            _flash_generated(form.month.data, created, form.revise.data)
    return redirect(url_for(".index"))


def _flash_generated(month: str, created: int, revise: bool) -> None:
    if created and revise:
        flash(_("已发布 %(m)s 的修订版通报 %(n)d 份，原版保留不变", m=month, n=created), "success")
    elif created:
        flash(_("已生成 %(m)s 的通报 %(n)d 份", m=month, n=created), "success")
    else:
        flash(_("%(m)s 的通报已经生成过，没有重复生成", m=month), "info")


@bp.post("/targets")
@role_required("platform_admin")
def set_targets():
    form = TargetsForm()
    if form.validate_on_submit():
        with domain_errors() as attempt:
            figures.set_targets(
                float(form.hours_per_volunteer_year.data), form.trainings_per_year.data, by=current_user
            )
        if attempt.ok:
            flash(_("已保存考核目标，下次生成的通报将按新目标标注"), "success")
    else:
        flash(_("请填写有效的目标"), "danger")
    return redirect(url_for(".index"))


@bp.get("/<int:bulletin_id>")
@role_required(*ADMINS)
def show(bulletin_id: int):
    bulletin = _readable(bulletin_id)
    return render_template(
        "bulletins/show.html",
        bulletin=bulletin,
        f=snapshots.figures_of(bulletin),
        title=labels.title_of(bulletin),
        rows=labels.figure_rows(bulletin.figures),
        flags=labels.flag_texts(bulletin.figures),
        generated=labels.stamp(bulletin.generated_at),
        categories=people.category_table(bulletin.figures),
        stations=evidence.station_table(bulletin.figures),
        station_headers=evidence.station_headers(),
    )


@bp.get("/<int:bulletin_id>.pdf")
@role_required(*ADMINS)
def pdf(bulletin_id: int):
    bulletin = _readable(bulletin_id)
    return send_bytes(
        exports.pdf_bytes(bulletin), f"bulletin-{bulletin.month}-{bulletin.scope.replace(':', '-')}.pdf"
    )


@bp.get("/<int:bulletin_id>.xlsx")
@role_required(*ADMINS)
def xlsx(bulletin_id: int):
    bulletin = _readable(bulletin_id)
    return send_bytes(
        exports.xlsx_bytes(bulletin),
        f"bulletin-{bulletin.month}-{bulletin.scope.replace(':', '-')}.xlsx",
        inline=False,
    )


class QuarterCommentForm(BaseForm):
    comment = TextAreaField(_l("文明办点评"), validators=[Length(max=5000)])
    submit = SubmitField(_l("保存点评"))


def _quarter_args():
    """(unit_id, year, quarter, name) from the query string; the last complete quarter by default."""
    from app.services.clock import local_today

    default_year, default_q = quarters.last_complete_quarter(local_today())
    year = request.args.get("year", default_year, type=db_int)
    number = request.args.get("q", default_q, type=db_int)
    if not 2000 <= year <= 2100 or not 1 <= number <= 4:
        abort(404)
    unit_id = (
        current_user.unit_id
        if current_user.role == "unit_admin"
        else request.args.get("unit_id", type=db_int)
    )
    if unit_id is not None:
        units.ensure_can_manage_unit(current_user, unit_id)
    name = get_or_404(Unit, unit_id).name if unit_id else _("全市")
    return unit_id, year, number, name


def _save_comment(unit_id, year: int, number: int, form: QuarterCommentForm):
    """The platform admin's comment on the quarter: a redirect once saved, else None (the page
    shows the form's errors)."""
    if current_user.role != "platform_admin":
        raise Forbidden(_("只有文明办管理员可以撰写季度点评"))
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            quarters.save_quarter_comment(unit_id, year, number, form.comment.data, by=current_user)
        if attempt.ok:
            flash(_("已保存季度点评"), "success")
            return redirect(url_for(".quarter", year=year, q=number, unit_id=unit_id))
    return None


def _quarter_page(unit_id, year: int, number: int, name: str, form: QuarterCommentForm):
    review = quarters.quarter_review(unit_id, year, number)
    if request.method == "GET":
        form.comment.data = review["comment"]
    return render_template(
        "bulletins/quarter.html",
        review=review,
        year=year,
        q=number,
        name=name,
        unit_id=unit_id,
        form=form,
        rows=quarters.quarter_rows(review),
        units=units.list_units() if current_user.role == "platform_admin" else [],
    )


@bp.route("/quarter", methods=["GET", "POST"])
@role_required(*ADMINS)
def quarter():
    unit_id, year, number, name = _quarter_args()
    form = QuarterCommentForm()
    if request.method == "POST" and (saved := _save_comment(unit_id, year, number, form)):
        return saved
    return _quarter_page(unit_id, year, number, name, form)


def _quarter_file(render, extension: str, *, inline: bool):
    unit_id, year, number, name = _quarter_args()
    review = quarters.quarter_review(unit_id, year, number)
    scope = figures.scope_of(unit_id).replace(":", "-")
    return send_bytes(render(review, name), f"quarter-{year}-q{number}-{scope}.{extension}", inline=inline)


@bp.get("/quarter.pdf")
@role_required(*ADMINS)
def quarter_pdf():
    return _quarter_file(exports.quarter_pdf_bytes, "pdf", inline=True)


@bp.get("/quarter.xlsx")
@role_required(*ADMINS)
def quarter_xlsx():
    return _quarter_file(exports.quarter_xlsx_bytes, "xlsx", inline=False)
