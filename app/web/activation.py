"""First login of a volunteer a unit registered from its roster: the phone gets a code, and
the volunteer chooses a password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired, Length

from app.auth_state import portal_login
from app.rate_limits import registration_limited
from app.services import activation
from app.web.account_forms import SendCodeForm, texted_code_field
from app.web.forms import BaseForm, domain_errors, form_status, new_password_fields

bp = Blueprint("activation", __name__, url_prefix="/activate")


class ActivateForm(BaseForm):
    phone = HiddenField(validators=[DataRequired(), Length(max=20)])
    code = texted_code_field(6)
    password, confirm = new_password_fields(_l("设置密码（至少8位）"), _l("确认密码"))
    submit = SubmitField(_l("激活并登录"))


@bp.route("", methods=["GET", "POST"], endpoint="start")
@registration_limited
def start():
    form = SendCodeForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            activation.send_code(form.phone.data)
        if attempt.ok:
            return render_template("auth/activate.html", form=ActivateForm(phone=form.phone.data), sent=True)
    return render_template("auth/activate.html", form=form, sent=False), form_status(form)


@bp.post("/confirm", endpoint="confirm")
@registration_limited
def confirm():
    form = ActivateForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            user = activation.activate(form.phone.data, form.code.data, form.password.data)
        if attempt.ok:
            portal_login(user)
            flash(_("账号已激活，欢迎加入，%(name)s", name=user.name), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/activate.html", form=form, sent=True), form_status(form)
