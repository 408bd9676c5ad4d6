"""API: service posts, scans and the records ledger."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.auth_state import ADMINS, api_user
from app.hours import hours
from app.models import Post, ServiceRecord, Unit
from app.services import attendance, ledger, posters, posts, units, volunteers
from app.services.clock import iso
from app.services.errors import ValidationFailed, get_or_404
from app.web.api.common import Bool, Id, Int, Moment, OptionalText, StrictSchema, Text, operation
from app.web.forms import send_bytes

blp = Blueprint("api_attendance", __name__, description="Service posts, scans and records")


class PostCreate(StrictSchema):
    name = Text(required=True, validate=validate.Length(min=1, max=100))
    category_id = Id(load_default=None, allow_none=True, metadata={"description": "from listCategories"})
    station_id = Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "a practice station the unit is paired with"},
    )
    project_id = Id(
        load_default=None, allow_none=True, metadata={"description": "a project of the unit or its teams"}
    )
    address = OptionalText(200)
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lng = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    radius_m = Int(load_default=None, allow_none=True, validate=validate.Range(10, 100000))
    geofence_mode = Text(load_default="refuse", validate=validate.OneOf(["refuse", "flag"]))
    auto_approve = Bool(load_default=False)
    min_minutes = Int(load_default=10, validate=validate.Range(0, 600))
    max_hours = fields.Float(load_default=8, validate=validate.Range(min=1 / 60, max=24))


class ScanBody(StrictSchema):
    code = Text(required=True, validate=validate.Length(min=1, max=1000))
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lng = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))


class RecordCreate(StrictSchema):
    volunteer_id = Id(
        load_default=None, allow_none=True, metadata={"description": "a volunteer of this unit"}
    )
    volunteer_no = OptionalText(
        20, metadata={"description": "with name: a volunteer of another unit (pending)"}
    )
    name = OptionalText(50)
    started_at = Moment(required=True, default_timezone=None)
    ended_at = Moment(required=True, default_timezone=None)
    post_id = Id(load_default=None, allow_none=True)
    note = OptionalText(500)
    # service from before the volunteer registered is entered only when marked, with a note
    before_registration = Bool(load_default=False)


class RecordQuery(StrictSchema):
    status = Text(load_default=None, validate=validate.OneOf(["open", "pending", "approved", "rejected"]))
    volunteer_id = Id(load_default=None)
    page = Int(load_default=1, validate=validate.Range(min=1, max=100000))


class RejectBody(StrictSchema):
    reason = Text(required=True, validate=validate.Length(min=1, max=500))


class RecordOut(StrictSchema):
    id = Id()
    volunteer_id = Id()
    post_id = Id(allow_none=True)
    unit_id = Id()
    started_at = Text()
    ended_at = Text(allow_none=True)
    hours = fields.Float()
    status = Text()
    source = Text()
    flags = fields.List(Text())


class RecordPage(StrictSchema):
    items = fields.List(fields.Nested(RecordOut))
    total = Int()
    page = Int()


class ScanResult(StrictSchema):
    action = Text(validate=validate.OneOf(["check_in", "check_out"]))
    record = fields.Nested(RecordOut)


class PostResult(StrictSchema):
    id = Id()
    name = Text()
    category_id = Id(allow_none=True)
    scan_url = Text()


class RecordResult(StrictSchema):
    id = Id()
    hours = fields.Float()
    status = Text()


class RecordStatus(StrictSchema):
    id = Id()
    status = Text()


def record_json(record) -> dict:
    return {
        "id": record.id,
        "volunteer_id": record.volunteer_id,
        "post_id": record.post_id,
        "unit_id": record.unit_id,
        "started_at": iso(record.started_at),
        "ended_at": iso(record.ended_at),
        "hours": hours(record.seconds),
        "status": record.status,
        "source": record.source,
        "flags": record.flag_list,
    }


def _record(record_id: int):
    record = get_or_404(ServiceRecord, record_id)
    units.ensure_can_manage_unit(api_user(), record.unit_id)
    return record


@blp.post("/units/<int:unit_id>/posts")
@operation(blp, "createPost", *ADMINS)
@blp.arguments(PostCreate)
@blp.response(201, PostResult)
def create_post(body, unit_id: int):
    get_or_404(Unit, unit_id)
    units.ensure_can_manage_unit(api_user(), unit_id)
    max_hours = body.pop("max_hours")
    post = posts.create_post(
        unit_id, posts.PostInput(**body, max_minutes=round(max_hours * 60)), by=api_user()
    )
    return {
        "id": post.id,
        "name": post.name,
        "category_id": post.category_id,
        "scan_url": posts.scan_url(post),
    }


@blp.get("/posts/<int:post_id>/poster.png")
@operation(blp, "getPostPoster", *ADMINS)
@blp.response(200, content_type="image/png")
def get_post_poster(post_id: int):
    post = get_or_404(Post, post_id)
    units.ensure_can_manage_unit(api_user(), post.unit_id)
    return send_bytes(posters.poster_png(post), f"post-{post.id}-poster.png")


@blp.post("/scan")
@operation(blp, "scan", "volunteer")
@blp.arguments(ScanBody)
@blp.response(200, ScanResult)
def scan(body):
    volunteer = volunteers.volunteer_of(api_user())
    result = attendance.scan(volunteer, body["code"], lat=body["lat"], lng=body["lng"])
    return {"action": result.action, "record": record_json(result.record)}


@blp.post("/units/<int:unit_id>/records")
@operation(blp, "createRecord", *ADMINS)
@blp.arguments(RecordCreate)
@blp.response(201, RecordResult)
def create_record(body, unit_id: int):
    user = api_user()
    get_or_404(Unit, unit_id)
    units.ensure_can_manage_unit(user, unit_id)
    record = ledger.enter_manual_record(user, unit_id=unit_id, **_manual_entry(body))
    return {"id": record.id, "hours": hours(record.seconds), "status": record.status}


def _manual_entry(body: dict) -> dict:
    """createRecord's body as the ledger takes it; the volunteer is named by id, or by number and name."""
    if body["volunteer_id"] is None and not (body["volunteer_no"] and body["name"]):
        raise ValidationFailed(fields={"volunteer_id": [_("请提供志愿者ID，或志愿者编号和姓名")]})
    names = ("volunteer_id", "volunteer_no", "name", "post_id", "note", "before_registration")
    return {
        **{name: body[name] for name in names},
        "started_at": _aware(body["started_at"]),
        "ended_at": _aware(body["ended_at"]),
    }


