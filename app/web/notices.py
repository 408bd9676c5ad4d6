"""Notices' pages: admins post and see read counts; volunteers read theirs on the phone and
mark them read (a POST: opening a notice changes nothing)."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.auth_state import ADMINS, role_required
from app.services import campaigns, notices, teams, units, volunteers
from app.web.forms import BaseForm, fields_of, form_status, submitted

bp = Blueprint("notices", __name__, url_prefix="/notices")


class NoticeForm(BaseForm):
    audience = SelectField(_l("发给"))
    unit_id = SelectField(_l("单位"), coerce=int)
    team_id = SelectField(_l("服务队"), coerce=int)
    campaign_id = SelectField(_l("专项行动的排班人员"), coerce=int)
    title = StringField(_l("标题"), validators=[DataRequired(), Length(max=notices.TITLE_MAX)])
    body = TextAreaField(_l("内容"), validators=[DataRequired(), Length(max=notices.BODY_MAX)])
    submit = SubmitField(_l("发布通知"))

    def offer(self, user) -> NoticeForm:
        kinds = [
            ("unit", _l("本单位志愿者")),
            ("team", _l("一支服务队")),
            ("campaign", _l("专项行动的排班人员")),
        ]
        if user.role == "platform_admin":
            kinds = [("all", _l("全体志愿者")), ("unit", _l("一个单位的志愿者"))] + kinds[1:]
        self.audience.choices = [SelectChoice(k, label) for k, label in kinds]
        none = [SelectChoice(0, _l("（不选）"))]
        self.unit_id.choices = none + [
            SelectChoice(u.id, u.name)
            for u in units.list_units(active_only=True)
            if units.can_manage_unit(user, u.id)
        ]
        self.team_id.choices = none + [SelectChoice(r.team.id, r.team.name) for r in teams.team_rows(user)]
        self.campaign_id.choices = none + [SelectChoice(i, n) for i, n in campaigns.choices()]
        for field in (self.unit_id, self.team_id, self.campaign_id):
            field.data = field.data or 0
        return self

    def target(self) -> int | None:
        field = {"unit": self.unit_id, "team": self.team_id, "campaign": self.campaign_id}.get(
            self.audience.data
        )
        return (field.data or None) if field is not None else None


def _index(form):
    return render_template(
        "notices/index.html", sent=notices.sent_by(current_user), form=form, label=notices.audience_label
    ), form_status(form)


@bp.get("/", endpoint="index")
@role_required(*ADMINS)
def index():
    return _index(NoticeForm(formdata=None).offer(current_user))


@bp.post("/", endpoint="create")
@role_required(*ADMINS)
def create():
    form = NoticeForm().offer(current_user)
    fields = fields_of(form, "audience", "title", "body")
    act = partial(notices.create_notice, **fields, target_id=form.target(), by=current_user)
    return submitted(form, act, _("已发布通知"), url_for(".index")) or _index(form)


@bp.get("/mine", endpoint="mine")
@role_required("volunteer")
def mine():
    return render_template(
        "volunteer/notices.html", received=notices.for_volunteer(volunteers.volunteer_of(current_user))
    )


@bp.get("/<int:notice_id>", endpoint="show")
@role_required("volunteer")
def show(notice_id: int):
    volunteer = volunteers.volunteer_of(current_user)
    notice = notices.notice_for(volunteer, notice_id)
    return render_template(
        "volunteer/notice.html", notice=notice, read=notices.is_read(volunteer, notice), form=BaseForm()
    )


@bp.post("/<int:notice_id>/read", endpoint="read")
@role_required("volunteer")
def read(notice_id: int):
    if BaseForm().validate_on_submit():
        notices.mark_read(volunteers.volunteer_of(current_user), notice_id)
    return redirect(url_for("volunteer.home"))
