"""API: a supervisor's report (随手拍) from the phone: category, place, photo and text."""

from __future__ import annotations

import base64
import binascii

from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.auth_state import api_user
from app.rate_limits import report_limited
from app.services import photos, reports, volunteers
from app.services.clock import iso
from app.services.errors import ValidationFailed
from app.services.inputs import Upload
from app.web.api.common import Id, OptionalText, StrictSchema, Text, operation

blp = Blueprint("api_reports", __name__, description="Supervisors' reports (随手拍)")


class PhotoBody(StrictSchema):
    file_name = Text(required=True, validate=validate.Length(min=1, max=200))
    content_base64 = Text(
        required=True,
        validate=validate.Length(min=1, max=photos.MAX_BYTES * 4 // 3 + 4),
        metadata={"description": "JPEG, PNG or WebP, base64-encoded; EXIF (location) is removed"},
    )


class ReportBody(StrictSchema):
    category = Text(required=True, validate=validate.OneOf(list(reports.CATEGORIES)))
    text = Text(required=True, validate=validate.Length(min=1, max=reports.TEXT_MAX))
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lng = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    address = OptionalText(
        reports.ADDRESS_MAX, metadata={"description": "required when there is no position (lat and lng)"}
    )
    photo = fields.Nested(PhotoBody, required=True)


class ReportOut(StrictSchema):
    id = Id()
    category = Text()
    status = Text(metadata={"description": "submitted, routed, replied or closed"})
    status_label = Text()
    outcome = Text(allow_none=True, metadata={"description": "confirmed or unfounded once closed"})
    unit_name = Text(allow_none=True)
    reply = Text(allow_none=True)
    created_at = Text()


def report_json(report) -> dict:
    return {
        "id": report.id,
        "category": report.category,
        "status": report.status,
        "status_label": reports.status_label(report),
        "outcome": report.outcome,
        "unit_name": report.unit.name if report.unit else None,
        "reply": report.reply,
        "created_at": iso(report.created_at),
    }


def _upload(photo: dict) -> Upload:
    try:
        data = base64.b64decode(photo["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(fields={"photo": [_("不是有效的 base64 内容")]}) from None
    return Upload(photo["file_name"], data)


@blp.post("/reports")
@operation(blp, "reportProblem", "volunteer", limited=report_limited)
@blp.arguments(ReportBody)
@blp.response(201, ReportOut)
def report_problem(body):
    """A supervisor reports an uncivil act or a problem; 403 for a volunteer who is not one."""
    data = reports.ReportInput(
        category=body["category"],
        text=body["text"],
        lat=body["lat"],
        lng=body["lng"],
        address=body["address"],
    )
    report = reports.file_report(volunteers.volunteer_of(api_user()), data, [_upload(body["photo"])])
    return report_json(report)
