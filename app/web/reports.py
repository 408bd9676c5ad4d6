"""Supervisors' reports on the phone (随手拍): file one with a photo and the place, follow it
to the office's outcome."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import role_required
from app.rate_limits import report_limited
from app.services import photos, reports, supervisors, volunteers
from app.web.forms import domain_errors, form_status, signed_in_volunteer, uploads
from app.web.report_forms import ReportForm

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _me():
    return volunteers.volunteer_of(current_user)


@bp.get("/", endpoint="mine")
@role_required("volunteer")
def mine():
    me = _me()
    return render_template(
        "reports/mine.html", reports=reports.my_reports(me), supervisor=supervisors.is_supervisor(me)
    )


@bp.route("/new", methods=["GET", "POST"], endpoint="new")
@report_limited
@role_required("volunteer")
def new():
    form = ReportForm()
    status = 200
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            report = reports.file_report(
                _me(), form.report_input(), uploads(form.photo.data, photos.MAX_BYTES)
            )
        if attempt.ok:
            flash(_("已上报，文明办会尽快处理"), "success")
            return redirect(url_for(".show", report_id=report.id))
        status = attempt.error.status if attempt.error else 422
    supervisor = supervisors.is_supervisor(_me())
    return render_template("reports/new.html", form=form, supervisor=supervisor), max(
        status, form_status(form)
    )


@bp.get("/<int:report_id>", endpoint="show")
@role_required("volunteer")
def show(report_id: int):
    report = reports.get_report(current_user, report_id)
    return render_template(
        "reports/show.html", report=report, photos=photos.photos_of(reports.SUBJECT, report.id)
    )


@bp.app_context_processor
def _report_helpers():
    def report_entry() -> str | None:
        """The 随手拍 link on a supervisor's home (None for other volunteers)."""
        me = signed_in_volunteer()
        return url_for("reports.mine") if me is not None and supervisors.is_supervisor(me) else None

    return {
        "report_entry": report_entry,
        "report_category": reports.category_label,
        "report_status": reports.status_label,
    }
