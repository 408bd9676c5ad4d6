"""Forms of the public column (志愿风采)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.services import column
from app.services.column import Draft
from app.web.forms import BaseForm


class ItemForm(BaseForm):
    kind = SelectField(_l("栏目"), choices=[SelectChoice(k, v) for k, v in column.KINDS.items()])
    title = StringField(_l("标题"), validators=[DataRequired(), Length(max=column.TITLE_MAX)])
    body = TextAreaField(
        _l("正文"), validators=[DataRequired(), Length(max=column.BODY_MAX)], render_kw={"rows": 10}
    )
    volunteer_no = StringField(
        _l("故事主人公的志愿者编号（本人在手机上同意后才会公开姓名）"),
        validators=[Optional(), Length(max=20)],
    )
    photos = MultipleFileField(_l("照片（最多9张）"), render_kw={"accept": "image/*"})
    submit = SubmitField(_l("保存草稿"))

    def draft(self) -> Draft:
        return Draft(
            kind=self.kind.data,
            title=self.title.data or "",
            body=self.body.data or "",
            volunteer_no=self.volunteer_no.data,
        )


class ReturnForm(BaseForm):
    reason = StringField(_l("退回或撤下的原因"), validators=[DataRequired(), Length(max=column.REASON_MAX)])
    submit = SubmitField(_l("退回"))
