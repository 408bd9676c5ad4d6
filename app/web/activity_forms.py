"""The form a unit admin plans an activity with (also a weekly series), offered the unit's
own posts, stations and projects."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.services import campaigns, posts
from app.services.clock import parse_local
from app.web.forms import BaseForm, category_choices, project_choices, skill_choices, station_choices


class ActivityForm(BaseForm):
    title = StringField(_l("活动名称"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(
        _l("类型"),
        choices=[
            SelectChoice("service", _l("志愿服务")),
            SelectChoice("training", _l("培训")),
            SelectChoice("event", _l("活动")),
        ],
    )
    starts_at = DateTimeLocalField(_l("开始时间"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("结束时间"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    post_id = SelectField(_l("服务岗（可选）"), coerce=int)
    category_id = SelectField(_l("服务类别（不选则按服务岗）"), coerce=int)
    skill_id = SelectField(_l("需要的专业技能（可选）"), coerce=int)
    requires_cover = BooleanField(_l("报名须有志愿者保险"))
    for_minors = BooleanField(_l("适合未成年人（可为儿童报名）"))
    station_id = SelectField(_l("所在实践站（不选则按服务岗）"), coerce=int)
    project_id = SelectField(_l("所属项目（不选则按服务岗）"), coerce=int)
    campaign_id = SelectField(_l("所属主题或专项行动（可选）"), coerce=int)
    requires_application = BooleanField(_l("需要申请（志愿者提交申请，管理员审核）"))
    capacity = IntegerField(_l("人数上限（可选）"), validators=[Optional(), NumberRange(1, 100000)])
    weekly_count = IntegerField(
        _l("每周重复（次数，1为不重复）"), default=1, validators=[DataRequired(), NumberRange(1, 52)]
    )
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("发布活动"))

    def to_input(self) -> posts.ActivityInput:
        return posts.ActivityInput(
            title=self.title.data,
            kind=self.kind.data,
            starts_at=parse_local(self.starts_at.data),
            ends_at=parse_local(self.ends_at.data),
            post_id=self.post_id.data or None,
            capacity=self.capacity.data,
            description=self.description.data,
            category_id=self.category_id.data or None,
            skill_id=self.skill_id.data or None,
            requires_cover=self.requires_cover.data,
            for_minors=self.for_minors.data,
            station_id=self.station_id.data or None,
            project_id=self.project_id.data or None,
            campaign_id=self.campaign_id.data or None,
            requires_application=self.requires_application.data,
            weekly_count=self.weekly_count.data,
        )


def activity_form(unit_id: int | None) -> ActivityForm:
    """The form with the unit's own choices: its posts in use, stations and projects."""
    form = ActivityForm()
    form.post_id.choices = [SelectChoice(0, _("（不指定）"))] + [
        SelectChoice(p.id, p.name) for p in posts.list_posts(unit_id, include_disabled=False)
    ]
    category_choices(form.category_id)
    skill_choices(form.skill_id)
    station_choices(form.station_id, unit_id)
    project_choices(form.project_id, unit_id)
    form.campaign_id.choices = [SelectChoice(0, _("（无）"))] + [
        SelectChoice(i, n) for i, n in campaigns.choices()
    ]
    form.campaign_id.data = form.campaign_id.data or 0  # a form posted without it: none
    return form
