"""忘记密码: a volunteer resets the password by a texted code, or is told to see the unit admin."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SubmitField

from app.rate_limits import forgot_password_limited
from app.services import password_reset
from app.web.account_forms import SendCodeForm, phone_field, texted_code_field
from app.web.forms import BaseForm, domain_errors, new_password_fields

bp = Blueprint("password_reset", __name__, url_prefix="/password")
SENT = _l("如果该手机号已注册志愿者账号，验证码短信已发出，10分钟内有效。")


class ResetForm(BaseForm):
    phone = phone_field(autocomplete="username")
    code = texted_code_field(12)
    password, confirm = new_password_fields(_l("新密码（至少8位）"), _l("确认新密码"))
    submit = SubmitField(_l("重置密码"))


@bp.route("/forgot", methods=["GET", "POST"])
@forgot_password_limited
def forgot():
    form = SendCodeForm()
    if password_reset.by_sms() and form.validate_on_submit():
        with domain_errors(form) as attempt:
            password_reset.send_code(form.phone.data)
        if attempt.ok:
            session["reset_phone"] = form.phone.data.strip()
            flash(str(SENT), "info")
            return redirect(url_for(".reset"))
    return render_template("auth/forgot.html", form=form, by_sms=password_reset.by_sms())


@bp.route("/reset", methods=["GET", "POST"])
@forgot_password_limited
def reset():
    if not password_reset.by_sms():
        return redirect(url_for(".forgot"))
    form = ResetForm(phone=session.get("reset_phone"))
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            password_reset.reset_with_code(form.phone.data, form.code.data, form.password.data)
        if attempt.ok:
            session.pop("reset_phone", None)
            session["login_hint"] = form.phone.data.strip()
            flash(_("密码已重置，其他设备上的登录已失效，请用新密码登录"), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)
