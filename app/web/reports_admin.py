"""Supervisors' reports on the portal: the office routes and closes them and sets the rule by
which confirmed ones count as service; the responsible unit replies; the office names the
supervisors (义务监督员)."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import ADMINS, role_required
from app.models import Volunteer
from app.services import audit, photos, reports, supervisors, volunteers
from app.services.errors import get_or_404
from app.web.forms import BaseForm, domain_errors, fields_of, form_status, submitted
from app.web.report_forms import AppointForm, CloseForm, CreditRuleForm, ReplyForm, RouteForm

bp = Blueprint("reports_admin", __name__, url_prefix="/office/reports")


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


def _answer(report, act, done: str, **form):
    """One form of the report's page: back to the page when the service takes it, else the
    page again with the form's errors."""
    (posted,) = form.values()
    return submitted(posted, act, done, url_for(".show", report_id=report.id)) or _show(report, 422, **form)


@bp.post("/<int:report_id>/route", endpoint="route")
@role_required("platform_admin")
def route(report_id: int):
    report, form = reports.get_report(current_user, report_id), RouteForm().with_units()
    act = partial(reports.route, report, **fields_of(form, "unit_id", "note"), by=current_user)
    return _answer(report, act, _("已转办"), route_form=form)


@bp.post("/<int:report_id>/reply", endpoint="reply")
@role_required("unit_admin")
def reply(report_id: int):
    report, form = reports.get_report(current_user, report_id), ReplyForm()
    act = partial(reports.reply, report, text=form.reply.data, by=current_user)
    return _answer(report, act, _("已答复"), reply_form=form)


@bp.post("/<int:report_id>/close", endpoint="close")
@role_required("platform_admin")
def close(report_id: int):
    report, form = reports.get_report(current_user, report_id), CloseForm()
    act = partial(reports.close, report, **fields_of(form, "outcome", "note", "credit"), by=current_user)
    return _answer(report, act, _("已办结"), close_form=form)


@bp.post("/credit-rule", endpoint="credit_rule")
@role_required("platform_admin")
def credit_rule():
    form = CreditRuleForm()
    act = partial(reports.set_credit_minutes, form.minutes.data, by=current_user)
    if done := submitted(form, act, _("规则已保存"), url_for(".index")):
        return done
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
