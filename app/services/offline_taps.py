"""Check-in without signal: taps queued on the phone, signed there, uploaded later.

A volunteer's phone browser makes an ECDSA P-256 key (WebCrypto, the private half not
extractable) and registers its public half while online. A tap made offline (the post's
code, the device's time, the position if any) is signed with it and kept until the phone
is online again; then the queue is uploaded in order. The server takes a tap only when:

- its signature verifies against an active (not revoked) device of the uploading volunteer;
- the post's code was valid at the tap's time (a poster rotated after the tap still counts);
- the tap is not in the future.

Time: the device's clock is compared with the server's at upload (the offset), and the tap
is taken at its device time corrected by that offset. A tap uploaded more than 72 hours after
it was made, or from a clock more than 10 minutes off, is taken but flagged for review.
Each tap has an idempotency key (unique per device): a second upload answers with the first
one's result. The tap then checks in or out by the same ledger rules as an online scan (one
open session at a time, no overlapping records), so a tap that would overlap an online
session is refused with the reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, OfflineTap, Post, ServiceRecord, TapDevice, Volunteer
from app.services import attendance, ledger, qr, tap_devices
from app.services.clock import iso, now
from app.services.errors import (
    CodeExpired,
    CodeInvalid,
    Conflict,
    DomainError,
    PosterRotated,
    ValidationFailed,
)
from app.services.inputs import SANE_MAX_YEAR, SANE_MIN_YEAR, service_year_ok

LATE_UPLOAD = timedelta(hours=72)
MAX_CLOCK_OFFSET = timedelta(minutes=10)
# A tap a little after its own upload is clock jitter between the two readings, not the future.
FUTURE_TOLERANCE = timedelta(seconds=60)
KIOSK_ISSUE_TOLERANCE = timedelta(seconds=5)
MAX_BATCH = 100
TAP_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
OFFLINE = "offline"
LATE = "late_upload"
SKEW = "clock_skew"


@dataclass
class TapIn:
    """One tap as uploaded: the device, the exact text it signed (JSON), the signature."""

    device_id: int
    payload: str
    signature: str


@dataclass
class TapResult:
    key: str | None
    outcome: str  # 'accepted' or 'refused'
    action: str | None = None
    record: ServiceRecord | None = None
    flags: list[str] = field(default_factory=list)
    error_code: str | None = None
    message: str | None = None
    counted_at: datetime | None = None
    replay: bool = False

    def as_dict(self) -> dict:
        record = self.record
        return {
            "id": self.key,
            "status": self.outcome,
            "action": self.action,
            "replay": self.replay,
            "counted_at": iso(self.counted_at),
            "flags": self.flags,
            "record": None
            if record is None
            else {
                "id": record.id,
                "post_id": record.post_id,
                "post_name": record.post.name if record.post else None,
                "started_at": iso(record.started_at),
                "ended_at": iso(record.ended_at),
                "hours": round(record.seconds / 3600, 2),
                "status": record.status,
            },
            "error": None if self.error_code is None else {"code": self.error_code, "message": self.message},
        }


class TapRefused(DomainError):
    status = 422
    code = "tap_refused"


# ---- the post at the tap's time ------------------------------------------------------------


def rotated_at(post: Post, version: int) -> datetime | None:
    """When the post's code became `version` (from the audit trail of rotations)."""
    entries = db.session.execute(
        select(AuditEntry.at, AuditEntry.data)
        .where(
            AuditEntry.action == "post.code_rotated",
            AuditEntry.object_type == "Post",
            AuditEntry.object_id == post.id,
        )
        .order_by(AuditEntry.at)
    ).all()
    return next((at for at, data in entries if (data or {}).get("code_version") == version), None)


