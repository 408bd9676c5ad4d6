"""API: service certificates (志愿服务记录证明)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields

from app.auth_state import api_user
from app.hours import hours
from app.services import certificates, volunteers
from app.services.clock import iso
from app.web.api.common import Id, StrictSchema, Text, operation

blp = Blueprint("api_certificates", __name__, description="Service certificates")


class CertificateIssue(StrictSchema):
    volunteer_id = Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "required for admins; a volunteer issues for themself"},
    )
    date_from = Text(load_default=None, allow_none=True, metadata={"description": "YYYY-MM-DD"})
    date_to = Text(load_default=None, allow_none=True, metadata={"description": "YYYY-MM-DD"})


class CertificateResult(StrictSchema):
    id = fields.Integer()
    cert_no = fields.String()
    volunteer_id = fields.Integer()
    unit_id = fields.Integer()
    date_from = fields.String(allow_none=True)
    date_to = fields.String(allow_none=True)
    hours = fields.Float()
    star_level = fields.Integer()
    issued_at = fields.String()
    check_url = fields.String()


def certificate_json(cert) -> dict:
    return {
        "id": cert.id,
        "cert_no": cert.cert_no,
        "volunteer_id": cert.volunteer_id,
        "unit_id": cert.unit_id,
        "date_from": cert.date_from.isoformat() if cert.date_from else None,
        "date_to": cert.date_to.isoformat() if cert.date_to else None,
        "hours": hours(cert.total_seconds),
        "star_level": cert.star_level,
        "issued_at": iso(cert.issued_at),
        "check_url": certificates.check_url(cert),
    }


@blp.post("/certificates")
@operation(blp, "issueCertificate", "volunteer", "unit_admin", "platform_admin")
@blp.arguments(CertificateIssue)
@blp.response(201, CertificateResult, description="a certificate was issued")
@blp.alt_response(200, schema=CertificateResult, description="nothing changed: the earlier certificate")
def issue_certificate(body):
    """Issue a certificate of approved records for a period; the same period with nothing
    changed returns the earlier certificate unchanged (200)."""
    user = api_user()
    if user.role == "volunteer":
        volunteer = volunteers.volunteer_of(user)
        if body["volunteer_id"] not in (None, volunteer.id):
            volunteers.get_for_admin(user, body["volunteer_id"])  # always "not found" for a volunteer
    else:
        volunteer = volunteers.get_for_admin(user, body["volunteer_id"])
    cert, created = certificates.issue_once(
        volunteer, date_from=body["date_from"], date_to=body["date_to"], by=user
    )
    return certificate_json(cert), 201 if created else 200
