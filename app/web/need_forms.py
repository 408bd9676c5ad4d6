"""Forms of the residents' needs pages (the public page, the phone entry, the dispatch desk)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.services import categories, needs
from app.web.forms import BaseForm


class NeedForm(BaseForm):
    category_id = SelectField(_l("需求类别"), coerce=int)
    text = TextAreaField(_l("需要什么帮助"), validators=[DataRequired(), Length(max=needs.TEXT_MAX)])
    place = StringField(_l("地点"), validators=[DataRequired(), Length(max=needs.PLACE_MAX)])
    wished_date = DateField(_l("希望完成的日期"), validators=[DataRequired()])
    name = StringField(_l("称呼"), validators=[DataRequired(), Length(max=needs.NAME_MAX)])
    phone = StringField(_l("手机号码"), validators=[DataRequired(), Length(max=20)])
    agree = BooleanField(
        _l("我同意平台为办理此需求保存我的称呼和电话，办结后按期删除"),
        validators=[DataRequired(_l("请先同意"))],
    )
    submit = SubmitField(_l("提交需求"))

    def with_categories(self) -> NeedForm:
        self.category_id.choices = [SelectChoice(0, _l("请选择"))] + [
            SelectChoice(cid, label) for cid, label in categories.choices()
        ]
        return self

    def need_input(self, unit_id: int | None = None) -> needs.NeedInput:
        return needs.NeedInput(
            category_id=self.category_id.data or None,
            text=self.text.data,
            place=self.place.data,
            wished_date=self.wished_date.data,
            name=self.name.data,
            phone=self.phone.data,
            unit_id=unit_id,
        )


class CodeForm(BaseForm):
    code = StringField(_l("查询码"), validators=[DataRequired(), Length(max=40)])
    submit = SubmitField(_l("查询进度"))


class RatingForm(BaseForm):
    code = HiddenField(validators=[DataRequired(), Length(max=40)])
    rating = SelectField(
        _l("满意度"),
        coerce=int,
        choices=[
            SelectChoice(5, _l("★★★★★ 非常满意")),
            SelectChoice(4, _l("★★★★ 满意")),
            SelectChoice(3, _l("★★★ 一般")),
            SelectChoice(2, _l("★★ 不满意")),
            SelectChoice(1, _l("★ 很不满意")),
        ],
    )
    comment = TextAreaField(_l("评价（可选）"), validators=[Optional(), Length(max=needs.REASON_MAX)])
    submit = SubmitField(_l("确认已完成并评价"))


class DispatchForm(BaseForm):
    action = SelectField(
        _l("处理"),
        choices=[
            SelectChoice("accept", _l("受理")),
            SelectChoice("assign", _l("派单到成员单位")),
            SelectChoice("merge", _l("合并到另一条需求")),
            SelectChoice("decline", _l("不受理")),
        ],
    )
    unit_id = SelectField(_l("成员单位"), coerce=int)
    into_id = IntegerField(_l("合并到的需求序号"), validators=[Optional(), NumberRange(1)])
    reason = TextAreaField(
        _l("不受理的原因（群众可见）"), validators=[Optional(), Length(max=needs.REASON_MAX)]
    )
    submit = SubmitField(_l("提交"))

    @classmethod
    def with_units(cls) -> DispatchForm:
        """Every unit may be chosen on a post (a retired one is refused by the service)."""
        from app.services import units

        form = cls()
        form.unit_id.choices = [SelectChoice(0, "")] + [
            SelectChoice(u.id, u.name) for u in units.list_units()
        ]
        return form


class PublishForm(BaseForm):
    capacity = IntegerField(
        _l("招募人数"), default=2, validators=[InputRequired(), NumberRange(1, needs.CAPACITY_MAX)]
    )
    submit = SubmitField(_l("发布为志愿任务"))


class ServiceEntryForm(BaseForm):
    volunteer_id = SelectField(_l("志愿者"), coerce=int)
    started_at = DateTimeLocalField(_l("开始时间"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    ended_at = DateTimeLocalField(_l("结束时间"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    submit = SubmitField(_l("录入服务时长"))

    @classmethod
    def for_need(cls, need) -> ServiceEntryForm:
        """The volunteers to choose from: those signed up for the need."""
        from app.services import need_signups

        form = cls()
        form.volunteer_id.choices = [SelectChoice(s.volunteer_id, "") for s in need_signups.signups(need)]
        return form
