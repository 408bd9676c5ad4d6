"""Forms shared by the pages that deal with pupils under 14 (the activity register offers one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.web.forms import BaseForm


class ChildSignupForm(BaseForm):
    volunteer_no = StringField(_l("儿童的志愿者编号"), validators=[DataRequired(), Length(max=20)])
    submit = SubmitField(_l("为儿童报名"))