def _aware(value):
    from app.services.clock import parse_local

    return parse_local(value)


@blp.get("/units/<int:unit_id>/records")
@operation(blp, "listRecords", *ADMINS)
@blp.arguments(RecordQuery, location="query")
@blp.response(200, RecordPage)
def list_records(query, unit_id: int):
    get_or_404(Unit, unit_id)
    units.ensure_can_manage_unit(api_user(), unit_id)
    page = ledger.search_records(
        unit_id=unit_id,
        status=query["status"],
        volunteer_id=ledger.volunteer_filter(api_user(), query["volunteer_id"]),
        page=query["page"],
    )
    return {"items": [record_json(r) for r in page.items], "total": page.total, "page": page.page}


@blp.post("/records/<int:record_id>/approve")
@operation(blp, "approveRecord", *ADMINS)
@blp.response(200, RecordStatus)
def approve_record(record_id: int):
    record = ledger.approve(_record(record_id), by=api_user())
    return {"id": record.id, "status": record.status}


@blp.post("/records/<int:record_id>/reject")
@operation(blp, "rejectRecord", *ADMINS)
@blp.arguments(RejectBody)
@blp.response(200, RecordStatus)
def reject_record(body, record_id: int):
    record = ledger.reject(_record(record_id), by=api_user(), reason=body["reason"])
    return {"id": record.id, "status": record.status}