def post_at(code: str, at: datetime) -> Post:
    """The post a poster or kiosk code named at the moment `at`: a poster whose code was
    rotated after `at` still counts, a kiosk code counts within its lifetime around `at`."""
    token = qr.token_from_code(code, "post")
    try:
        data = qr.read_token("post", token)
        poster = True
    except CodeInvalid:
        data, issued = qr.read_token_issued("kiosk", token)
        poster = False
        lifetime = timedelta(seconds=current_app.config["KIOSK_CODE_SECONDS"])
        if not issued - KIOSK_ISSUE_TOLERANCE <= at <= issued + lifetime:
            raise CodeExpired() from None
    post = db.session.get(Post, data["p"]) if isinstance(data.get("p"), int) else None
    version = data.get("v")
    if post is None or not isinstance(version, int) or version > post.code_version:
        raise CodeInvalid()
    if version < post.code_version:
        retired = rotated_at(post, version + 1)
        if retired is None or retired <= at:
            raise PosterRotated() if poster else CodeInvalid(_("此二维码已停用，请扫描服务岗现场的新二维码"))
    if not post.is_active:
        raise CodeInvalid(_("该服务岗已停用"))
    return post


# ---- sync ----------------------------------------------------------------------------------


@dataclass
class _Tap:
    key: str
    code: str
    device_time: datetime
    lat: float | None
    lng: float | None


def _parse(payload: str) -> _Tap:
    bad = TapRefused(_("离线签到数据无效"))
    bad.code = "invalid_tap"
    try:
        data = json.loads(payload)
    except ValueError:
        raise bad from None
    if not isinstance(data, dict):
        raise bad
    key, code, when = data.get("id"), data.get("code"), data.get("tapped_at")
    if not (
        isinstance(key, str)
        and TAP_KEY.match(key)
        and isinstance(code, str)
        and 0 < len(code) <= 1000
        and isinstance(when, str)
        and len(when) <= 40
    ):
        raise bad
    try:
        device_time = datetime.fromisoformat(when)
    except ValueError:
        raise bad from None
    if device_time.tzinfo is None or not service_year_ok(device_time.year):
        raise bad
    lat, lng = data.get("lat"), data.get("lng")
    if not all(v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in (lat, lng)):
        raise bad
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        lat = lng = None
    return _Tap(key, code, device_time, lat, lng)


def _refused(key: str | None, code: str, message: str) -> TapResult:
    return TapResult(key=key, outcome="refused", error_code=code, message=message)


def _stored_result(tap: OfflineTap) -> TapResult:
    return TapResult(
        key=tap.tap_key,
        outcome=tap.outcome,
        action=tap.action,
        record=tap.record,
        flags=tap.flag_list,
        error_code=tap.error_code,
        message=tap.reason,
        counted_at=tap.counted_at,
        replay=True,
    )


def _scan_at(
    volunteer: Volunteer, post: Post, tap: _Tap, at: datetime, flags: list[str]
) -> attendance.ScanResult:
    """The one action of a post's QR at the tap's time, by the ledger's rules for a scan."""
    current = ledger.open_session(volunteer.id, lock=True)
    if current is None:
        return attendance.ScanResult(
            "check_in",
            attendance.check_in(volunteer, post, lat=tap.lat, lng=tap.lng, at=at, flags=flags),
            post,
        )
    if at < current.started_at:
        raise Conflict(
            _(
                "此次离线签到早于您进行中的签到（%(post)s），一次只能有一段服务",
                post=current.post.name if current.post else "-",
            )
        )
    if current.post_id != post.id:
        raise attendance.OpenElsewhere(current)
    if (at - current.started_at).total_seconds() < attendance.REPEAT_SCAN_SECONDS:
        return attendance.ScanResult("check_in", current, post)
    return attendance.ScanResult(
        "check_out", attendance.check_out(current, lat=tap.lat, lng=tap.lng, at=at, flags=flags), post
    )


