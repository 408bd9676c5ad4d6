"""First login of a volunteer registered from a unit's roster: the account has no password
until its owner proves the phone with a texted code and chooses one.

The code is not stored: it is an HMAC of the account, its (pending) password hash and a
ten-minute window, so it stops working once the account is activated or the window passes.
Answers never tell whether a phone has an account waiting."""

from __future__ import annotations

import hashlib
import hmac
import time

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.services import accounts, audit, identity, sms
from app.services.errors import ValidationFailed

PENDING = "!activation-pending"  # not a hash any password verifies against
WINDOW_SECONDS = 600


def is_pending(user: User) -> bool:
    return user.password_hash == PENDING


def _code(user: User, window: int) -> str:
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"activation", hashlib.sha256).digest()
    digest = hmac.new(key, f"{user.id}:{user.password_hash}:{window}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def _pending_user(phone: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == phone, User.role == "volunteer"))
    return user if user is not None and is_pending(user) else None


def send_code(raw_phone: str, *, at: float | None = None) -> None:
    """Text the activation code when this phone has an account waiting; say nothing either way."""
    try:
        phone = identity.normalize_phone(raw_phone)
    except ValueError as exc:
        raise ValidationFailed(fields={"phone": [str(exc)]}) from None
    user = _pending_user(phone)
    if user is not None:
        window = int((at or time.time()) // WINDOW_SECONDS)
        sms.send(phone, _("【志愿星】您的账号激活验证码：%(c)s，10分钟内有效。", c=_code(user, window)))


def activate(raw_phone: str, code: str, password: str, *, at: float | None = None) -> User:
    """Set the first password of a waiting account whose phone got the code."""
    wrong = ValidationFailed(fields={"code": [_("验证码不正确或已过期")]})
    try:
        phone = identity.normalize_phone(raw_phone)
    except ValueError as exc:
        raise ValidationFailed(fields={"phone": [str(exc)]}) from None
    accounts.validate_password(password)
    user = _pending_user(phone)
    if user is None:
        raise wrong
    window = int((at or time.time()) // WINDOW_SECONDS)
    if not any(hmac.compare_digest(_code(user, w), (code or "").strip()) for w in (window, window - 1)):
        raise wrong
    user.password_hash = accounts.hash_password(password)
    audit.log("volunteer.activated", user, by=user)
    return user
