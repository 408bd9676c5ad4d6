"""Unit admins import records from their own spreadsheets: upload, map the columns, preview
with row errors, import all or nothing, and download the error report."""

from __future__ import annotations

from flask import Blueprint, url_for
from flask_babel import gettext as _

from app.auth_state import role_required
from app.services import column_mapping, mapped_import
from app.web import import_flow

bp = Blueprint("records_io", __name__, url_prefix="/admin/records/import")

PAGES = import_flow.ImportPages(
    kind="records",
    review=mapped_import.review,
    fields=column_mapping.RECORD_FIELDS,
    title=lambda: _("核对列并导入"),
    upload_template="records/import.html",
    done=lambda outcome: _("已导入%(n)d条服务记录", n=outcome.imported),
    done_url=lambda: url_for("records.index", status="approved"),
    report_name="import-errors.xlsx",
)


@bp.route("", methods=["GET", "POST"], endpoint="upload")
@role_required("unit_admin")
def upload():
    return import_flow.upload(PAGES)


@bp.post("/map", endpoint="map")
@role_required("unit_admin")
def map_columns():
    return import_flow.map_columns(PAGES)


@bp.post("/errors.xlsx", endpoint="errors")
@role_required("unit_admin")
def error_report():
    return import_flow.error_report(PAGES)