def _take(
    volunteer: Volunteer,
    device: TapDevice,
    item: TapIn,
    tap: _Tap,
    *,
    offset: timedelta,
    received_at: datetime,
) -> TapResult:
    existing = db.session.scalar(
        select(OfflineTap).where(OfflineTap.device_id == device.id, OfflineTap.tap_key == tap.key)
    )
    if existing is not None:
        return _stored_result(existing)
    at = tap.device_time + offset
    if not service_year_ok(at.year):
        return _refused(tap.key, "invalid_tap", _("离线签到数据无效"))
    flags = [OFFLINE]
    if received_at - at > LATE_UPLOAD:
        flags.append(LATE)
    if abs(offset) > MAX_CLOCK_OFFSET:
        flags.append(SKEW)
    result = TapResult(key=tap.key, outcome="accepted", flags=flags, counted_at=at)
    post_id = None
    try:
        with db.session.begin_nested():
            if at > received_at + FUTURE_TOLERANCE:
                future = TapRefused(_("签到时间晚于上传时间，不能接受"))
                future.code = "in_future"
                raise future
            post = post_at(tap.code, at)
            post_id = post.id
            scanned = _scan_at(volunteer, post, tap, at, flags)
            result.action, result.record = scanned.action, scanned.record
    except DomainError as exc:
        result = TapResult(
            key=tap.key,
            outcome="refused",
            flags=flags,
            error_code=exc.code,
            message=exc.message,
            counted_at=at,
        )
    db.session.add(
        OfflineTap(
            device_id=device.id,
            tap_key=tap.key,
            volunteer_id=volunteer.id,
            post_id=post_id,
            device_time=tap.device_time,
            counted_at=at,
            received_at=received_at,
            clock_offset_seconds=round(offset.total_seconds()),
            lat=tap.lat,
            lng=tap.lng,
            flags=",".join(flags),
            outcome=result.outcome,
            action=result.action,
            record_id=result.record.id if result.record else None,
            error_code=result.error_code,
            reason=(result.message or "")[:300] or None,
            payload=item.payload,
            signature=item.signature,
        )
    )
    db.session.flush()
    return result


def sync(
    volunteer: Volunteer, taps: list[TapIn], *, sent_at: datetime, received_at: datetime | None = None
) -> list[TapResult]:
    """Take a batch of signed taps, in the order they were made; one result per tap, in the
    order given. `sent_at` is the device's clock when it sent the batch."""
    if len(taps) > MAX_BATCH:
        raise ValidationFailed(fields={"taps": [_("一次最多上传 %(n)d 条", n=MAX_BATCH)]})
    if sent_at.tzinfo is None or not SANE_MIN_YEAR <= sent_at.year <= SANE_MAX_YEAR:
        raise ValidationFailed(fields={"sent_at": [_("上传时间无效")]})
    received_at = received_at or now()
    offset = timedelta(seconds=round((received_at - sent_at).total_seconds()))
    ledger.lock_volunteer(volunteer.id)
    results: list[TapResult | None] = [None] * len(taps)
    ready: list[tuple[int, TapDevice, _Tap]] = []
    for index, item in enumerate(taps):
        device = db.session.get(TapDevice, item.device_id)
        if device is None or device.volunteer_id != volunteer.id:
            results[index] = _refused(None, "unknown_device", _("未登记的设备，请联网后重新打开志愿星"))
        elif not device.is_active:
            results[index] = _refused(None, "device_revoked", _("该设备已停用，离线签到不被接受"))
        elif (
            len(item.payload) > 2000
            or len(item.signature) > 200
            or not tap_devices.verify(device, item.payload, item.signature)
        ):
            results[index] = _refused(None, "bad_signature", _("签名无效，离线签到不被接受"))
        else:
            try:
                ready.append((index, device, _parse(item.payload)))
            except TapRefused as exc:
                results[index] = _refused(None, exc.code, exc.message)
    # in the order the taps were made: a check-in before its check-out
    for index, device, tap in sorted(ready, key=lambda r: (r[2].device_time, r[0])):
        results[index] = _take(volunteer, device, taps[index], tap, offset=offset, received_at=received_at)
        device.last_used_at = received_at
    db.session.flush()
    return [r for r in results if r is not None]


def taps_of_record(record_id: int) -> list[OfflineTap]:
    """The offline taps that made or closed a record (its device times), oldest first."""
    return list(
        db.session.scalars(
            select(OfflineTap)
            .where(OfflineTap.record_id == record_id)
            .order_by(OfflineTap.counted_at, OfflineTap.id)
        )
    )
