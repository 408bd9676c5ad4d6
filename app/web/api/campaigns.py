"""API: a volunteer's rostered shifts, and selective recruitment (applications to activities)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.auth_state import ADMINS, api_user
from app.models import Activity
from app.services import recruitment, rosters, volunteers
from app.services.clock import iso
from app.services.errors import get_or_404
from app.web.api.common import Id, Instant, Int, OptionalText, StrictSchema, Text, operation

blp = Blueprint("api_campaigns", __name__, description="Campaign rosters and selective recruitment")


class ShiftOut(StrictSchema):
    id = Id(metadata={"description": "the assignment's id"})
    shift_id = Id()
    campaign_id = Id()
    campaign = Text()
    area = Text()
    post_id = Id(allow_none=True)
    post = Text(allow_none=True)
    starts_at = Text()
    ends_at = Text()
    came_at = Text(allow_none=True, metadata={"description": "when the check-in at the post fulfilled it"})


class ShiftList(StrictSchema):
    items = fields.List(fields.Nested(ShiftOut))
    total = Int()


def shift_json(assignment) -> dict:
    shift = assignment.shift
    return {
        "id": assignment.id,
        "shift_id": shift.id,
        "campaign_id": shift.campaign_id,
        "campaign": shift.campaign.name,
        "area": shift.area,
        "post_id": shift.post_id,
        "post": shift.post.name if shift.post else None,
        "starts_at": iso(shift.starts_at),
        "ends_at": iso(shift.ends_at),
        "came_at": iso(assignment.came_at),
    }


@blp.get("/me/shifts")
@operation(blp, "listMyShifts", "volunteer")
@blp.response(200, ShiftList)
def list_my_shifts():
    """The caller's shifts not yet over, soonest first."""
    items = [shift_json(a) for a in rosters.my_shifts(volunteers.volunteer_of(api_user()))]
    return {"items": items, "total": len(items)}


class ApplicationIn(StrictSchema):
    note = Text(load_default="", validate=validate.Length(max=recruitment.NOTE_MAX))


class DecisionIn(StrictSchema):
    decision = Text(required=True, validate=validate.OneOf(["accept", "decline"]))
    reason = OptionalText(recruitment.REASON_MAX, metadata={"description": "required to decline"})


class ApplicationOut(StrictSchema):
    id = Id()
    activity_id = Id()
    volunteer_id = Id()
    note = Text()
    status = Text(metadata={"description": "pending, accepted or declined"})
    reason = Text(allow_none=True)
    decided_at = Instant(allow_none=True)


@blp.post("/activities/<int:activity_id>/applications")
@operation(blp, "applyForActivity", "volunteer")
@blp.arguments(ApplicationIn)
@blp.response(201, ApplicationOut)
def apply_for_activity(body, activity_id: int):
    """Apply once to an activity that requires an application (409 when applied already, when
    it needs none, is over or full)."""
    activity = get_or_404(Activity, activity_id)
    return recruitment.apply(volunteers.volunteer_of(api_user()), activity, body["note"])


@blp.post("/applications/<int:application_id>/decision")
@operation(blp, "decideApplication", *ADMINS)
@blp.arguments(DecisionIn)
@blp.response(200, ApplicationOut)
def decide_application(body, application_id: int):
    """Accept (takes a place; 409 when full) or decline with a reason a pending application."""
    application = recruitment.get_application(application_id)
    return recruitment.decide(
        application, accept=body["decision"] == "accept", reason=body["reason"], by=api_user()
    )
