"""The volunteer's own profile: professional skills with notes, political status with its consent."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, SelectField

from app.auth_state import role_required
from app.services import insurance, political, skills, volunteers
from app.services.clock import local_today
from app.web.forms import BaseForm, coded_choices, db_int, domain_errors

bp = Blueprint("profile", __name__, url_prefix="/me/profile")


class ProfileForm(BaseForm):
    political_status = SelectField(
        _l("政治面貌（可选）"), choices=coded_choices(_l("不填写"), political.STATUSES)
    )
    political_consent = BooleanField(
        _l("我同意本单位管理员查看我的政治面貌（仅用于党员志愿者等汇总统计，不公开、不导出）")
    )


def _chosen_skills() -> dict[int, str | None]:
    """{skill id: note} from the ticked boxes; an id that is no number names no skill (0)."""
    chosen: dict[int, str | None] = {}
    for raw in request.form.getlist("skill")[:100]:
        try:
            skill_id = db_int(raw)
        except ValueError:
            skill_id = 0
        chosen[skill_id] = request.form.get(f"note-{raw}", "")
    return chosen


def _page(volunteer, form, error=None):
    held = {vs.skill_id: vs.note or "" for vs in volunteer.skills}
    return render_template(
        "profile/edit.html",
        form=form,
        volunteer=volunteer,
        held=held,
        messages=error.fields.get("skills", []) if error else [],
        catalogue=[s for s in skills.list_skills() if s.active or s.id in held],
        note_max=skills.NOTE_MAX,
        cover=insurance.cover_on(volunteer, local_today()),
    ), 422 if error else 200


@bp.route("/", methods=["GET", "POST"], endpoint="edit")
@role_required("volunteer")
def edit():
    volunteer = volunteers.volunteer_of(current_user)
    form = ProfileForm(data=political.form_data(volunteer))
    if not form.validate_on_submit():
        return _page(volunteer, form)
    with domain_errors(form) as attempt:
        skills.set_skills(volunteer, _chosen_skills(), by=current_user)
        status = form.political_status.data or None
        political.set_status(volunteer, status, consent=form.political_consent.data, by=current_user)
    if not attempt.ok:
        return _page(volunteer, form, attempt.error)
    flash(_("已保存我的资料"), "success")
    return redirect(url_for(".edit"))
