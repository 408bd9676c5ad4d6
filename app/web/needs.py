"""Residents' needs, the public and the volunteers' side: a resident asks without an account
(rate-limited), follows the need by its code and rates it; volunteers see open tasks and sign up."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import role_required
from app.rate_limits import need_code_limited, need_limited
from app.services import need_signups, need_workflow, needs, volunteers
from app.web.forms import domain_errors, form_status
from app.web.need_forms import CodeForm, NeedForm, RatingForm

bp = Blueprint("needs", __name__, url_prefix="/needs")


def _poster_unit() -> int | None:
    """The unit a station's poster names (?unit=), when it is a number."""
    value = request.args.get("unit", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.route("/new", methods=["GET", "POST"], endpoint="new")
@need_limited
def new():
    form = NeedForm().with_categories()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            need, code = needs.submit_need(form.need_input(_poster_unit()))
        if attempt.ok:
            return render_template(
                "needs/submitted.html", need=need, code=code, link=needs.tracking_url(code)
            )
    return render_template("needs/new.html", form=form), form_status(form)


@bp.route("/track", methods=["GET", "POST"], endpoint="track")
@need_code_limited
def track():
    form = CodeForm()
    need = None
    if form.validate_on_submit():
        with domain_errors(form):
            need = needs.by_code(form.code.data)
    rating = RatingForm(code=form.code.data) if need is not None and need.status == "served" else None
    return render_template("needs/track.html", form=form, need=need, rating=rating), form_status(form)


@bp.post("/rate", endpoint="rate")
@need_code_limited
def rate():
    rating = RatingForm()
    need = None
    if rating.validate_on_submit():
        with domain_errors(rating) as attempt:
            need = need_workflow.rate(rating.code.data, rating.rating.data, rating.comment.data)
        if attempt.ok:
            flash(_("感谢您的评价！"), "success")
            rating = None
    return render_template(
        "needs/track.html", form=CodeForm(code=request.form.get("code", "")), need=need, rating=rating
    ), 200 if rating is None else 422


@bp.get("/tasks", endpoint="tasks")
@role_required("volunteer")
def tasks():
    volunteer = volunteers.volunteer_of(current_user)
    return render_template(
        "needs/tasks.html",
        volunteer=volunteer,
        tasks=need_signups.open_tasks(volunteer),
        mine=need_signups.my_signups(volunteer),
        form=CodeForm(),
    )


@bp.post("/<int:need_id>/signup", endpoint="signup")
@role_required("volunteer")
def signup(need_id: int):
    need = needs.get_need(need_id)
    with domain_errors(category="warning") as attempt:
        need_signups.sign_up(volunteers.volunteer_of(current_user), need)
    if attempt.ok:
        flash(_("报名成功，请等待单位确认"), "success")
    return redirect(url_for(".tasks"))


@bp.app_context_processor
def _need_status():
    return {"need_status": needs.status_label, "need_action": needs.action_label}
