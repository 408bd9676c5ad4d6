"""Unit admins import records from their own spreadsheets: upload, map the columns, preview
with row errors, import all or nothing, and download the error report."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired

from app.auth_state import role_required
from app.services import column_mapping, mapped_import, uploads
from app.services.errors import ValidationFailed
from app.web.forms import BaseForm, apply_errors, send_bytes

bp = Blueprint("records_io", __name__, url_prefix="/admin/records/import")


class UploadForm(BaseForm):
    file = FileField(_l("表格文件（.xlsx 或 .csv）"), validators=[FileRequired()])
    submit = SubmitField(_l("上传并核对列"))


class MapForm(BaseForm):
    token = HiddenField(validators=[DataRequired()])
    preview = SubmitField(_l("按此对应重新预览"))
    submit = SubmitField(_l("确认导入"))


def _mapping_from_form() -> list[str | None]:
    valid = column_mapping.fields_of("records")
    return [c if c in valid else None for c in request.form.getlist("col")[:500]]


def _page(review, form, status=200):
    if review.outcome is not None and review.outcome.problems:
        uploads.keep_report(form.token.data, mapped_import.error_report(review.outcome.problems))
    return render_template("records/import_map.html", review=review, form=form,
                           fields=column_mapping.RECORD_FIELDS,
                           preview=mapped_import.preview_rows(review.sheet)), status


@bp.route("", methods=["GET", "POST"], endpoint="upload")
@role_required("unit_admin")
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        data, name = form.file.data.read(), form.file.data.filename or ""
        try:
            token = uploads.keep(data, name, current_user)
            review = mapped_import.review(data, name, current_user.unit_id, by=current_user)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            return _page(review, MapForm(token=token), 200 if review.ok else 422)
    return render_template("records/import.html", form=form), 422 if form.file.errors else 200


@bp.post("/map", endpoint="map")
@role_required("unit_admin")
def map_columns():
    form = MapForm()
    if not form.validate_on_submit():
        flash(_("请重新上传文件"), "warning")
        return redirect(url_for(".upload"))
    data, name = uploads.load(form.token.data, current_user)
    mapping = _mapping_from_form()
    review = mapped_import.review(data, name, current_user.unit_id, by=current_user, mapping=mapping,
                                  commit=bool(form.submit.data))
    if form.submit.data and review.ok:
        flash(_("已导入%(n)d条服务记录", n=review.outcome.imported), "success")
        return redirect(url_for("records.index", status="approved"))
    return _page(review, form, 200 if review.ok else 422)


@bp.post("/errors.xlsx", endpoint="errors")
@role_required("unit_admin")
def error_report():
    form = MapForm()
    if not form.validate_on_submit():
        return redirect(url_for(".upload"))
    return send_bytes(uploads.load_report(form.token.data, current_user), "import-errors.xlsx", inline=False)

