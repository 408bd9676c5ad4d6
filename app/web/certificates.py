"""Service certificates: unit admins issue and download them; anyone checks one by its QR."""

from __future__ import annotations

import contextlib
import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.auth_state import role_required
from app.models import Certificate
from app.rate_limits import certificate_check_limited
from app.services import certificates, volunteers
from app.services.errors import NotFound, get_or_404
from app.web.forms import BaseForm, db_int, domain_errors

bp = Blueprint("certificates", __name__, url_prefix="/certificates")


class IssueForm(BaseForm):
    volunteer_no = StringField(_l("志愿者编号"), validators=[DataRequired(), Length(max=20)])
    date_from = DateField(_l("开始日期（可不填）"), validators=[Optional()])
    date_to = DateField(_l("结束日期（可不填）"), validators=[Optional()])
    submit = SubmitField(_l("开具证明"))


def _unit_scope() -> int | None:
    return None if current_user.role == "platform_admin" else current_user.unit_id


def _prefill(form: IssueForm) -> None:
    """Opened from a volunteer's page: their number is filled in. A volunteer of another unit
    is treated as a missing one: nothing is shown."""
    volunteer_id = request.args.get("volunteer_id", type=db_int)
    if request.method == "GET" and volunteer_id:
        with contextlib.suppress(NotFound):
            form.volunteer_no.data = volunteers.get_for_admin(current_user, volunteer_id).volunteer_no


@bp.route("/", methods=["GET", "POST"], endpoint="index")
@role_required("unit_admin", "platform_admin")
def index():
    form = IssueForm()
    _prefill(form)
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            volunteer = volunteers.by_number(form.volunteer_no.data)
            cert = certificates.issue(
                volunteer, date_from=form.date_from.data, date_to=form.date_to.data, by=current_user
            )
        if attempt.ok:
            flash(_("已开具证明 %(no)s", no=cert.cert_no), "success")
            return redirect(url_for(".index", issued=cert.id))
    issued = request.args.get("issued", type=db_int)
    return render_template(
        "certificates/index.html", form=form, issued=issued, items=certificates.for_unit(_unit_scope())
    )


@bp.get("/<int:cert_id>.pdf", endpoint="pdf")
@role_required("unit_admin", "platform_admin", "volunteer")
def pdf(cert_id: int):
    cert = get_or_404(Certificate, cert_id)
    certificates.ensure_can_view(current_user, cert)
    return send_file(
        io.BytesIO(certificates.render_pdf(cert)),
        mimetype="application/pdf",
        as_attachment=request.args.get("download") == "1",
        download_name=certificates.filename(cert),
    )


@bp.get("/check/<token>", endpoint="check")
@certificate_check_limited
def check(token: str):
    """Public: confirms a certificate is genuine; shows nothing that identifies the person."""
    try:
        found = certificates.verify(token)
    except NotFound:
        return render_template("certificates/check.html", found=None), 404
    return render_template("certificates/check.html", found=found)
