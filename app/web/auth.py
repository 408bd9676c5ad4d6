"""Portal login and logout; volunteer self-registration on the phone."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.auth_state import portal_login, portal_logout
from app.extensions import db
from app.services import accounts, units, volunteers
from app.services.errors import DomainError, NotAuthenticated
from app.web.forms import BaseForm, apply_errors, safe_next

bp = Blueprint("auth", __name__)


class LoginForm(BaseForm):
    username = StringField(_l("用户名或手机号"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username"})
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("记住我"))
    submit = SubmitField(_l("登录"))


class RegisterForm(BaseForm):
    name = StringField(_l("真实姓名"), validators=[DataRequired(), Length(min=2, max=30)],
                       render_kw={"autocomplete": "name"})
    id_number = StringField(_l("身份证号码"), validators=[DataRequired(), Length(min=18, max=18)],
                            render_kw={"autocomplete": "off", "inputmode": "text"})
    phone = StringField(_l("手机号码"), validators=[DataRequired(), Length(max=20)],
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    unit_id = SelectField(_l("成员单位"), coerce=int, validators=[DataRequired()])
    password = PasswordField(_l("密码（至少8位）"), validators=[DataRequired(), Length(min=8, max=128)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("确认密码"), validators=[DataRequired(), EqualTo("password", _l("两次输入的密码不一致"))],
                            render_kw={"autocomplete": "new-password"})
    guardian_name = StringField(_l("监护人姓名（未满18周岁必填）"), validators=[Optional(), Length(max=30)])
    guardian_phone = StringField(_l("监护人手机号（未满18周岁必填）"), validators=[Optional(), Length(max=20)],
                                 render_kw={"inputmode": "tel"})
    consent = BooleanField(_l("我已阅读并同意隐私政策"), validators=[DataRequired(_l("请阅读并同意隐私政策"))])
    submit = SubmitField(_l("注册"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    from app.web.main import home_url
    if current_user.is_authenticated:
        return redirect(home_url())
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.username.data, form.password.data)
        except NotAuthenticated as exc:
            db.session.commit()  # keep the audited failure: it counts towards the lockout
            form.password.errors.append(exc.message)
        else:
            portal_login(user, remember=form.remember.data)
            flash(_("欢迎回来，%(name)s", name=user.name), "success")
            return redirect(safe_next(request.args.get("next")) or home_url())
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    portal_logout()
    flash(_("您已安全退出"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    form.unit_id.choices = [(u.id, u.name) for u in units.list_units(active_only=True)]
    if form.validate_on_submit():
        try:
            volunteer = volunteers.register(volunteers.Registration(
                name=form.name.data, id_number=form.id_number.data, phone=form.phone.data,
                password=form.password.data, consent=form.consent.data, unit_id=form.unit_id.data,
                guardian_name=form.guardian_name.data, guardian_phone=form.guardian_phone.data))
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            portal_login(volunteer.user)
            flash(_("注册成功！您的志愿者编号是 %(no)s", no=volunteer.volunteer_no), "success")
            from app.web.main import home_url
            return redirect(home_url())
    return render_template("auth/register.html", form=form)
