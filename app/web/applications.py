"""Selective recruitment's pages: a volunteer applies to an activity with a note and follows
the decision on the phone; the activity's admin accepts or declines each application."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import ADMINS, role_required
from app.models import Activity
from app.services import recruitment, team_recruitment, units, volunteers
from app.services.errors import Forbidden, get_or_404
from app.web.forms import form_status, submitted
from app.web.recruitment_forms import SENT, ApplyForm, DecisionForm, take_decision

bp = Blueprint("applications", __name__, url_prefix="/applications")


def _me():
    return volunteers.volunteer_of(current_user)


@bp.route("/apply/<int:activity_id>", methods=["GET", "POST"], endpoint="apply")
@role_required("volunteer")
def apply(activity_id: int):
    activity = get_or_404(Activity, activity_id)
    form = ApplyForm()
    act = partial(recruitment.apply, _me(), activity, form.note.data)
    if done := submitted(form, act, SENT, url_for(".mine")):
        return done
    return render_template(
        "volunteer/apply.html",
        activity=activity,
        form=form,
        application=recruitment.application_of(_me(), activity),
    ), form_status(form)


@bp.get("/mine", endpoint="mine")
@role_required("volunteer")
def mine():
    return render_template(
        "volunteer/applications.html",
        applications=recruitment.my_applications(_me()),
        team_applications=team_recruitment.my_applications(_me()),
    )


@bp.get("/activity/<int:activity_id>", endpoint="review")
@role_required(*ADMINS)
def review(activity_id: int):
    activity = get_or_404(Activity, activity_id)
    if not units.can_manage_unit(current_user, activity.unit_id):
        raise Forbidden(_("您只能管理本单位的数据"))
    return render_template(
        "activities/applications.html",
        activity=activity,
        applications=recruitment.applications_of(activity),
        form=DecisionForm(formdata=None),
    )


@bp.post("/<int:application_id>/decide", endpoint="decide")
@role_required(*ADMINS)
def decide(application_id: int):
    application = recruitment.get_application(application_id)
    take_decision(partial(recruitment.decide, application))
    return redirect(url_for(".review", activity_id=application.activity_id))
