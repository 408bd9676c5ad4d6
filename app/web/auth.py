"""Portal login and logout; volunteer self-registration on the phone."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.auth_state import home_url, portal_login, portal_logout, role_required
from app.extensions import db
from app.rate_limits import login_limited, registration_limited
from app.services import accounts, login_sessions, logins, units, volunteers
from app.services.errors import NotAuthenticated
from app.web.account_forms import phone_field
from app.web.forms import BaseForm, domain_errors, new_password_fields, safe_next

bp = Blueprint("auth", __name__)


class LoginForm(BaseForm):
    username = StringField(
        _l("用户名或手机号"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("密码"),
        validators=[DataRequired(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("登录"))

    def sign_in(self) -> logins.SignedIn:
        """This login, from this request's address, with the key the phone's login page made."""
        return logins.sign_in(
            self.username.data or "",
            self.password.data or "",
            ip=request.remote_addr,
            device_key=request.form.get("device_key"),
            device_label=request.user_agent.string,
        )


class RegisterForm(BaseForm):
    name = StringField(
        _l("真实姓名"), validators=[DataRequired(), Length(min=2, max=30)], render_kw={"autocomplete": "name"}
    )
    id_number = StringField(
        _l("身份证号码"),
        validators=[DataRequired(), Length(min=18, max=18)],
        render_kw={"autocomplete": "off", "inputmode": "text"},
    )
    phone = phone_field()
    unit_id = SelectField(_l("成员单位"), coerce=int, validators=[DataRequired(_l("请选择成员单位"))])
    password, confirm = new_password_fields(_l("密码（至少8位）"), _l("确认密码"))
    guardian_name = StringField(_l("监护人姓名（未满18周岁必填）"), validators=[Optional(), Length(max=30)])
    guardian_phone = StringField(
        _l("监护人手机号（未满18周岁必填）"),
        validators=[Optional(), Length(max=20)],
        render_kw={"inputmode": "tel"},
    )
    consent = BooleanField(
        _l("我已阅读并同意隐私政策"), validators=[DataRequired(_l("请阅读并同意隐私政策"))]
    )
    submit = SubmitField(_l("注册"))

    def offer_units(self) -> None:
        self.unit_id.choices = [(0, _("请选择"))] + [
            (u.id, u.name) for u in units.list_units(active_only=True)
        ]

    def registration(self) -> volunteers.Registration:
        return volunteers.Registration(
            name=self.name.data or "",
            id_number=self.id_number.data or "",
            phone=self.phone.data or "",
            password=self.password.data or "",
            consent=bool(self.consent.data),
            unit_id=self.unit_id.data or -1,
            guardian_name=self.guardian_name.data,
            guardian_phone=self.guardian_phone.data,
        )

    def add_service_problems(self) -> None:
        """The service's objections beside the fields the form's own checks let through, so one
        submit shows every problem."""
        for name, messages in volunteers.registration_problems(self.registration()).items():
            field = getattr(self, name, None)
            if field is not None and not field.errors:
                field.errors = list(field.errors) + messages


@bp.route("/login", methods=["GET", "POST"])
@login_limited
def login():
    if current_user.is_authenticated:
        return redirect(home_url())
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if request.method == "GET" and session.get("login_hint"):
        form.username.data = session.pop("login_hint")
    if form.validate_on_submit():
        try:
            return _welcome(form.sign_in(), next_url)
        except logins.LoginThrottled as exc:
            return _throttled(form, next_url, exc)
        except NotAuthenticated as exc:
            db.session.commit()  # keep the recorded failure: it counts towards the throttle
            form.password.errors.append(exc.message)
    return render_template("auth/login.html", form=form, next_url=next_url)


def _welcome(signed_in: logins.SignedIn, next_url: str | None):
    portal_login(signed_in.user)
    session["tap_device"] = signed_in.tap_device_id  # offline check-in's key, made by the page
    flash(_("欢迎回来，%(name)s", name=signed_in.user.name), "success")
    return redirect(next_url or home_url())


def _throttled(form: LoginForm, next_url: str | None, exc: logins.LoginThrottled):
    form.password.errors.append(exc.message)
    headers = {"Retry-After": str(exc.retry_after)}
    return render_template("auth/login.html", form=form, next_url=next_url), 429, headers


class ChangePasswordForm(BaseForm):
    old_password = PasswordField(
        _l("当前密码"),
        validators=[DataRequired(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = new_password_fields(_l("新密码（至少8位）"), _l("确认新密码"))
    submit = SubmitField(_l("修改密码"))


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """GET: the logout page (what logout ends and what it does not); POST: log out."""
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        return render_template("auth/logout.html")
    portal_logout()
    flash(_("您已安全退出"), "info")
    return redirect(url_for("auth.login"))


@bp.post("/logout/everywhere")
@role_required()
def logout_everywhere():
    """End every session (other browsers and phones too) and every API token of the user."""
    login_sessions.sign_out_everywhere(current_user._get_current_object())
    portal_logout()
    flash(_("已在所有设备上退出，所有API令牌均已失效"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@role_required()
def change_password():
    """Every role changes its own password here; the current one is asked for again."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            accounts.change_password(
                current_user._get_current_object(),
                old_password=form.old_password.data,
                new_password=form.password.data,
                keep_session=session.get("login_session"),
            )
        if attempt.ok:
            flash(_("密码已修改，其他设备上的登录和API令牌已失效"), "success")
            return redirect(home_url())
    return render_template("auth/change_password.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
@registration_limited
def register():
    form = RegisterForm()
    form.offer_units()
    next_url = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            volunteers.register_public(form.registration())
        if attempt.ok:
            # The same answer whether registered before or not, and no login (that would tell); the
            # login page has the phone filled in and goes on to where registration started (a QR).
            session["login_hint"] = (form.phone.data or "").strip()
            flash(_("注册申请已受理。") + str(volunteers.REGISTRATION_NOTICE), "info")
            return redirect(url_for("auth.login", next=next_url))
    elif form.is_submitted():
        form.add_service_problems()
    return render_template("auth/register.html", form=form, next_url=next_url)
