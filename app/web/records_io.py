"""Unit admins import records from their own spreadsheets: upload, map the columns, preview
with row errors, import all or nothing, and download the error report."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import role_required
from app.services import column_mapping, mapped_import, uploads
from app.services.errors import ValidationFailed
from app.web.forms import apply_errors, send_bytes
from app.web.import_forms import MapForm, UploadForm, mapping_from_form

bp = Blueprint("records_io", __name__, url_prefix="/admin/records/import")


def _page(review, form, status=200):
    if review.outcome is not None and review.outcome.problems:
        uploads.keep_report(form.token.data, mapped_import.error_report(review.outcome.problems))
    return render_template(
        "records/import_map.html",
        review=review,
        form=form,
        fields=column_mapping.RECORD_FIELDS,
        preview=mapped_import.preview_rows(review.sheet),
        title=_("核对列并导入"),
        map_url=url_for(".map"),
        errors_url=url_for(".errors"),
        upload_url=url_for(".upload"),
    ), status


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
    mapping = mapping_from_form("records")
    review = mapped_import.review(
        data, name, current_user.unit_id, by=current_user, mapping=mapping, commit=bool(form.submit.data)
    )
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
