"""Teams that take applications: a volunteer finds them and applies on the team's phone page;
the team's managers set whether it takes applications (and its capacity) and accept or
decline each application."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import ADMINS, role_required
from app.services import team_recruitment, teams, volunteers
from app.web.forms import fields_of, form_status, submitted
from app.web.recruitment_forms import SENT, ApplyForm, DecisionForm, TeamRecruitmentForm, take_decision

bp = Blueprint("team_applications", __name__, url_prefix="/team-applications")


def _me():
    return volunteers.volunteer_of(current_user)


@bp.get("/", endpoint="index")
@role_required("volunteer")
def index():
    return render_template(
        "volunteer/recruiting_teams.html",
        teams=team_recruitment.recruiting_teams(),
        labels=teams.LEVEL_LABELS,
    )


@bp.route("/team/<int:team_id>", methods=["GET", "POST"], endpoint="apply")
@role_required("volunteer")
def apply(team_id: int):
    team = teams.get_team(team_id)
    form = ApplyForm()
    act = partial(team_recruitment.apply, _me(), team, form.note.data)
    if done := submitted(form, act, SENT, url_for("applications.mine")):
        return done
    application = team_recruitment.application_of(_me(), team)
    return render_template(
        "volunteer/apply_team.html", team=team, form=form, application=application, labels=teams.LEVEL_LABELS
    ), form_status(form)


@bp.route("/team/<int:team_id>/review", methods=["GET", "POST"], endpoint="review")
@role_required(*ADMINS)
def review(team_id: int):
    team = teams.get_team(team_id)
    teams.ensure_can_manage_team(current_user, team)
    form = TeamRecruitmentForm(obj=team)
    chosen = fields_of(form, "requires_application", "capacity")
    act = partial(team_recruitment.set_recruitment, team, by=current_user, **chosen)
    return submitted(form, act, _("已保存"), url_for(".review", team_id=team.id)) or (
        render_template(
            "teams/applications.html",
            team=team,
            settings=form,
            form=DecisionForm(formdata=None),
            applications=team_recruitment.applications_of(team),
        ),
        form_status(form),
    )


@bp.post("/<int:application_id>/decide", endpoint="decide")
@role_required(*ADMINS)
def decide(application_id: int):
    application = team_recruitment.get_application(application_id)
    take_decision(partial(team_recruitment.decide, application))
    return redirect(url_for(".review", team_id=application.team_id))
