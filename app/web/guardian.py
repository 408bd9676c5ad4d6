"""The page a guardian's text message links to: GET shows whom it is about (changing
nothing); the one button agrees to the minor's volunteering."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from app.services import guardians

bp = Blueprint("guardian", __name__)


@bp.route("/guardian/<token>", methods=["GET", "POST"], endpoint="consent")
def consent(token: str):
    volunteer = guardians.volunteer_for_link(token)
    if request.method == "POST":
        guardians.confirm_by_link(token)
        return render_template("guardian/consent.html", volunteer=volunteer, done=True)
    return render_template("guardian/consent.html", volunteer=volunteer, done=False)
