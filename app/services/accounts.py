"""Accounts and passwords: creating a login, checking and changing its password, disabling it."""

from __future__ import annotations

import functools
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import ROLES_BY_NAME, Unit, User
from app.services import audit, login_sessions
from app.services.errors import Conflict, ValidationFailed

_DEFAULT_HASHER = PasswordHasher()
_hashers: dict[tuple[int, int], PasswordHasher] = {}


def _hasher_for_app() -> PasswordHasher:
    """Argon2id with the library's recommended cost, unless the config lowers it (tests)."""
    cost = current_app.config.get("PASSWORD_HASH_COST")
    if not cost:
        return _DEFAULT_HASHER
    if cost not in _hashers:
        _hashers[cost] = PasswordHasher(time_cost=cost[0], memory_cost=cost[1], parallelism=1)
    return _hashers[cost]


MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher_for_app().hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        _hasher_for_app().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher_for_app().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher_for_app().hash(password)
    return True


COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords (ASVS 2.1.7), lower-cased."""
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip() and not line.startswith("#"))


def is_common_password(password: str) -> bool:
    return (password or "").strip().lower() in common_passwords()


def validate_password(password: str) -> None:
    """A new password: at least MIN_PASSWORD_LENGTH characters and not a common one."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(fields={"password": [_("密码至少%(n)d位", n=MIN_PASSWORD_LENGTH)]})
    if len(password) > 128:
        raise ValidationFailed(fields={"password": [_("密码不能超过128位")]})
    if is_common_password(password):
        raise ValidationFailed(
            fields={
                "password": [
                    _(
                        "这个密码太常见，很容易被猜中，请换一个（不要用生日、连续或重复的数字、键盘上相邻的字母）"
                    )
                ]
            }
        )


def create_user(
    *,
    username: str,
    password: str,
    role: str,
    name: str,
    unit_id: int | None = None,
    merchant_id: int | None = None,
    by: User | None = None,
) -> User:
    """Create a login; a unit admin is bound to one existing unit."""
    username = (username or "").strip()
    fields: dict[str, list[str]] = {}
    if role not in ROLES_BY_NAME:
        fields["role"] = [_("未知角色")]
    if not 3 <= len(username) <= 64:
        fields["username"] = [_("用户名长度应为3到64个字符")]
    if not (name or "").strip() or len(name) > 50:
        fields["name"] = [_("请填写姓名（不超过50字）")]
    if role == "unit_admin" and (unit_id is None or db.session.get(Unit, unit_id) is None):
        fields["unit_id"] = [_("单位管理员必须属于一个已存在的成员单位")]
    if fields:
        raise ValidationFailed(fields=fields)
    validate_password(password)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(_("用户名已被使用"), fields={"username": [_("用户名已被使用")]})
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        name=name.strip(),
        unit_id=unit_id if role == "unit_admin" else None,
        merchant_id=merchant_id if role == "merchant" else None,
    )
    db.session.add(user)
    db.session.flush()
    audit.log("user.created", user, by=by, unit_id=user.unit_id, role=role, username=username)
    return user


def change_password(
    user: User,
    *,
    old_password: str,
    new_password: str,
    keep_session: str | None = None,
    keep_token: str | None = None,
    field: str = "password",
) -> User:
    """The user's own new password; the current one must be given (a borrowed phone or an
    unlocked desk is not enough). Other sessions and tokens end; the one in use stays.
    `field` names the new password's field in the caller's form or body."""
    if not check_password(user, old_password or ""):
        raise ValidationFailed(fields={"old_password": [_("当前密码不正确")]})
    try:
        validate_password(new_password)
    except ValidationFailed as exc:
        raise ValidationFailed(fields={field: exc.fields["password"]}) from None
    if new_password == old_password:
        raise ValidationFailed(fields={field: [_("新密码不能与当前密码相同")]})
    user.password_hash = hash_password(new_password)
    login_sessions.end_other_sessions(user, keep_session=keep_session, keep_token=keep_token)
    audit.log("user.password_changed", user, by=user, unit_id=user.unit_id)
    return user


def set_active(user: User, active: bool, *, by: User) -> User:
    """Disable or re-enable a login; disabling ends its sessions and tokens at once."""
    if user.id == by.id and not active:
        raise ValidationFailed(_("不能停用自己的账号"))
    user.active = active
    if not active:
        login_sessions.end_all_sessions(user)
    audit.log("user.enabled" if active else "user.disabled", user, by=by, unit_id=user.unit_id)
    return user


def reset_password(user: User, password: str, *, by: User) -> User:
    """Set a new password chosen by an admin; the old sessions and tokens stop working."""
    validate_password(password)
    user.password_hash = hash_password(password)
    login_sessions.end_all_sessions(user)
    audit.log("user.password_reset", user, by=by, unit_id=user.unit_id)
    return user
