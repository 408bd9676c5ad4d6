"""API: a volunteer's rostered shifts, and selective recruitment (applications to activities)."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth_state import api_user
from app.services import rosters, volunteers
from app.web.api.common import Id, Int, StrictSchema, Text, fields, iso, operation

blp = Blueprint("api_campaigns", __name__, description="Campaign rosters and selective recruitment")
ADMINS = ("platform_admin", "unit_admin")


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
