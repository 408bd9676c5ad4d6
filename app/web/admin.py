"""Admin portal: overview, member units and their admins, volunteers."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.auth_state import role_required
from app.models import Unit, User
from app.rate_limits import password_reset_limited
from app.services import (
    accounts,
    dashboard,
    guardians,
    logins,
    needs,
    office_tasks,
    political,
    skills,
    sms,
    units,
    volunteers,
)
from app.services.errors import NotFound, get_or_404
from app.web.account_forms import first_password_field, new_account_fields, phone_field
from app.web.forms import BaseForm, db_int, domain_errors, fields_of

bp = Blueprint("admin", __name__, url_prefix="/admin")


class UnitForm(BaseForm):
    name = StringField(_l("单位名称"), validators=[DataRequired(), Length(max=100)])
    contact_email = StringField(
        _l("联系邮箱（接收月通报）"), validators=[Optional(), Email(), Length(max=200)]
    )
    is_active = BooleanField(_l("启用"), default=True)
    submit = SubmitField(_l("保存"))


class UnitAdminForm(BaseForm):
    name, username, password = new_account_fields(_l("姓名"))
    submit = SubmitField(_l("创建管理员"))


class RebindForm(BaseForm):
    phone = phone_field(_l("新的手机号码（登录名）"), autocomplete="off")
    password = first_password_field(_l("临时密码（至少8位，请本人登录后修改）"))
    identity_checked = BooleanField(
        _l("我已当面核验本人身份证件原件"), validators=[DataRequired(_l("请先当面核验本人身份证件"))]
    )
    submit = SubmitField(_l("重新绑定"))


REBOUND = _l("已重新绑定 %(name)s 的账号，请告知本人用新手机号和临时密码登录后修改密码")


def _unit_scope() -> int | None:
    """None for the platform admin (all units), else the admin's own unit."""
    return None if current_user.role == "platform_admin" else current_user.unit_id


@bp.get("/", endpoint="dashboard")
@role_required("platform_admin", "unit_admin")
def dashboard_view():
    security = logins.repeated_failures() if current_user.role == "platform_admin" else None
    return render_template(
        "admin/dashboard.html",
        overview=dashboard.overview(_unit_scope()),
        security=security,
        waiting_needs=needs.waiting_needs(_unit_scope()),
        follow_up=office_tasks.follow_up(current_user),
    )


@bp.get("/units", endpoint="units")
@role_required("platform_admin")
def units_view():
    return render_template(
        "admin/units.html", units=units.list_units(), counts=dashboard.volunteer_counts_by_unit()
    )


@bp.route("/units/new", methods=["GET", "POST"])
@role_required("platform_admin")
def unit_new():
    form = UnitForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            unit = units.create_unit(
                name=form.name.data, contact_email=form.contact_email.data, by=current_user
            )
        if attempt.ok:
            flash(_("已创建成员单位“%(name)s”", name=unit.name), "success")
            return redirect(url_for(".unit_detail", unit_id=unit.id))
    return render_template("admin/unit_form.html", form=form, unit=None)


def _unit_page(unit: Unit, form: UnitForm, admin_form: UnitAdminForm, status: int = 200):
    admins = units.unit_admins(unit.id)
    return render_template(
        "admin/unit_detail.html", unit=unit, form=form, admin_form=admin_form, admins=admins
    ), status


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@role_required("platform_admin", "unit_admin")
def unit_detail(unit_id: int):
    units.ensure_can_manage_unit(current_user, unit_id)
    unit = get_or_404(Unit, unit_id)
    form = UnitForm(obj=unit)
    if current_user.role == "platform_admin" and form.submit.data and form.validate_on_submit():
        with domain_errors(form) as attempt:
            units.update_unit(unit, **fields_of(form, "name", "contact_email", "is_active"), by=current_user)
        if attempt.ok:
            flash(_("已保存"), "success")
            return redirect(url_for(".unit_detail", unit_id=unit.id))
    return _unit_page(unit, form, UnitAdminForm(prefix="admin"))


@bp.post("/units/<int:unit_id>/admins")
@role_required("platform_admin")
def unit_admin_new(unit_id: int):
    unit = get_or_404(Unit, unit_id)
    admin_form = UnitAdminForm(prefix="admin")
    if admin_form.validate_on_submit():
        with domain_errors(admin_form) as attempt:
            new = fields_of(admin_form, "username", "password", "name")
            user = accounts.create_user(**new, role="unit_admin", unit_id=unit.id, by=current_user)
        if attempt.ok:
            flash(
                _("已为“%(unit)s”创建管理员 %(username)s", unit=unit.name, username=user.username), "success"
            )
            return redirect(url_for(".unit_detail", unit_id=unit.id))
    return _unit_page(unit, UnitForm(obj=unit), admin_form, 422)


class ResetPasswordForm(BaseForm):
    password = PasswordField(
        _l("新密码（至少8位）"),
        validators=[DataRequired(), Length(min=8, max=128)],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("重置密码"))


def _unit_admin(unit_id: int, user_id: int):
    user = get_or_404(User, user_id)
    if user.role != "unit_admin" or user.unit_id != unit_id:
        raise NotFound(_("账号不存在"))
    return user


