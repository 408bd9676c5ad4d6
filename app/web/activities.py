"""Activities: unit admins plan services, trainings and events (also weekly series);
volunteers sign up from their home page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import role_required
from app.models import Activity
from app.services import posts, volunteers
from app.services.clock import now
from app.services.errors import Forbidden, get_or_404
from app.web.activity_forms import activity_form
from app.web.children_forms import ChildSignupForm
from app.web.forms import BaseForm, domain_errors, posted_ids, submitted

bp = Blueprint("activities", __name__, url_prefix="/activities")


@bp.route("/", methods=["GET", "POST"], endpoint="index")
@role_required("unit_admin")
def index():
    form = activity_form(current_user.unit_id)
    done = submitted(
        form,
        lambda: posts.create_activity(current_user.unit_id, form.to_input(), by=current_user),
        lambda created: _("已发布活动“%(t)s”，共%(n)d场", t=created[0].title, n=len(created)),
        url_for(".index"),
    )
    return done or render_template(
        "activities/index.html", form=form, activities=posts.list_activities(current_user.unit_id)
    )


@bp.post("/<int:activity_id>/signup")
@role_required("volunteer")
def signup(activity_id: int):
    volunteer = volunteers.volunteer_of(current_user)
    activity = get_or_404(Activity, activity_id)
    with domain_errors(category="warning") as attempt:
        posts.sign_up(volunteer, activity)
    if attempt.ok:
        flash(_("报名成功：%(t)s", t=activity.title), "success")
    return redirect(url_for("volunteer.home"))


@bp.route("/<int:activity_id>/attendance", methods=["GET", "POST"])
@role_required("unit_admin")
def attendance(activity_id: int):
    """The unit admin's attendance register of an activity's sign-ups."""
    activity = get_or_404(Activity, activity_id)
    if activity.unit_id != current_user.unit_id:
        raise Forbidden(_("只能登记本单位活动的出勤"))
    form = BaseForm()
    if form.validate_on_submit():
        with domain_errors() as attempt:
            ticked = set(posted_ids("attended", limit=None)) - {0}
            marked, cleared = posts.mark_attendance(activity, ticked, by=current_user)
        if attempt.ok:
            flash(_("已保存出勤：新登记 %(m)d 人，取消 %(c)d 人", m=marked, c=cleared), "success")
            return redirect(url_for(".attendance", activity_id=activity.id))
    return _attendance_page(activity, form)


def _attendance_page(activity: Activity, form: BaseForm):
    return render_template(
        "activities/attendance.html",
        activity=activity,
        form=form,
        child_form=ChildSignupForm(prefix="child"),
        signups=posts.list_signups(activity),
        started=activity.starts_at <= now(),
    )
