"""API: check-in without signal — a phone's signing key, and the upload of its signed taps."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.auth_state import api_user
from app.services import offline_taps, tap_devices, volunteers
from app.web.api.common import Bool, Id, Instant, Moment, StrictSchema, Text, operation

blp = Blueprint("api_offline", __name__, description="Offline check-in: devices and signed taps")


class DeviceCreate(StrictSchema):
    public_key = Text(
        required=True,
        validate=validate.Length(min=1, max=400),
        metadata={"description": "ECDSA P-256 public key, SubjectPublicKeyInfo (DER), base64"},
    )
    label = Text(load_default="", validate=validate.Length(max=100))


class DeviceOut(StrictSchema):
    id = Id()
    label = Text()
    active = Bool(attribute="is_active")
    created_at = Instant()
    last_used_at = Instant(allow_none=True)


class DeviceList(StrictSchema):
    items = fields.List(fields.Nested(DeviceOut))


class TapIn(StrictSchema):
    device_id = Id(required=True)
    payload = Text(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={
            "description": 'the exact JSON text signed: {"id": idempotency key (8-64 of A-Z a-z 0-9 _ -), '
            '"code": the post QR\'s text, "tapped_at": device time (ISO 8601 with offset), '
            '"lat": number or null, "lng": number or null}'
        },
    )
    signature = Text(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "ECDSA P-256 / SHA-256 over the payload's UTF-8 bytes, base64 (raw r||s as WebCrypto "
            "gives it, or DER)"
        },
    )


class TapBatch(StrictSchema):
    sent_at = Moment(required=True, metadata={"description": "the device's clock when it sends the batch"})
    taps = fields.List(
        fields.Nested(TapIn), required=True, validate=validate.Length(max=offline_taps.MAX_BATCH)
    )


class TapRecord(StrictSchema):
    id = Id()
    post_id = Id(allow_none=True)
    post_name = Text(allow_none=True)
    started_at = Text()
    ended_at = Text(allow_none=True)
    hours = fields.Float()
    status = Text()


class TapError(StrictSchema):
    code = Text()
    message = Text()


class TapResultOut(StrictSchema):
    id = Text(allow_none=True, metadata={"description": "the tap's idempotency key (null when unreadable)"})
    status = Text(validate=validate.OneOf(["accepted", "refused"]))
    action = Text(allow_none=True, validate=validate.OneOf(["check_in", "check_out"]))
    replay = Bool(metadata={"description": "true: uploaded before; this is the first upload's result"})
    counted_at = Text(
        allow_none=True, metadata={"description": "the tap's time, corrected by the clock offset"}
    )
    flags = fields.List(
        Text(),
        metadata={
            "description": "offline; late_upload (after 72 h) and clock_skew "
            "(offset over 10 min) wait for review"
        },
    )
    record = fields.Nested(TapRecord, allow_none=True)
    error = fields.Nested(TapError, allow_none=True)


class TapResults(StrictSchema):
    results = fields.List(fields.Nested(TapResultOut))


@blp.post("/me/devices")
@operation(blp, "registerDevice", "volunteer")
@blp.arguments(DeviceCreate)
@blp.response(201, DeviceOut)
def register_device(body):
    me = volunteers.volunteer_of(api_user())
    return tap_devices.register_device(me, body["public_key"], label=body["label"], by=api_user())


@blp.get("/me/devices")
@operation(blp, "listDevices", "volunteer")
@blp.response(200, DeviceList)
def list_devices():
    return {"items": tap_devices.list_devices(volunteers.volunteer_of(api_user()))}


@blp.post("/me/devices/<int:device_id>/revoke")
@operation(blp, "revokeDevice", "volunteer")
@blp.response(200, DeviceOut)
def revoke_device(device_id: int):
    device = tap_devices.device_of(volunteers.volunteer_of(api_user()), device_id)
    return tap_devices.revoke_device(device, by=api_user())


@blp.post("/me/taps")
@operation(blp, "syncTaps", "volunteer")
@blp.arguments(TapBatch)
@blp.response(200, TapResults)
def sync_taps(body):
    """A batch of taps signed offline, in the order they were made → one result per tap."""
    taps = [offline_taps.TapIn(t["device_id"], t["payload"], t["signature"]) for t in body["taps"]]
    results = offline_taps.sync(volunteers.volunteer_of(api_user()), taps, sent_at=body["sent_at"])
    return {"results": [r.as_dict() for r in results]}