@bp.post("/units/<int:unit_id>/admins/<int:user_id>/active")
@role_required("platform_admin")
def unit_admin_active(unit_id: int, user_id: int):
    user = _unit_admin(unit_id, user_id)
    active = request.form.get("active") == "1"
    accounts.set_active(user, active, by=current_user)
    flash(
        _("已启用 %(u)s", u=user.username)
        if active
        else _("已停用 %(u)s，其登录已全部失效", u=user.username),
        "success",
    )
    return redirect(url_for(".unit_detail", unit_id=unit_id))


@bp.route("/units/<int:unit_id>/admins/<int:user_id>/password", methods=["GET", "POST"])
@password_reset_limited
@role_required("platform_admin")
def unit_admin_password(unit_id: int, user_id: int):
    user = _unit_admin(unit_id, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            accounts.reset_password(user, form.password.data, by=current_user)
        if attempt.ok:
            flash(_("已重置 %(u)s 的密码", u=user.username), "success")
            return redirect(url_for(".unit_detail", unit_id=unit_id))
    return render_template("admin/reset_password.html", form=form, user=user, unit_id=unit_id)


@bp.get("/volunteers", endpoint="volunteers")
@role_required("platform_admin", "unit_admin")
def volunteers_view():
    page = request.args.get("page", 1, type=db_int)
    query = (request.args.get("q") or "").strip()[:50]
    unit_id = _unit_scope() if current_user.role == "unit_admin" else request.args.get("unit_id", type=db_int)
    skill_id = request.args.get("skill_id", type=db_int) or None
    result = volunteers.search(unit_id=unit_id, query=query, page=page, filters={"skill_id": skill_id})
    return render_template(
        "admin/volunteers.html",
        result=result,
        query=query,
        unit_id=unit_id,
        units=units.list_units() if current_user.role == "platform_admin" else [],
        skills=skills.list_skills(),
        skill_id=skill_id,
    )


class PaperConsentForm(BaseForm):
    note = StringField(_l("说明（同意书的签署日期、存放位置）"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("登记纸质监护人同意书"))


def _managed_volunteer(volunteer_id: int):
    """A volunteer of the admin's units; any other id answers like a missing one."""
    return volunteers.get_for_admin(current_user, volunteer_id)


def _volunteer_page(volunteer, form=None, guardian_link=None, status=200):
    return render_template(
        "admin/volunteer_detail.html",
        volunteer=volunteer,
        consent_state=guardians.consent_state(volunteer),
        paper_form=form or PaperConsentForm(prefix="paper"),
        sms_configured=sms.is_configured(),
        guardian_link=guardian_link,
        political_status=political.status_for(current_user, volunteer),
    ), status


@bp.get("/volunteers/<int:volunteer_id>")
@role_required("platform_admin", "unit_admin")
def volunteer_detail(volunteer_id: int):
    return _volunteer_page(_managed_volunteer(volunteer_id))


@bp.route("/volunteers/<int:volunteer_id>/rebind", methods=["GET", "POST"])
@role_required("platform_admin", "unit_admin")
def volunteer_rebind(volunteer_id: int):
    """A volunteer who lost the phone or password, checked face to face, gets the account back."""
    volunteer = _managed_volunteer(volunteer_id)
    form = RebindForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            volunteers.rebind(
                volunteer, **fields_of(form, "phone", "password", "identity_checked"), by=current_user
            )
        if attempt.ok:
            flash(str(REBOUND) % {"name": volunteer.name}, "success")
            return redirect(url_for(".volunteer_detail", volunteer_id=volunteer.id))
    return render_template("admin/volunteer_rebind.html", form=form, volunteer=volunteer)


@bp.post("/volunteers/<int:volunteer_id>/guardian/link")
@role_required("platform_admin", "unit_admin")
def send_guardian_link(volunteer_id: int):
    """Send the guardian a fresh consent link; without an SMS gateway the admin is shown it to hand over."""
    volunteer = _managed_volunteer(volunteer_id)
    with domain_errors(category="warning") as attempt:
        link = guardians.send_consent_link(volunteer, by=current_user)
    if not attempt.ok:
        return redirect(url_for(".volunteer_detail", volunteer_id=volunteer_id))
    if sms.is_configured():
        flash(_("已向监护人手机发送确认短信"), "success")
        return redirect(url_for(".volunteer_detail", volunteer_id=volunteer_id))
    return _volunteer_page(volunteer, guardian_link=link)


@bp.post("/volunteers/<int:volunteer_id>/guardian/paper")
@role_required("platform_admin", "unit_admin")
def record_paper_consent(volunteer_id: int):
    volunteer = _managed_volunteer(volunteer_id)
    form = PaperConsentForm(prefix="paper")
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            guardians.record_paper_consent(volunteer, by=current_user, note=form.note.data)
        if attempt.ok:
            flash(_("已登记纸质监护人同意书，%(name)s 现在可以签到", name=volunteer.name), "success")
            return redirect(url_for(".volunteer_detail", volunteer_id=volunteer_id))
    return _volunteer_page(volunteer, form=form, status=422)
