"""API: the volunteer card's code."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth_state import api_user
from app.services import volunteer_home, volunteers
from app.services.clock import iso
from app.web.api.common import StrictSchema, Text, operation

blp = Blueprint("api_stars", __name__, description="Stars and the volunteer card")


class CardCode(StrictSchema):
    code = Text()
    expires_at = Text()


@blp.get("/me/card")
@operation(blp, "getCardCode", "volunteer")
@blp.response(200, CardCode)
def get_card_code():
    code, expires_at = volunteer_home.card_code(volunteers.volunteer_of(api_user()))
    return {"code": code, "expires_at": iso(expires_at)}
