"""The job log: runs of the scheduler's jobs, for the platform admin."""

from __future__ import annotations

from flask import Blueprint, render_template

from app import scheduling
from app.auth_state import role_required

bp = Blueprint("system", __name__, url_prefix="/admin/system")


@bp.get("/jobs", endpoint="jobs")
@role_required("platform_admin")
def jobs():
    return render_template(
        "system/jobs.html",
        runs=scheduling.recent_runs(),
        jobs=scheduling.declared_jobs(),
        lease=scheduling.lease_holder(),
    )
