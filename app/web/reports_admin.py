"""Supervisors' reports on the portal: the office routes and closes them and sets the rule by
which confirmed ones count as service; the responsible unit replies; the office names the
supervisors (义务监督员)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import role_required
from app.models import Volunteer
from app.services import audit, photos, reports, supervisors, volunteers
from app.services.errors import get_or_404
from app.web.forms import BaseForm, domain_errors, form_status
from app.web.report_forms import AppointForm, CloseForm, CreditRuleForm, ReplyForm, RouteForm

bp = Blueprint("reports_admin", __name__, url_prefix="/office/reports")
ADMINS = ("platform_admin", "unit_admin")


@bp.get("/", endpoint="index")
@role_required(*ADMINS)
def index():
    status = request.args.get("status")
    page = reports.list_reports(current_user, status=status, page=request.args.get("page", 1, type=int))
    rule = CreditRuleForm(minutes=reports.credit_minutes()) if current_user.role == "platform_admin" else None
    return render_template("reports/admin_index.html", page=page, status=status, rule=rule)


def _show(report, status: int = 200, **forms):
    office = current_user.role == "platform_admin"
    forms.setdefault("route_form", RouteForm(unit_id=report.unit_id).with_units() if office else None)
    forms.setdefault("reply_form", ReplyForm() if not office else None)
    forms.setdefault("close_form", CloseForm() if office else None)
    return render_template(
        "reports/admin_show.html",
        report=report,
        photos=photos.photos_of(reports.SUBJECT, report.id),
        trail=audit.trail(report),
        credit_minutes=reports.credit_minutes(),
        **forms,
    ), status


@bp.get("/<int:report_id>", endpoint="show")
@role_required(*ADMINS)
def show(report_id: int):
    return _show(reports.get_report(current_user, report_id))


@bp.post("/<int:report_id>/route", endpoint="route")
@role_required("platform_admin")
def route(report_id: int):
    report = reports.get_report(current_user, report_id)
    form = RouteForm().with_units()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            reports.route(report, unit_id=form.unit_id.data, note=form.note.data, by=current_user)
        if attempt.ok:
            flash(_("已转办"), "success")
            return redirect(url_for(".show", report_id=report_id))
    return _show(report, 422, route_form=form)


@bp.post("/<int:report_id>/reply", endpoint="reply")
@role_required("unit_admin")
def reply(report_id: int):
    report = reports.get_report(current_user, report_id)
    form = ReplyForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            reports.reply(report, text=form.reply.data, by=current_user)
        if attempt.ok:
            flash(_("已答复"), "success")
            return redirect(url_for(".show", report_id=report_id))
    return _show(report, 422, reply_form=form)


@bp.post("/<int:report_id>/close", endpoint="close")
@role_required("platform_admin")
def close(report_id: int):
    report = reports.get_report(current_user, report_id)
    form = CloseForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            reports.close(
                report,
                outcome=form.outcome.data,
                note=form.note.data,
                credit=form.credit.data,
                by=current_user,
            )
        if attempt.ok:
            flash(_("已办结"), "success")
            return redirect(url_for(".show", report_id=report_id))
    return _show(report, 422, close_form=form)


@bp.post("/credit-rule", endpoint="credit_rule")
@role_required("platform_admin")
def credit_rule():
    form = CreditRuleForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            reports.set_credit_minutes(form.minutes.data, by=current_user)
        if attempt.ok:
            flash(_("规则已保存"), "success")
            return redirect(url_for(".index"))
    page = reports.list_reports(current_user)
    return render_template("reports/admin_index.html", page=page, status=None, rule=form), 422


@bp.route("/supervisors", methods=["GET", "POST"], endpoint="supervisors")
@role_required("platform_admin")
def supervisors_page():
    form = AppointForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            supervisors.appoint(volunteers.by_number(form.volunteer_no.data.strip()), by=current_user)
        if attempt.ok:
            flash(_("已任命为义务监督员"), "success")
            return redirect(url_for(".supervisors"))
    return render_template(
        "reports/supervisors.html", form=form, action=BaseForm(), supervisors=supervisors.list_supervisors()
    ), form_status(form)


@bp.post("/supervisors/<int:volunteer_id>/dismiss", endpoint="dismiss")
@role_required("platform_admin")
def dismiss(volunteer_id: int):
    if BaseForm().validate_on_submit():
        supervisors.dismiss(get_or_404(Volunteer, volunteer_id), by=current_user)
        flash(_("已取消义务监督员"), "success")
    return redirect(url_for(".supervisors"))
