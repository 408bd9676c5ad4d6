"""API: residents' needs (微心愿) — ask (public, rate-limited), list, dispatch, sign up, rate,
and the status by the resident's code (in the body, never in a URL)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.auth_state import api_user
from app.rate_limits import need_code_limited, need_limited
from app.services import need_signups, need_workflow, needs, volunteers
from app.services.clock import iso
from app.web.api.common import Id, Int, OptionalText, StrictSchema, Text, operation

blp = Blueprint("api_needs", __name__, description="Residents' needs: ask, dispatch, take, rate")


class NeedCreate(StrictSchema):
    category_id = Id(required=True)
    text = Text(required=True, validate=validate.Length(min=1, max=needs.TEXT_MAX))
    place = Text(required=True, validate=validate.Length(min=1, max=needs.PLACE_MAX))
    wished_date = fields.Date(
        required=True, metadata={"description": "the day the resident wishes it done by"}
    )
    name = Text(required=True, validate=validate.Length(min=1, max=needs.NAME_MAX))
    phone = Text(required=True, validate=validate.Length(min=1, max=20))
    unit_id = Id(
        load_default=None, allow_none=True, metadata={"description": "the station's unit (from its poster)"}
    )


class NeedCreated(StrictSchema):
    id = Id()
    number = Text()
    status = Text()
    code = Text(
        metadata={"description": "the resident's tracking code: shown once, keep it to follow and rate"}
    )
    track_url = Text()


class NeedOut(StrictSchema):
    id = Id()
    number = Text()
    status = Text()
    status_label = Text()
    category_id = Id()
    text = Text()
    place = Text()
    wished_date = Text()
    unit_id = Id(allow_none=True)
    source = Text()
    resident = Text(
        allow_none=True,
        metadata={"description": "the resident's masked name and phone (admins only; null for volunteers)"},
    )
    decline_reason = Text(allow_none=True)
    merged_into_id = Id(allow_none=True)
    capacity = Int(allow_none=True)
    signup_count = Int()
    rating = Int(allow_none=True)
    created_at = Text()
    served_at = Text(allow_none=True)


class NeedList(StrictSchema):
    items = fields.List(fields.Nested(NeedOut))
    total = Int()


class NeedQuery(StrictSchema):
    status = Text(load_default=None, validate=validate.OneOf(needs.STATUSES))
    page = Int(load_default=1, validate=validate.Range(1, 100_000))


class DispatchBody(StrictSchema):
    action = Text(required=True, validate=validate.OneOf(["accept", "assign", "merge", "decline"]))
    unit_id = Id(load_default=None, allow_none=True)
    into_id = Id(load_default=None, allow_none=True)
    reason = OptionalText(needs.REASON_MAX)


class SignupOut(StrictSchema):
    id = Id()
    need_id = Id()
    status = Text()


class NeedCodeBody(StrictSchema):
    code = Text(required=True, validate=validate.Length(min=1, max=40))


class RatingBody(NeedCodeBody):
    rating = Int(required=True, validate=validate.Range(1, 5))
    comment = OptionalText(needs.REASON_MAX)


class NeedStatus(StrictSchema):
    number = Text()
    status = Text()
    status_label = Text()
    text = Text()
    wished_date = Text()
    decline_reason = Text(allow_none=True, metadata={"description": "why it was not taken, for the resident"})
    unit_name = Text(allow_none=True)
    can_rate = fields.Boolean()
    rating = Int(allow_none=True)


def need_json(need, *, admin: bool = True) -> dict:
    return {
        "id": need.id,
        "number": need.number,
        "status": need.status,
        "status_label": needs.status_label(need.status),
        "category_id": need.category_id,
        "text": need.text,
        "place": need.place,
        "wished_date": need.wished_date.isoformat(),
        "unit_id": need.unit_id,
        "source": need.source,
        "resident": f"{need.masked_name} {need.masked_phone}" if admin else None,
        "decline_reason": need.decline_reason,
        "merged_into_id": need.merged_into_id,
        "capacity": need.capacity,
        "signup_count": need.signup_count,
        "rating": need.rating,
        "created_at": iso(need.created_at),
        "served_at": iso(need.served_at),
    }


def status_json(need) -> dict:
    return {
        "number": need.number,
        "status": need.status,
        "status_label": needs.status_label(need.status),
        "text": need.text,
        "wished_date": need.wished_date.isoformat(),
        "decline_reason": need.decline_reason,
        "unit_name": need.unit.name if need.unit else None,
        "can_rate": need.status == "served",
        "rating": need.rating,
    }


@blp.post("/needs")
@operation(blp, "createNeed", public=True, limited=need_limited)
@blp.arguments(NeedCreate)
@blp.response(201, NeedCreated)
def create_need(body):
    need, code = needs.submit_need(needs.NeedInput(**body))
    return {
        "id": need.id,
        "number": need.number,
        "status": need.status,
        "code": code,
        "track_url": needs.tracking_url(code),
    }


@blp.get("/needs")
@operation(blp, "listNeeds", "platform_admin", "unit_admin", "volunteer")
@blp.arguments(NeedQuery, location="query")
@blp.response(200, NeedList)
def list_needs(query):
    """Admins: the needs they handle (resident masked). Volunteers: the open tasks."""
    user = api_user()
    if user.role == "volunteer":
        items = need_signups.open_tasks(volunteers.volunteer_of(user))
        return {"items": [need_json(n, admin=False) for n in items], "total": len(items)}
    page = needs.list_needs(user, status=query["status"], page=query["page"])
    return {"items": [need_json(n) for n in page.items], "total": page.total}


@blp.post("/needs/<int:need_id>/dispatch")
@operation(blp, "dispatchNeed", "platform_admin", "unit_admin")
@blp.arguments(DispatchBody)
@blp.response(200, NeedOut)
def dispatch_need(body, need_id: int):
    user = api_user()
    need = needs.need_for_admin(user, need_id)
    return need_json(
        need_workflow.dispatch(
            need,
            body["action"],
            by=user,
            unit_id=body["unit_id"],
            into_id=body["into_id"],
            reason=body["reason"],
        )
    )


@blp.post("/needs/<int:need_id>/signups")
@operation(blp, "signUpForNeed", "volunteer")
@blp.response(201, SignupOut)
def sign_up_for_need(need_id: int):
    signup = need_signups.sign_up(volunteers.volunteer_of(api_user()), needs.get_need(need_id))
    return {"id": signup.id, "need_id": signup.need_id, "status": signup.status}


@blp.post("/needs/rating")
@operation(blp, "rateNeed", public=True, limited=need_code_limited)
@blp.arguments(RatingBody)
@blp.response(200, NeedStatus)
def rate_need(body):
    return status_json(need_workflow.rate(body["code"], body["rating"], body["comment"]))


@blp.post("/needs/status")
@operation(blp, "getNeedStatus", public=True, limited=need_code_limited)
@blp.arguments(NeedCodeBody)
@blp.response(200, NeedStatus)
def get_need_status(body):
    return status_json(needs.by_code(body["code"]))
