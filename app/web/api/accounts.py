"""API: tokens, volunteers, the caller, units and their admins."""
from __future__ import annotations

from flask_smorest import Blueprint

from app.auth_state import api_user
from app.extensions import db
from app.services import accounts, guardians, stars, units, volunteers
from app.services.clock import iso
from app.services.errors import NotAuthenticated
from app.web.api.common import StrictSchema, fields, operation, validate

blp = Blueprint("api_accounts", __name__, description="Accounts, volunteers and units")


class TokenRequest(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=128))


class TokenResult(StrictSchema):
    token = fields.String()
    role = fields.String()
    expires_at = fields.String()


class VolunteerRegistration(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=30))
    id_number = fields.String(required=True, validate=validate.Length(equal=18))
    phone = fields.String(required=True, validate=validate.Length(max=20))
    password = fields.String(required=True, validate=validate.Length(min=8, max=128))
    consent = fields.Boolean(required=True)
    unit_id = fields.Integer(load_default=None, allow_none=True)
    guardian_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=30))
    guardian_phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))


class VolunteerSummary(StrictSchema):
    id = fields.Integer()
    volunteer_no = fields.String()
    name = fields.String()
    star_level = fields.Integer()
    hours = fields.Float()


class UnitCreate(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    contact_email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=200))


class UnitAdminCreate(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=3, max=64))
    password = fields.String(required=True, validate=validate.Length(min=8, max=128))
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))


def volunteer_json(volunteer, *, full: bool = False) -> dict:
    data = {"id": volunteer.id, "volunteer_no": volunteer.volunteer_no, "name": volunteer.name,
            "star_level": volunteer.star_level, "hours": volunteer.hours}
    if full:
        data.update(unit_id=volunteer.unit_id, next_star_at_hours=stars.next_threshold_hours(volunteer),
                    phone_masked=volunteer.phone[:3] + "****" + volunteer.phone[-4:],
                    registered_at=iso(volunteer.created_at),
                    # a minor checks in once a guardian has agreed
                    guardian_consent=guardians.consent_state(volunteer))
    return data


@blp.post("/tokens")
@operation(blp, "createToken", public=True)
@blp.arguments(TokenRequest)
@blp.response(201, TokenResult)
def create_token(body):
    try:
        token, record = accounts.create_token(body["username"], body["password"])
    except NotAuthenticated:
        db.session.commit()  # keep the audited failure: it counts towards the lockout
        raise
    db.session.commit()
    return {"token": token, "role": record.user.role, "expires_at": iso(record.expires_at)}


@blp.post("/volunteers")
@operation(blp, "registerVolunteer", public=True)
@blp.arguments(VolunteerRegistration)
@blp.response(201, VolunteerSummary)
def register_volunteer(body):
    volunteer = volunteers.register(volunteers.Registration(**body))
    db.session.commit()
    return volunteer_json(volunteer)


@blp.get("/me")
@operation(blp, "getMe")
def get_me():
    user = api_user()
    data = {"id": user.id, "role": user.role, "name": user.name, "username": user.username,
            "unit_id": user.unit_id, "merchant_id": user.merchant_id}
    if user.role == "volunteer":
        volunteer = volunteers.volunteer_of(user)
        data.update(volunteer_json(volunteer, full=True), id=user.id, volunteer_id=volunteer.id)
    return data


@blp.get("/volunteers/<int:volunteer_id>")
@operation(blp, "getVolunteer", "platform_admin", "unit_admin")
def get_volunteer(volunteer_id: int):
    volunteer = volunteers.get_volunteer(volunteer_id)
    user = api_user()
    units.ensure_can_manage_unit(user, volunteer.unit_id)
    data = volunteer_json(volunteer, full=True)
    if user.role == "platform_admin":
        data["id_number_masked"] = volunteer.id_number_masked
    return data


@blp.post("/units")
@operation(blp, "createUnit", "platform_admin")
@blp.arguments(UnitCreate)
@blp.response(201)
def create_unit(body):
    unit = units.create_unit(name=body["name"], contact_email=body["contact_email"], by=api_user())
    db.session.commit()
    return {"id": unit.id, "name": unit.name}


@blp.post("/units/<int:unit_id>/admins")
@operation(blp, "createUnitAdmin", "platform_admin")
@blp.arguments(UnitAdminCreate)
@blp.response(201)
def create_unit_admin(body, unit_id: int):
    units.get_unit(unit_id)
    user = accounts.create_user(username=body["username"], password=body["password"], role="unit_admin",
                                name=body["name"], unit_id=unit_id, by=api_user())
    db.session.commit()
    return {"id": user.id}
