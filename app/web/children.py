"""Pupils under 14: the guardian adds a child and sees the child's hours and certificate; an
admin signs a child up for an activity 适合未成年人."""

from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.auth_state import role_required
from app.models import Activity
from app.services import certificates, children, volunteers
from app.services.errors import get_or_404
from app.web.children_forms import ChildSignupForm
from app.web.forms import BaseForm, domain_errors, form_input, form_status

bp = Blueprint("children", __name__)


class ChildForm(BaseForm):
    name = StringField(_l("儿童姓名"), validators=[DataRequired(), Length(max=30)])
    id_number = StringField(_l("儿童身份证号码"), validators=[DataRequired(), Length(max=18)])
    relationship = SelectField(
        _l("与儿童的关系"), choices=[SelectChoice(k, v) for k, v in children.RELATIONSHIPS.items()]
    )
    consent = BooleanField(_l("我是该儿童的监护人，同意其参加志愿服务并由本人代为管理"))
    submit = SubmitField(_l("添加儿童"))


@bp.route("/me/children/", methods=["GET", "POST"], endpoint="index")
@role_required("volunteer")
def index():
    guardian = volunteers.volunteer_of(current_user)
    form = ChildForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            child = children.register_child(guardian, form_input(form, children.ChildInput), by=current_user)
        if attempt.ok:
            flash(_("已添加儿童“%(n)s”，志愿者编号 %(no)s", n=child.name, no=child.volunteer_no), "success")
            return redirect(url_for(".index"))
    return _index_page(guardian, form)


def _index_page(guardian, form: ChildForm):
    return render_template(
        "children/index.html",
        form=form,
        kids=children.children_of(guardian),
        relationships=children.RELATIONSHIPS,
        limit=children.max_children(),
        issue_form=BaseForm(),
    ), form_status(form)


@bp.post("/me/children/<int:child_id>/certificate", endpoint="issue_certificate")
@role_required("volunteer")
def issue_certificate(child_id: int):
    child = children.child_of(volunteers.volunteer_of(current_user), child_id)
    if BaseForm().validate_on_submit():
        certificates.issue_once(child, by=current_user)
    return redirect(url_for(".certificate_pdf", child_id=child.id), 303)


@bp.get("/me/children/<int:child_id>/certificate.pdf", endpoint="certificate_pdf")
@role_required("volunteer")
def certificate_pdf(child_id: int):
    child = children.child_of(volunteers.volunteer_of(current_user), child_id)
    cert = certificates.latest(child)
    if cert is None:
        flash(_("请先开具证明"), "warning")
        return redirect(url_for(".index"))
    return send_file(
        io.BytesIO(certificates.render_pdf(cert)),
        mimetype="application/pdf",
        as_attachment=request.args.get("download") == "1",
        download_name=certificates.filename(cert),
    )


@bp.post("/activities/<int:activity_id>/children", endpoint="sign_up")
@role_required("platform_admin", "unit_admin")
def sign_up(activity_id: int):
    activity = get_or_404(Activity, activity_id)
    form = ChildSignupForm(prefix="child")
    if form.validate_on_submit():
        with domain_errors() as attempt:
            child = volunteers.get_for_admin(current_user, volunteers.by_number(form.volunteer_no.data).id)
            children.sign_up(child, activity, by=current_user)
        if attempt.ok:
            flash(_("已为儿童 %(n)s 报名", n=child.name), "success")
    return redirect(url_for("activities.attendance", activity_id=activity.id))
