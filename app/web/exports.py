"""Admins export records of a unit or the city for a period (XLSX or CSV, with a column
profile) as a background job: the page shows its progress and a download link; the platform
admin edits the national platform profile."""

from __future__ import annotations

from functools import partial

from flask import (
    Blueprint,
    after_this_request,
    current_app,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, DateField, PasswordField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.auth_state import ADMINS, role_required
from app.services import export_profiles, records_export, units
from app.services.clock import local_today
from app.web.forms import BaseForm, domain_errors, form_status, submitted

bp = Blueprint("exports", __name__, url_prefix="/admin/exports")
STATUS_CHOICES = [SelectChoice("approved", _l("已通过（计入时长的）")), SelectChoice("all", _l("全部状态"))]


class ExportForm(BaseForm):
    date_from = DateField(_l("开始日期"), validators=[DataRequired()])
    date_to = DateField(_l("结束日期"), validators=[DataRequired()])
    unit_id = SelectField(_l("范围"), coerce=int, validators=[Optional()])
    profile = SelectField(
        _l("列格式"), choices=[SelectChoice(k, v) for k, v in export_profiles.PROFILES.items()]
    )
    file_format = SelectField(
        _l("文件类型"), choices=[SelectChoice("xlsx", "Excel (.xlsx)"), SelectChoice("csv", "CSV (.csv)")]
    )
    status = SelectField(_l("记录状态"), choices=STATUS_CHOICES)
    full_ids = BooleanField(_l("导出完整身份证号（将记入审计日志）"))
    password = PasswordField(
        _l("导出完整身份证号须再次输入您的密码"),
        validators=[Optional(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("开始导出"))

    def to_request(self, user) -> records_export.ExportRequest:
        """The export asked for; a unit admin's is of their own unit, without full ID numbers."""
        is_platform = user.role == "platform_admin"
        return records_export.ExportRequest(
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            unit_id=(self.unit_id.data or None) if is_platform else user.unit_id,
            file_format=self.file_format.data,
            profile=self.profile.data,
            status=None if self.status.data == "all" else self.status.data,
            full_ids=is_platform and self.full_ids.data,
            password=self.password.data if is_platform else None,
        )


class ProfileForm(BaseForm):
    columns = TextAreaField(
        _l("列（每行一列：列标题=字段代码）"),
        validators=[DataRequired(), Length(max=4000)],
        render_kw={"rows": 12},
    )
    submit = SubmitField(_l("保存"))


def _export_form() -> ExportForm:
    today = local_today()
    form = ExportForm(date_from=today.replace(day=1), date_to=today)
    if current_user.role == "platform_admin":
        form.unit_id.choices = [SelectChoice(0, _("全市"))] + [
            SelectChoice(u.id, u.name) for u in units.list_units()
        ]
    else:
        del form.unit_id, form.full_ids, form.password
    return form


def _start_after_commit(job_id):
    """The export runs in a thread once this request has committed: its job's row is there."""
    app = current_app._get_current_object()

    @after_this_request
    def start(response):
        records_export.start_in_background(app, job_id)
        return response


@bp.route("", methods=["GET", "POST"], endpoint="new")
@role_required(*ADMINS)
def new_export():
    form = _export_form()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            job = records_export.request_export(form.to_request(current_user), by=current_user)
        if attempt.ok:
            _start_after_commit(job.id)
            return redirect(url_for(".show", job_id=job.id))
    return render_template("exports/new.html", form=form), form_status(form)


@bp.get("/<int:job_id>", endpoint="show")
@role_required(*ADMINS)
def show(job_id: int):
    return render_template("exports/show.html", job=records_export.get_job(job_id, by=current_user))


@bp.get("/<int:job_id>/status", endpoint="status")
@role_required(*ADMINS)
def status(job_id: int):
    job = records_export.get_job(job_id, by=current_user)
    return {
        "id": job.id,
        "status": job.status,
        "progress": job.progress,
        "done": job.done,
        "total": job.total,
        "download_url": url_for(".download", job_id=job.id) if job.status == "done" else None,
    }


@bp.get("/<int:job_id>/file", endpoint="download")
@role_required(*ADMINS)
def download(job_id: int):
    path, name = records_export.export_file(records_export.get_job(job_id, by=current_user), by=current_user)
    return send_file(path, as_attachment=True, download_name=name, max_age=0)


@bp.route("/profile", methods=["GET", "POST"], endpoint="profile")
@role_required("platform_admin")
def profile():
    form = ProfileForm()
    act = partial(export_profiles.save_national, form.columns.data, by=current_user)
    if done := submitted(form, act, _("已保存全国平台导出格式"), url_for(".profile")):
        return done
    if not form.is_submitted():
        form.columns.data = export_profiles.as_text(export_profiles.national())
    return render_template(
        "exports/profile.html", form=form, fields=export_profiles.FIELD_LABELS
    ), form_status(form)
