"""Forms of supervisors' reports (随手拍): the phone's report, and the office's and units' steps."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.services import reports, units
from app.services.reports import ReportInput
from app.web.forms import BaseForm


class ReportForm(BaseForm):
    category = SelectField(
        _l("类别"), choices=[SelectChoice(k, v) for k, v in reports.CATEGORIES.items()], default="uncivil"
    )
    photo = MultipleFileField(_l("照片（拍照或从相册选择，最多3张）"), render_kw={"accept": "image/*"})
    text = TextAreaField(
        _l("情况说明"), validators=[DataRequired(), Length(max=reports.TEXT_MAX)], render_kw={"rows": 3}
    )
    address = StringField(
        _l("地点（已定位时可不填）"), validators=[Optional(), Length(max=reports.ADDRESS_MAX)]
    )
    lat = FloatField(validators=[Optional(), NumberRange(-90, 90)], widget=HiddenField.widget)
    lng = FloatField(validators=[Optional(), NumberRange(-180, 180)], widget=HiddenField.widget)
    submit = SubmitField(_l("上报"))

    def report_input(self) -> ReportInput:
        return ReportInput(
            category=self.category.data,
            text=self.text.data or "",
            lat=self.lat.data,
            lng=self.lng.data,
            address=self.address.data,
        )


class RouteForm(BaseForm):
    unit_id = SelectField(_l("责任单位"), coerce=int, validators=[DataRequired(_l("请选择责任单位"))])
    note = StringField(_l("转办说明"), validators=[Optional(), Length(max=reports.NOTE_MAX)])
    submit = SubmitField(_l("转办"))

    def with_units(self) -> RouteForm:
        self.unit_id.choices = [SelectChoice(0, _l("请选择"))] + [
            SelectChoice(u.id, u.name) for u in units.list_units(active_only=True)
        ]
        return self


class ReplyForm(BaseForm):
    reply = TextAreaField(_l("处理情况"), validators=[DataRequired(), Length(max=reports.REPLY_MAX)])
    submit = SubmitField(_l("提交答复"))


class CloseForm(BaseForm):
    outcome = SelectField(
        _l("办理结果"), choices=[SelectChoice(k, v) for k, v in reports.OUTCOME_LABELS.items()]
    )
    note = StringField(_l("说明（志愿者可见）"), validators=[Optional(), Length(max=reports.NOTE_MAX)])
    credit = BooleanField(_l("按规则计入上报人的服务时长"))
    submit = SubmitField(_l("办结"))


class CreditRuleForm(BaseForm):
    minutes = IntegerField(
        _l("每条属实的随手拍计入服务时长（分钟，0为不计入）"),
        validators=[NumberRange(0, reports.CREDIT_MAX_MINUTES)],
    )
    submit = SubmitField(_l("保存规则"))


class AppointForm(BaseForm):
    volunteer_no = StringField(_l("志愿者编号"), validators=[DataRequired(), Length(max=20)])
    submit = SubmitField(_l("任命为义务监督员"))
