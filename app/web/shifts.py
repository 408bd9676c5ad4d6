"""The volunteer's phone page of rostered shifts."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from app.auth_state import role_required
from app.services import rosters, volunteers

bp = Blueprint("shifts", __name__, url_prefix="/me/shifts")


@bp.get("/", endpoint="mine")
@role_required("volunteer")
def mine():
    return render_template(
        "volunteer/shifts.html",
        assignments=rosters.my_shifts(volunteers.volunteer_of(current_user)),
    )
