"""Teams (志愿服务队): admins build the hierarchy and keep members and leaders; a leader sees
only the teams they lead and records their attendance."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.auth_state import ADMINS, role_required
from app.services import teams
from app.web.forms import BaseForm, domain_errors, fields_of, form_input, form_status, local_times, submitted

bp = Blueprint("teams", __name__, url_prefix="/teams")


class TeamForm(BaseForm):
    name = StringField(_l("队伍名称"), validators=[DataRequired(), Length(max=100)])
    level = SelectField(_l("层级"), choices=[SelectChoice(k, v) for k, v in teams.LEVEL_LABELS.items()])
    speciality = StringField(
        _l("专业方向（专业志愿服务队填写，如医疗、法律、科普、电力）"),
        validators=[Optional(), Length(max=50)],
    )
    parent_id = SelectField(_l("上级队伍"), coerce=int)
    unit_id = SelectField(_l("所属成员单位"), coerce=int)
    station_id = SelectField(_l("或所属实践站"), coerce=int)
    submit = SubmitField(_l("建立队伍"))

    def offer(self, user) -> None:
        options = teams.choices_for(user)
        none = SelectChoice(0, _l("（无）"))
        self.parent_id.choices = [none] + [SelectChoice(i, n) for i, n in options["parents"]]
        self.unit_id.choices = [none] + [SelectChoice(i, n) for i, n in options["units"]]
        self.station_id.choices = [none] + [SelectChoice(i, n) for i, n in options["stations"]]

    def team_input(self) -> teams.TeamInput:
        """The new team; 0 in a choice is 无."""
        chosen = {name: getattr(self, name).data or None for name in ("parent_id", "unit_id", "station_id")}
        return form_input(self, teams.TeamInput, **chosen)


class MemberForm(BaseForm):
    volunteer_no = StringField(_l("志愿者编号"), validators=[DataRequired(), Length(max=20)])
    name = StringField(_l("姓名（与编号一致）"), validators=[DataRequired(), Length(max=50)])
    leader = BooleanField(_l("设为队长"))
    submit = SubmitField(_l("加入本队"))


class AttendanceForm(BaseForm):
    member_id = SelectField(_l("队员"), coerce=int)
    started_at = DateTimeLocalField(_l("开始时间"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    ended_at = DateTimeLocalField(_l("结束时间"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    note = StringField(_l("服务内容"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("记录考勤"))


@bp.route("/", methods=["GET", "POST"], endpoint="index")
@role_required("platform_admin", "unit_admin", "volunteer")
def index():
    form = TeamForm()
    form.offer(current_user)
    if current_user.role in ADMINS and (
        done := submitted(
            form,
            lambda: teams.create_team(form.team_input(), by=current_user),
            lambda team: _("已建立“%(n)s”", n=team.name),
            lambda team: url_for(".show", team_id=team.id),
        )
    ):
        return done
    return render_template(
        "teams/index.html", rows=teams.team_rows(current_user), form=form, labels=teams.LEVEL_LABELS
    ), form_status(form)


def _team_page(team, member_form: MemberForm, attendance: AttendanceForm):
    members = teams.members(team)
    attendance.member_id.choices = [
        SelectChoice(m.id, f"{m.volunteer.name}（{m.volunteer.volunteer_no}）") for m in members
    ]
    status = max(form_status(member_form), form_status(attendance))
    return render_template(
        "teams/show.html",
        team=team,
        members=members,
        member_form=member_form,
        attendance=attendance,
        records=teams.team_records(team),
        labels=teams.LEVEL_LABELS,
        manages=teams.can_manage_team(current_user, team),
        action_form=BaseForm(),
    ), status


@bp.route("/<int:team_id>", methods=["GET", "POST"], endpoint="show")
@role_required("platform_admin", "unit_admin", "volunteer")
def show(team_id: int):
    team = teams.get_team(team_id)
    teams.ensure_can_see_team(current_user, team)
    form = MemberForm(prefix="member")
    add = partial(teams.add_member, team, by=current_user)
    if form.submit.data and (
        done := submitted(
            form,
            lambda: add(**fields_of(form, "volunteer_no", "name", "leader")),
            lambda member: _("%(n)s已加入本队", n=member.volunteer.name),
            url_for(".show", team_id=team.id),
        )
    ):
        return done
    return _team_page(team, form, AttendanceForm(prefix="attendance", formdata=None))


@bp.post("/<int:team_id>/attendance", endpoint="attendance")
@role_required("platform_admin", "unit_admin", "volunteer")
def attendance(team_id: int):
    team = teams.get_team(team_id)
    teams.ensure_can_see_team(current_user, team)
    form = AttendanceForm(prefix="attendance")
    form.member_id.choices = [SelectChoice(m.id, "") for m in teams.members(team)]

    def act():
        note = form.note.data or None
        return teams.record_attendance(
            team, member_id=form.member_id.data, note=note, by=current_user, **local_times(form)
        )

    done = submitted(form, act, _("已记录考勤，待单位审核后计入服务时长"), url_for(".show", team_id=team.id))
    return done or _team_page(team, MemberForm(prefix="member", formdata=None), form)


@bp.post("/<int:team_id>/members/<int:member_id>", endpoint="member")
@role_required("platform_admin", "unit_admin")
def member(team_id: int, member_id: int):
    team = teams.get_team(team_id)
    member = teams.get_member(team, member_id)
    action = request.form.get("action")
    if BaseForm().validate_on_submit() and action in ("lead", "unlead", "remove"):
        with domain_errors() as attempt:
            if action == "remove":
                teams.remove_member(member, by=current_user)
            else:
                teams.set_leader(member, action == "lead", by=current_user)
        if attempt.ok:
            flash(_("已保存"), "success")
    return redirect(url_for(".show", team_id=team.id))
