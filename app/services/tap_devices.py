"""The phones a volunteer checks in offline with: each holds an ECDSA P-256 key (WebCrypto, the
private half not extractable) whose public half is registered here while online; a revoked
device's taps are refused, including those it queued before (app.services.offline_taps)."""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.models import TapDevice, User, Volunteer
from app.services import audit, ledger
from app.services.clock import now
from app.services.errors import Conflict, DomainError, ValidationFailed, get_or_404

MAX_ACTIVE_DEVICES = 10


def load_public_key(public_key: str) -> ec.EllipticCurvePublicKey:
    try:
        key = serialization.load_der_public_key(base64.b64decode(public_key, validate=True))
    except (ValueError, TypeError, binascii.Error):
        key = None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValidationFailed(fields={"public_key": [_("应为 ECDSA P-256 公钥（SPKI，Base64）")]})
    return key


def register_device(
    volunteer: Volunteer, public_key: str, *, label: str = "", by: User | None = None
) -> TapDevice:
    """Register a phone's public key to the volunteer (the same key again returns its device)."""
    public_key = (public_key or "").strip()
    if len(public_key) > 400:
        raise ValidationFailed(fields={"public_key": [_("应为 ECDSA P-256 公钥（SPKI，Base64）")]})
    load_public_key(public_key)
    ledger.lock_volunteer(volunteer.id)
    existing = db.session.scalar(
        select(TapDevice).where(TapDevice.volunteer_id == volunteer.id, TapDevice.public_key == public_key)
    )
    if existing is not None:
        if not existing.is_active:
            raise Conflict(_("该设备密钥已停用，请重新生成"))
        return existing
    active = db.session.scalar(
        select(func.count())
        .select_from(TapDevice)
        .where(TapDevice.volunteer_id == volunteer.id, TapDevice.revoked_at.is_(None))
    )
    if (active or 0) >= MAX_ACTIVE_DEVICES:
        raise Conflict(
            _("离线签到设备已达 %(n)d 台，请先在“离线签到设备”中停用不用的设备", n=MAX_ACTIVE_DEVICES)
        )
    device = TapDevice(volunteer_id=volunteer.id, public_key=public_key, label=(label or "")[:100])
    db.session.add(device)
    db.session.flush()
    audit.log("device.registered", device, by=by or volunteer.user, unit_id=volunteer.unit_id)
    return device


def register_at_login(user: User, public_key: str | None, *, label: str = "") -> int | None:
    """The key a volunteer's phone made on the login page, registered with the login (so no
    request of its own is needed); None when there is none, or it is refused (the phone
    then makes a new one on its next page)."""
    if not public_key or user.role != "volunteer" or user.volunteer is None:
        return None
    try:
        with db.session.begin_nested():
            return register_device(user.volunteer, public_key, label=label, by=user).id
    except DomainError:
        return None


def device_of(volunteer: Volunteer, device_id: int) -> TapDevice:
    """One of the volunteer's devices; another's answers like a missing one."""
    return get_or_404(TapDevice, device_id, _("设备不存在"), volunteer_id=volunteer.id)


def list_devices(volunteer: Volunteer) -> list[TapDevice]:
    return list(
        db.session.scalars(
            select(TapDevice)
            .where(TapDevice.volunteer_id == volunteer.id)
            .order_by(TapDevice.revoked_at.is_not(None), TapDevice.id.desc())
        )
    )


def revoke_device(device: TapDevice, *, by: User | None) -> TapDevice:
    """From now on the device's taps are refused, including those it queued before."""
    if device.revoked_at is None:
        device.revoked_at = now()
        db.session.flush()
        audit.log("device.revoked", device, by=by, unit_id=device.volunteer.unit_id)
    return device


def revoke_all(volunteer: Volunteer, *, by: User | None) -> int:
    """Revoke every device of the volunteer (a lost phone: the account is re-bound)."""
    devices = [d for d in list_devices(volunteer) if d.is_active]
    for device in devices:
        revoke_device(device, by=by)
    return len(devices)


def verify(device: TapDevice, payload: str, signature: str) -> bool:
    """ECDSA P-256 with SHA-256 over the payload's UTF-8 bytes. WebCrypto gives the raw
    64-byte r||s form; a DER signature (other clients) is taken too."""
    try:
        raw = base64.b64decode(signature, validate=True)
    except (ValueError, binascii.Error):
        return False
    if len(raw) == 64:
        raw = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        load_public_key(device.public_key).verify(raw, payload.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True
