"""Unit admins register their volunteers from their own roster sheet: upload, map the
columns, preview with row errors (duplicates included), register all or nothing."""

from __future__ import annotations

from flask import Blueprint, url_for
from flask_babel import gettext as _

from app.services import roster_import
from app.web import import_flow

bp = Blueprint("roster", __name__, url_prefix="/admin/volunteers/import")

PAGES = import_flow.ImportPages(
    kind="roster",
    review=roster_import.review,
    title=lambda: _("核对列并登记志愿者"),
    upload_template="admin/roster_import.html",
    done=lambda outcome: _("已登记%(n)d名志愿者，他们首次登录时用手机号激活账号", n=outcome.imported),
    done_url=lambda: url_for("admin.volunteers"),
    report_name="roster-errors.xlsx",
)

import_flow.add_routes(bp, PAGES)
