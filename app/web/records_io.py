"""Unit admins import records from their own spreadsheets: upload, map the columns, preview
with row errors, import all or nothing, and download the error report."""

from __future__ import annotations

from flask import Blueprint, url_for
from flask_babel import gettext as _

from app.services import mapped_import
from app.web import import_flow

bp = Blueprint("records_io", __name__, url_prefix="/admin/records/import")

PAGES = import_flow.ImportPages(
    kind="records",
    review=mapped_import.review,
    title=lambda: _("核对列并导入"),
    upload_template="records/import.html",
    done=lambda outcome: _("已导入%(n)d条服务记录", n=outcome.imported),
    done_url=lambda: url_for("records.index", status="approved"),
    report_name="import-errors.xlsx",
)

import_flow.add_routes(bp, PAGES)
