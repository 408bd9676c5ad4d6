"""Accounts, passwords, portal login sessions and API tokens."""
from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import ROLES_BY_NAME, ApiToken, AuditEntry, LoginSession, Unit, User
from app.services import audit
from app.services.clock import now
from app.services.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed

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
        raise ValidationFailed(fields={"password": [
            _("这个密码太常见，很容易被猜中，请换一个（不要用生日、连续或重复的数字、键盘上相邻的字母）")]})


def create_user(*, username: str, password: str, role: str, name: str,
                unit_id: int | None = None, merchant_id: int | None = None,
                by: User | None = None) -> User:
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
    user = User(username=username, password_hash=hash_password(password), role=role,
                name=name.strip(), unit_id=unit_id if role == "unit_admin" else None,
                merchant_id=merchant_id if role == "merchant" else None)
    db.session.add(user)
    db.session.flush()
    audit.log("user.created", user, by=by, unit_id=user.unit_id, role=role, username=username)
    return user


LOCKOUT_FAILURES = 10
LOCKOUT_WINDOW = timedelta(minutes=15)


def recent_failures(user: User) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.object_type == "User", AuditEntry.object_id == user.id,
        AuditEntry.action == "login.failed", AuditEntry.at > now() - LOCKOUT_WINDOW))


def authenticate(username: str, password: str) -> User:
    """Check a login. After LOCKOUT_FAILURES wrong passwords in LOCKOUT_WINDOW the account
    refuses logins until the window has passed; failures are audited (the caller commits
    them even though the login failed)."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        _hasher_for_app().hash(password or "")  # same work whether or not the name exists
        raise NotAuthenticated(_("用户名或密码错误"))
    if recent_failures(user) >= LOCKOUT_FAILURES:
        raise NotAuthenticated(_("密码错误次数过多，账号已暂时锁定，请15分钟后再试"))
    if not check_password(user, password or "") or not user.active:
        audit.log("login.failed", user, unit_id=user.unit_id)
        raise NotAuthenticated(_("用户名或密码错误"))
    user.last_login_at = now()
    return user


def end_all_sessions(user: User) -> None:
    """Log the user out everywhere: portal sessions end, API tokens are revoked."""
    at = now()
    db.session.execute(update(LoginSession).where(LoginSession.user_id == user.id,
                                                  LoginSession.ended_at.is_(None)).values(ended_at=at))
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                              ApiToken.revoked_at.is_(None)).values(revoked_at=at))


def set_active(user: User, active: bool, *, by: User) -> User:
    """Disable or re-enable a login; disabling ends its sessions and tokens at once."""
    if user.id == by.id and not active:
        raise ValidationFailed(_("不能停用自己的账号"))
    user.active = active
    if not active:
        end_all_sessions(user)
    audit.log("user.enabled" if active else "user.disabled", user, by=by, unit_id=user.unit_id)
    return user


def reset_password(user: User, password: str, *, by: User) -> User:
    """Set a new password chosen by an admin; the old sessions and tokens stop working."""
    validate_password(password)
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    audit.log("user.password_reset", user, by=by, unit_id=user.unit_id)
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("账号不存在"))
    return user


def start_login_session(user: User) -> LoginSession:
    """A fresh server-side session id for each login (no fixation, real logout)."""
    login = LoginSession(id=secrets.token_urlsafe(32), user_id=user.id, created_at=now())
    db.session.add(login)
    return login


def login_session_valid(session_id: str | None, user_id: int) -> bool:
    if not session_id:
        return False
    login = db.session.get(LoginSession, session_id)
    return login is not None and login.user_id == user_id and login.ended_at is None


def end_login_session(session_id: str | None) -> None:
    if session_id:
        db.session.execute(update(LoginSession).where(LoginSession.id == session_id,
                                                      LoginSession.ended_at.is_(None))
                           .values(ended_at=now()))


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(username: str, password: str) -> tuple[str, ApiToken]:
    user = authenticate(username, password)
    token = secrets.token_urlsafe(32)
    hours = current_app.config["API_TOKEN_LIFETIME_HOURS"]
    record = ApiToken(user_id=user.id, token_hash=_token_digest(token), created_at=now(),
                      expires_at=now() + timedelta(hours=hours))
    db.session.add(record)
    db.session.flush()
    return token, record


def user_for_token(token: str) -> User | None:
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if record is None or record.revoked_at is not None or record.expires_at <= now():
        return None
    user = record.user
    return user if user.active else None
