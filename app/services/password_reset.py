"""忘记密码 for volunteers. With an SMS gateway the volunteer resets it alone: a six-digit code
texted to the account's phone, then a new password. Without one, the volunteer's unit admin
resets it after checking the identity document face to face (重新绑定账号).

The code is derived, not stored: a keyed hash of the account, its current password hash and a
ten-minute window. It ends when the window passes or the password changes (so it works once).
Answers never tell whether a phone is registered; both doors are rate-limited per address and
per phone (app.rate_limits)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.services import accounts, audit, identity, login_sessions, sms
from app.services.clock import now
from app.services.errors import ValidationFailed

WINDOW_SECONDS = 600


def by_sms() -> bool:
    """Whether volunteers reset by a texted code (a gateway delivers texts); otherwise their
    unit admin does it. RESET_BY_SMS=1 offers it with the log sender too (development)."""
    return sms.is_configured() or bool(current_app.config.get("RESET_BY_SMS"))


def _volunteer_login(phone: str) -> User | None:
    return db.session.scalar(
        select(User).where(User.username == phone, User.role == "volunteer", User.active.is_(True))
    )


def _unit_of(user: User) -> int | None:
    return user.volunteer.unit_id if user.volunteer else user.unit_id


def _code(user: User, window: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"password-reset:{user.id}:{user.password_hash}:{window}".encode()
    number = int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:8], "big")
    return f"{number % 1_000_000:06d}"


def _window(at: datetime) -> int:
    return int(at.timestamp()) // WINDOW_SECONDS


def send_code(phone: str, *, at: datetime | None = None) -> None:
    """Text a reset code to the phone when it is a volunteer's login; an unknown phone gets
    the same answer and no text."""
    try:
        phone = identity.normalize_phone(phone)
    except ValueError as exc:
        raise ValidationFailed(fields={"phone": [str(exc)]}) from None
    user = _volunteer_login(phone)
    if user is None:
        return
    sms.send(
        phone,
        _(
            "【志愿星】您的重置密码验证码是 %(code)s，10分钟内有效。如非本人操作，请忽略本短信。",
            code=_code(user, _window(at or now())),
        ),
    )
    audit.log("user.password_reset_code_sent", user, by=None, unit_id=_unit_of(user))


def reset_with_code(phone: str, code: str, new_password: str, *, at: datetime | None = None) -> User:
    """Set a new password with a texted code; every session and token of the account ends."""
    refused = ValidationFailed(fields={"code": [_("验证码不正确或已过期，请重新获取")]})
    try:
        phone = identity.normalize_phone(phone)
    except ValueError:
        raise refused from None
    user = _volunteer_login(phone)
    window = _window(at or now())
    typed = (code or "").strip()
    if user is None or not any(hmac.compare_digest(_code(user, w), typed) for w in (window, window - 1)):
        accounts.hash_password(new_password or "x")  # the same work as a good code: timing tells nothing
        raise refused
    accounts.validate_password(new_password)
    user.password_hash = accounts.hash_password(new_password)
    login_sessions.end_all_sessions(user)
    audit.log("user.password_reset_by_sms", user, by=user, unit_id=_unit_of(user))
    return user
