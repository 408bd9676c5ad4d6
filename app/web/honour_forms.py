"""Forms of commendations (美德之星 / 文明使者), their 公示, objections and votes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.services import commendations, objections, units
from app.web.forms import BaseForm


class CommendationForm(BaseForm):
    honour = SelectField(_l("称号"), choices=[SelectChoice(k, v) for k, v in commendations.HONOURS.items()])
    period_kind = SelectField(
        _l("评选周期"), choices=[SelectChoice("month", _l("月度")), SelectChoice("year", _l("年度"))]
    )
    period = StringField(_l("月份或年份（如 2026-10 或 2026）"), validators=[DataRequired(), Length(max=7)])
    posting_days = IntegerField(
        _l("公示天数"), default=7, validators=[NumberRange(commendations.DAYS_MIN, commendations.DAYS_MAX)]
    )
    submit = SubmitField(_l("新建名单"))


class NomineeForm(BaseForm):
    volunteer_no = StringField(_l("志愿者编号"), validators=[Optional(), Length(max=20)])
    unit_id = SelectField(_l("或成员单位"), coerce=int, default=0)
    citation = TextAreaField(
        _l("事迹简介"),
        validators=[DataRequired(), Length(max=commendations.CITATION_MAX)],
        render_kw={"rows": 2},
    )
    submit = SubmitField(_l("加入名单"))

    def with_units(self) -> NomineeForm:
        self.unit_id.choices = [SelectChoice(0, _l("（志愿者）"))] + [
            SelectChoice(u.id, u.name) for u in units.list_units(active_only=True)
        ]
        return self


class PostForm(BaseForm):
    vote = BooleanField(_l("同时开放群众投票（每个手机号一票，短信验证）"))
    submit = SubmitField(_l("开始公示"))


class AnswerForm(BaseForm):
    answer = TextAreaField(_l("答复"), validators=[DataRequired(), Length(max=objections.ANSWER_MAX)])
    submit = SubmitField(_l("答复异议"))


class ObjectionForm(BaseForm):
    nominee_id = SelectField(_l("针对的人选"), coerce=int, default=0)
    text = TextAreaField(_l("异议内容"), validators=[DataRequired(), Length(max=objections.TEXT_MAX)])
    contact_name = StringField(_l("您的姓名"), validators=[DataRequired(), Length(max=objections.NAME_MAX)])
    contact = StringField(
        _l("联系方式（手机号或电子邮箱，仅文明办可见）"), validators=[DataRequired(), Length(max=100)]
    )
    submit = SubmitField(_l("提交异议"))

    def with_nominees(self, item) -> ObjectionForm:
        self.nominee_id.choices = [SelectChoice(0, _l("（整个名单）"))] + [
            SelectChoice(n.id, n.public_name) for n in item.nominees
        ]
        return self


class VoteCodeForm(BaseForm):
    phone = StringField(_l("手机号"), validators=[DataRequired(), Length(max=20)])
    submit = SubmitField(_l("获取验证码"))


class VoteForm(BaseForm):
    phone = StringField(_l("手机号"), validators=[DataRequired(), Length(max=20)])
    code = StringField(_l("短信验证码"), validators=[DataRequired(), Length(max=10)])
    nominee_id = SelectField(_l("投票给"), coerce=int)
    submit = SubmitField(_l("投票"))

    def with_nominees(self, item) -> VoteForm:
        self.nominee_id.choices = [SelectChoice(n.id, n.public_name) for n in item.nominees]
        return self
