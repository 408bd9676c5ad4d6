"""Fields that every account page asks the same way: a mobile number, a code texted to it,
and the login and first password someone creates for another person."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.web.forms import BaseForm


def phone_field(label=_l("手机号码"), *, autocomplete: str = "tel") -> StringField:
    """A mobile number: required, at most 20 characters, typed on the phone keypad."""
    return StringField(
        label,
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": autocomplete, "inputmode": "tel"},
    )


def texted_code_field(max_length: int) -> StringField:
    """The code texted to the phone, which the phone may fill in itself."""
    return StringField(
        _l("短信验证码"),
        validators=[DataRequired(), Length(max=max_length)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


def first_password_field(label) -> PasswordField:
    """A password an admin sets for someone else, who changes it after logging in."""
    return PasswordField(
        label, validators=[DataRequired(), Length(min=8, max=128)], render_kw={"autocomplete": "new-password"}
    )


def new_account_fields(name_label):
    """The name, username and first password of an account an admin creates:
    `name, username, password = new_account_fields(_l("姓名"))`."""
    name = StringField(name_label, validators=[DataRequired(), Length(max=50)])
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(min=3, max=64)])
    return name, username, first_password_field(_l("初始密码（至少8位）"))


class SendCodeForm(BaseForm):
    """A mobile number to text a code to."""

    phone = phone_field()
    submit = SubmitField(_l("发送验证码"))
