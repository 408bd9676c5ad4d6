"""API: records in (a spreadsheet with a column mapping) and out (an export job whose result
is a file)."""

from __future__ import annotations

import base64
import binascii

from flask import after_this_request, current_app, send_file, url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.auth_state import ADMINS, api_user
from app.services import (
    column_mapping,
    export_profiles,
    import_flow,
    mapped_import,
    records_export,
    units,
    uploads,
)
from app.services.errors import ValidationFailed
from app.web.api.common import Bool, Id, OptionalText, StrictSchema, Text, operation

blp = Blueprint("api_records_io", __name__, description="Records import and export")
FIELD_CODES = [f.code for f in column_mapping.RECORD_FIELDS]


class ImportBody(StrictSchema):
    file_name = Text(
        required=True,
        validate=validate.Length(min=5, max=200),
        metadata={"description": "ends in .xlsx or .csv (CSV in UTF-8 or GB18030)"},
    )
    content_base64 = Text(
        required=True,
        validate=validate.Length(min=1, max=11_000_000),
        metadata={"description": "the file, base64-encoded"},
    )
    mapping = fields.Dict(
        keys=Text(validate=validate.Length(min=1, max=100)),
        values=Text(validate=validate.OneOf(FIELD_CODES)),
        load_default=None,
        metadata={
            "description": "{column header: field}; fields: "
            + ", ".join(FIELD_CODES)
            + ". Without it, the proposal (the unit's remembered mapping, then common "
            "header names) is used"
        },
    )
    dry_run = Bool(load_default=False, metadata={"description": "check every row and import nothing"})


class ImportResult(StrictSchema):
    imported = fields.Integer(metadata={"description": "rows imported (or, with dry_run, importable)"})
    skipped_examples = fields.Integer(metadata={"description": "rows marked 示例 (the template's example)"})
    header_row = fields.Integer()
    mapping = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))


class ExportBody(StrictSchema):
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
    unit_id = Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "a unit admin's own unit; for the platform admin, none = the city"},
    )
    format = Text(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))
    profile = Text(load_default="standard", validate=validate.OneOf(list(export_profiles.PROFILES)))
    status = Text(
        load_default="approved", validate=validate.OneOf(["approved", "pending", "rejected", "open", "all"])
    )
    full_ids = Bool(load_default=False, metadata={"description": "platform admin only, with password"})
    password = OptionalText(128, metadata={"description": "the caller's password, required with full_ids"})


class ExportResult(StrictSchema):
    id = Id()
    status = Text(metadata={"description": "queued, running, done or failed"})
    progress = fields.Integer(metadata={"description": "percent"})
    done = fields.Integer()
    total = fields.Integer()
    file_url = Text(allow_none=True, metadata={"description": "the file (downloadExport) once done"})


def _job_json(job) -> dict:
    return {
        "id": job.id,
        "status": job.status,
        "progress": job.progress,
        "done": job.done,
        "total": job.total,
        "file_url": url_for("api_records_io.download_export", job_id=job.id)
        if job.status == "done"
        else None,
    }


def _file_content(body) -> bytes:
    """The uploaded spreadsheet's bytes: a file type we read, sent as valid base64."""
    uploads.extension(body["file_name"])
    try:
        return base64.b64decode(body["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(fields={"content_base64": [_("不是有效的 base64 内容")]}) from None


@blp.post("/units/<int:unit_id>/records/import")
@operation(blp, "importRecords", *ADMINS)
@blp.arguments(ImportBody)
@blp.response(200, ImportResult)
def import_records(body, unit_id: int):
    """Import service records from a unit's own spreadsheet with a column mapping: all rows or
    none. A refused file answers 422 with a message per row in `fields` and the list of
    `problems` ({row, column, reason}) beside them."""
    user = api_user()
    units.ensure_can_manage_unit(user, unit_id)
    data = _file_content(body)
    result = mapped_import.review(
        data, body["file_name"], unit_id, by=user, mapping=body["mapping"], commit=not body["dry_run"]
    )
    outcome = import_flow.imported(result)
    return {
        "imported": outcome.imported,
        "skipped_examples": outcome.skipped_examples,
        "header_row": result.sheet.header_row,
        "mapping": dict(zip(result.sheet.header, result.mapping, strict=True)),
    }


def _export_request(body: dict) -> records_export.ExportRequest:
    return records_export.ExportRequest(
        date_from=body["date_from"],
        date_to=body["date_to"],
        unit_id=body["unit_id"],
        file_format=body["format"],
        profile=body["profile"],
        status=None if body["status"] == "all" else body["status"],
        full_ids=body["full_ids"],
        password=body["password"],
    )


def _start_after_commit(job_id: int) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the real app, for the thread

    @after_this_request
    def start(response):  # after the commit: the job's row is there for the thread
        records_export.start_in_background(app, job_id)
        return response


@blp.post("/exports")
@operation(blp, "exportRecords", *ADMINS)
@blp.arguments(ExportBody)
@blp.response(202, ExportResult)
def export_records(body):
    """Start an export of records for a period (asynchronous): the answer is a job; poll
    getExport until its status is done, then fetch its file_url (downloadExport)."""
    job = records_export.request_export(_export_request(body), by=api_user())
    _start_after_commit(job.id)
    return _job_json(job)


@blp.get("/exports/<int:job_id>")
@operation(blp, "getExport", *ADMINS)
@blp.response(200, ExportResult)
def get_export(job_id: int):
    """An export job's status and progress (its requester's only)."""
    return _job_json(records_export.get_job(job_id, by=api_user()))


@blp.get("/exports/<int:job_id>/file")
@operation(blp, "downloadExport", *ADMINS)
@blp.response(200, content_type="application/octet-stream")
def download_export(job_id: int):
    """The finished export's file (XLSX or CSV)."""
    user = api_user()
    path, name = records_export.export_file(records_export.get_job(job_id, by=user), by=user)
    return send_file(path, as_attachment=True, download_name=name, max_age=0)
