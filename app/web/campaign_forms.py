"""Forms of the campaign pages: a theme or campaign, a unit's quota, naming a volunteer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.services import posts, projects, rosters, units
from app.web.forms import BaseForm


class CampaignForm(BaseForm):
    name = StringField(
        _l("名称（如 学雷锋月、我们的节日·春节）"), validators=[DataRequired(), Length(max=100)]
    )
    kind = SelectField(
        _l("类型"), choices=[SelectChoice("campaign", _l("专项行动")), SelectChoice("theme", _l("月度主题"))]
    )
    starts_on = DateField(_l("开始日期"), validators=[DataRequired()])
    ends_on = DateField(_l("结束日期"), validators=[DataRequired()])
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("设立"))


class QuotaForm(BaseForm):
    unit_id = SelectField(_l("成员单位"), coerce=int)
    post_id = SelectField(_l("服务岗（可选）"), coerce=int)
    area = StringField(
        _l("派驻区域（选了服务岗可不填）"), validators=[Optional(), Length(max=rosters.AREA_MAX)]
    )
    first_day = DateField(_l("第一天"), validators=[DataRequired()])
    last_day = DateField(_l("最后一天"), validators=[DataRequired()])
    start = TimeField(_l("班次开始"), validators=[DataRequired()])
    end = TimeField(_l("班次结束"), validators=[DataRequired()])
    quota = IntegerField(_l("每班人数"), validators=[DataRequired(), NumberRange(1, rosters.QUOTA_MAX)])
    submit = SubmitField(_l("派驻"))

    def offer(self) -> None:
        unit_list = units.list_units(active_only=True)
        names = {u.id: u.name for u in unit_list}
        self.unit_id.choices = [SelectChoice(u.id, u.name) for u in unit_list]
        self.post_id.choices = [SelectChoice(0, _l("（不指定，按区域）"))] + [
            SelectChoice(p.id, f"{names.get(p.unit_id, '')} · {p.name}")
            for p in posts.list_posts(None, include_disabled=False)
        ]


class RosterForm(BaseForm):
    volunteer_no = StringField(_l("志愿者编号"), validators=[DataRequired(), Length(max=20)])
    submit = SubmitField(_l("排班"))


class PostDaysForm(BaseForm):
    post_id = SelectField(_l("服务岗"), coerce=int)
    first = DateField(_l("第一天"), validators=[DataRequired()])
    last = DateField(_l("最后一天"), validators=[DataRequired()])
    submit = SubmitField(_l("计入该行动"))

    def offer(self, unit_id: int | None) -> None:
        self.post_id.choices = [
            SelectChoice(p.id, p.name) for p in posts.list_posts(unit_id, include_disabled=False)
        ]


class ProjectTagForm(BaseForm):
    project_id = SelectField(_l("项目"), coerce=int)
    submit = SubmitField(_l("计入该行动"))

    def offer(self, unit_id: int | None) -> None:
        self.project_id.choices = [SelectChoice(i, t) for i, t in projects.project_choices(unit_id)]
