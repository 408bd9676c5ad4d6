"""API: tokens, volunteers, the caller, units and their admins."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.auth_state import api_user, bearer_token
from app.extensions import db
from app.models import Unit
from app.rate_limits import login_limited, registration_limited
from app.services import accounts, guardians, login_sessions, logins, stars, units, volunteers
from app.services.clock import iso
from app.services.errors import NotAuthenticated, get_or_404
from app.web.api.common import Bool, EmailText, Id, IdResult, Int, OptionalText, StrictSchema, Text, operation

blp = Blueprint("api_accounts", __name__, description="Accounts, volunteers and units")


class TokenRequest(StrictSchema):
    username = Text(required=True, validate=validate.Length(min=1, max=64))
    password = Text(required=True, validate=validate.Length(min=1, max=128))


class TokenResult(StrictSchema):
    token = Text()
    role = Text()
    expires_at = Text()


class VolunteerRegistration(StrictSchema):
    name = Text(required=True, validate=validate.Length(min=2, max=30))
    id_number = Text(required=True, validate=validate.Length(equal=18))
    phone = Text(required=True, validate=validate.Length(max=20))
    password = Text(required=True, validate=validate.Length(min=8, max=128))
    consent = Bool(required=True)
    unit_id = Id(load_default=None, allow_none=True)
    guardian_name = OptionalText(30)
    guardian_phone = OptionalText(20)


def _guardian_consent() -> Text:
    return Text(
        allow_none=True,
        validate=validate.OneOf(["given", "pending"]),
        metadata={"description": "a minor's guardian consent: given, pending (no check-in yet) or null"},
    )


class VolunteerSummary(StrictSchema):
    id = Id()
    volunteer_no = Text()
    name = Text()
    star_level = Int()
    hours = fields.Float()


class VolunteerDetail(VolunteerSummary):
    unit_id = Id()
    next_star_at_hours = Int(allow_none=True)
    phone_masked = Text(allow_none=True)
    registered_at = Text()
    guardian_consent = _guardian_consent()
    id_number_masked = Text(metadata={"description": "platform admins only"})


class Me(StrictSchema):
    id = Id(required=True)
    role = Text(required=True)
    name = Text(required=True)
    username = Text(required=True)
    unit_id = Id(allow_none=True)
    merchant_id = Id(allow_none=True)
    # a volunteer's own figures
    volunteer_id = Id()
    volunteer_no = Text()
    star_level = Int()
    hours = fields.Float()
    next_star_at_hours = Int(allow_none=True)
    phone_masked = Text(allow_none=True)
    registered_at = Text()
    guardian_consent = _guardian_consent()


class UnitResult(StrictSchema):
    id = Id()
    name = Text()


class UnitCreate(StrictSchema):
    name = Text(required=True, validate=validate.Length(min=1, max=100))
    contact_email = EmailText(load_default=None, allow_none=True, validate=validate.Length(max=200))


class UnitAdminCreate(StrictSchema):
    username = Text(required=True, validate=validate.Length(min=3, max=64))
    password = Text(required=True, validate=validate.Length(min=8, max=128))
    name = Text(required=True, validate=validate.Length(min=1, max=50))


def volunteer_json(volunteer, *, full: bool = False) -> dict:
    data = {
        "id": volunteer.id,
        "volunteer_no": volunteer.volunteer_no,
        "name": volunteer.name,
        "star_level": volunteer.star_level,
        "hours": volunteer.hours,
    }
    if full:
        data.update(
            unit_id=volunteer.unit_id,
            next_star_at_hours=stars.next_threshold_hours(volunteer),
            phone_masked=volunteer.phone[:3] + "****" + volunteer.phone[-4:] if volunteer.phone else None,
            registered_at=iso(volunteer.created_at),
            # a minor checks in once a guardian has agreed
            guardian_consent=guardians.consent_state(volunteer),
        )
    return data


@blp.post("/tokens")
@operation(blp, "createToken", public=True, limited=login_limited)
@blp.arguments(TokenRequest)
@blp.response(201, TokenResult)
def create_token(body):
    try:
        token, record = logins.create_token(body["username"], body["password"], ip=request.remote_addr)
    except NotAuthenticated:
        db.session.commit()  # keep the recorded failure: it counts towards the throttle
        raise
    return {"token": token, "role": record.user.role, "expires_at": iso(record.expires_at)}


class PasswordChange(StrictSchema):
    old_password = Text(required=True, validate=validate.Length(min=1, max=128))
    new_password = Text(required=True, validate=validate.Length(min=8, max=128))


@blp.delete("/tokens/current")
@operation(blp, "revokeToken")
@blp.response(204)
def revoke_token():
    """The bearer token of this request stops working at once."""
    api_user()
    login_sessions.revoke_token(bearer_token())
    return ""


@blp.post("/me/password")
@operation(blp, "changePassword")
@blp.arguments(PasswordChange)
def change_password(body):
    """The caller's own password, the current one required. Every other token and portal
    session of the caller ends; the token of this request keeps working."""
    user = accounts.change_password(
        api_user(),
        old_password=body["old_password"],
        new_password=body["new_password"],
        keep_token=bearer_token(),
        field="new_password",
    )
    return {"id": user.id, "changed": True}


@blp.post("/volunteers")
@operation(blp, "registerVolunteer", public=True, limited=registration_limited)
@blp.arguments(VolunteerRegistration)
@blp.response(201, VolunteerSummary)
def register_volunteer(body):
    """The answer is the same whether or not the ID number or phone was registered before
    (README: Security): a known person gets no new account and should log in instead."""
    done = volunteers.register_public(volunteers.Registration(**body))
    return {
        "id": done.id,
        "volunteer_no": done.volunteer_no,
        "name": done.name,
        "star_level": done.star_level,
        "hours": done.hours,
    }


@blp.get("/me")
@operation(blp, "getMe")
@blp.response(200, Me)
def get_me():
    user = api_user()
    data = {
        "id": user.id,
        "role": user.role,
        "name": user.name,
        "username": user.username,
        "unit_id": user.unit_id,
        "merchant_id": user.merchant_id,
    }
    if user.role == "volunteer":
        volunteer = volunteers.volunteer_of(user)
        data.update(volunteer_json(volunteer, full=True), id=user.id, volunteer_id=volunteer.id)
    return data


@blp.get("/volunteers/<int:volunteer_id>")
@operation(blp, "getVolunteer", "platform_admin", "unit_admin")
@blp.response(200, VolunteerDetail)
def get_volunteer(volunteer_id: int):
    """Another unit's volunteer answers like a missing one (404): ids tell nothing outside."""
    user = api_user()
    volunteer = volunteers.get_for_admin(user, volunteer_id)
    data = volunteer_json(volunteer, full=True)
    if user.role == "platform_admin":
        data["id_number_masked"] = volunteer.id_number_masked
    return data


@blp.post("/units")
@operation(blp, "createUnit", "platform_admin")
@blp.arguments(UnitCreate)
@blp.response(201, UnitResult)
def create_unit(body):
    unit = units.create_unit(name=body["name"], contact_email=body["contact_email"], by=api_user())
    return {"id": unit.id, "name": unit.name}


@blp.post("/units/<int:unit_id>/admins")
@operation(blp, "createUnitAdmin", "platform_admin")
@blp.arguments(UnitAdminCreate)
@blp.response(201, IdResult)
def create_unit_admin(body, unit_id: int):
    get_or_404(Unit, unit_id)
    user = accounts.create_user(
        username=body["username"],
        password=body["password"],
        role="unit_admin",
        name=body["name"],
        unit_id=unit_id,
        by=api_user(),
    )
    return {"id": user.id}
