"""Service projects: admins set them up; anyone reads the public project page, with what it
has done to date; volunteers sign up there."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.auth_state import ADMINS, role_required
from app.services import projects, teams, units, volunteers
from app.web.forms import BaseForm, category_choices, domain_errors, form_input, form_status, submitted

bp = Blueprint("projects", __name__, url_prefix="/projects")


class ProjectForm(BaseForm):
    title = StringField(_l("项目名称"), validators=[DataRequired(), Length(max=100)])
    purpose = TextAreaField(_l("项目宗旨"), validators=[DataRequired(), Length(max=projects.PURPOSE_MAX)])
    category_id = SelectField(_l("服务类别"), coerce=int)
    starts_on = DateField(_l("开始日期"), validators=[DataRequired()])
    ends_on = DateField(_l("结束日期"), validators=[DataRequired()])
    unit_id = SelectField(_l("负责单位"), coerce=int)
    team_id = SelectField(_l("或负责队伍"), coerce=int)
    target_volunteers = IntegerField(
        _l("计划招募志愿者（人）"), validators=[Optional(), NumberRange(1, 10_000_000)]
    )
    target_beneficiaries = IntegerField(
        _l("计划服务人次"), validators=[Optional(), NumberRange(1, 10_000_000)]
    )
    budget_source = StringField(_l("经费来源（如政府购买服务）"), validators=[Optional(), Length(max=50)])
    submit = SubmitField(_l("发布项目"))

    def offer(self, user) -> ProjectForm:
        none = SelectChoice(0, _l("（无）"))
        category_choices(self.category_id)
        self.unit_id.choices = [none] + [
            SelectChoice(u.id, u.name)
            for u in units.list_units(active_only=True)
            if units.can_manage_unit(user, u.id)
        ]
        self.team_id.choices = [none] + [SelectChoice(r.team.id, r.team.name) for r in teams.team_rows(user)]
        return self

    def project_input(self) -> projects.ProjectInput:
        chosen = {name: getattr(self, name).data or None for name in ("unit_id", "team_id", "category_id")}
        return form_input(self, projects.ProjectInput, **chosen)


def _index(form: ProjectForm | None):
    return render_template(
        "projects/index.html", projects=projects.list_projects(), form=form, manages=form is not None
    ), form_status(form) if form is not None else 200


@bp.get("/", endpoint="index")
def index():
    """Public: every project; an admin also gets the form to publish one."""
    manages = current_user.is_authenticated and current_user.role in ADMINS
    return _index(ProjectForm().offer(current_user) if manages else None)


@bp.post("/", endpoint="create")
@role_required(*ADMINS)
def create():
    form = ProjectForm().offer(current_user)
    done = submitted(
        form,
        lambda: projects.create_project(form.project_input(), by=current_user),
        lambda project: _("已发布项目“%(t)s”", t=project.title),
        lambda project: url_for(".show", project_id=project.id),
    )
    return done or _index(form)


@bp.get("/<int:project_id>", endpoint="show")
def show(project_id: int):
    project = projects.get_project(project_id)
    volunteer = (
        current_user.volunteer if current_user.is_authenticated and current_user.role == "volunteer" else None
    )
    return render_template(
        "projects/show.html",
        project=project,
        figures=projects.figures(project),
        signed_up=projects.signed_up(volunteer, project),
        action_form=BaseForm(),
    )


@bp.post("/<int:project_id>/signup", endpoint="signup")
@role_required("volunteer")
def signup(project_id: int):
    project = projects.get_project(project_id)
    if BaseForm().validate_on_submit():
        with domain_errors(category="warning") as attempt:
            projects.sign_up(volunteers.volunteer_of(current_user), project)
        if attempt.ok:
            flash(_("报名成功，项目负责方会与您联系"), "success")
    return redirect(url_for(".show", project_id=project.id))
