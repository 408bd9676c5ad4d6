"""API: notices (通知公告) — admins post them; volunteers read theirs, admins their sent ones."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.auth_state import api_user
from app.models.notices import AUDIENCES
from app.services import notices, volunteers
from app.services.clock import iso
from app.web.api.common import Bool, Id, Int, StrictSchema, Text, operation

blp = Blueprint("api_notices", __name__, description="Notices to volunteers")


class NoticeCreate(StrictSchema):
    audience = Text(
        required=True,
        validate=validate.OneOf(list(AUDIENCES)),
        metadata={"description": "all (the office only), unit, team or campaign (its roster)"},
    )
    target_id = Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "the unit, team or campaign; null for all"},
    )
    title = Text(required=True, validate=validate.Length(min=1, max=notices.TITLE_MAX))
    body = Text(required=True, validate=validate.Length(min=1, max=notices.BODY_MAX))


class NoticeOut(StrictSchema):
    id = Id()
    audience = Text()
    target_id = Id(allow_none=True)
    unit_id = Id(allow_none=True, metadata={"description": "the sending unit; null: the office"})
    title = Text()
    body = Text()
    created_at = Text()
    read = Bool(load_default=None, allow_none=True, metadata={"description": "a volunteer: read it already"})
    read_count = Int(
        load_default=None, allow_none=True, metadata={"description": "an admin: volunteers who read it"}
    )


class NoticeList(StrictSchema):
    items = fields.List(fields.Nested(NoticeOut))


def notice_json(notice, *, read=None, read_count=None) -> dict:
    return {
        "id": notice.id,
        "audience": notice.audience,
        "target_id": notice.target_id,
        "unit_id": notice.unit_id,
        "title": notice.title,
        "body": notice.body,
        "created_at": iso(notice.created_at),
        "read": read,
        "read_count": read_count,
    }


@blp.post("/notices")
@operation(blp, "createNotice", "platform_admin", "unit_admin")
@blp.arguments(NoticeCreate)
@blp.response(201, NoticeOut)
def create_notice(body):
    notice = notices.create_notice(by=api_user(), **body)
    return notice_json(notice, read_count=0)


@blp.get("/notices")
@operation(blp, "listNotices", "volunteer", "platform_admin", "unit_admin")
@blp.response(200, NoticeList)
def list_notices():
    """A volunteer: the notices addressed to them, unread first; an admin: those the office
    (all) or their unit sent, with read counts."""
    user = api_user()
    if user.role == "volunteer":
        received = notices.for_volunteer(volunteers.volunteer_of(user))
        return {"items": [notice_json(r.notice, read=r.read) for r in received]}
    return {"items": [notice_json(s.notice, read_count=s.read_count) for s in notices.sent_by(user)]}
