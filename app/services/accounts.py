"""Accounts, passwords, portal login sessions and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

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


def validate_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(fields={"password": [_("密码至少%(n)d位", n=MIN_PASSWORD_LENGTH)]})
    if len(password) > 128:
        raise ValidationFailed(fields={"password": [_("密码不能超过128位")]})


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


def end_other_sessions(user: User, *, keep_session: str | None = None, keep_token: str | None = None) -> None:
    """Every portal session and API token of the user ends, except the one in use."""
    at = now()
    sessions = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    if keep_session:
        sessions = sessions.where(LoginSession.id != keep_session)
    db.session.execute(sessions.values(ended_at=at))
    tokens = update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if keep_token:
        tokens = tokens.where(ApiToken.token_hash != _token_digest(keep_token))
    db.session.execute(tokens.values(revoked_at=at))


def sign_out_everywhere(user: User) -> None:
    """The user ends every portal session and every API token of theirs at once."""
    end_all_sessions(user)
    audit.log("user.signed_out_everywhere", user, by=user, unit_id=user.unit_id)


def change_password(user: User, *, old_password: str, new_password: str,
                    keep_session: str | None = None, keep_token: str | None = None,
                    field: str = "password") -> User:
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
    end_other_sessions(user, keep_session=keep_session, keep_token=keep_token)
    audit.log("user.password_changed", user, by=user, unit_id=user.unit_id)
    return user


def revoke_token(token: str) -> None:
    """The bearer token stops working at once."""
    db.session.execute(update(ApiToken).where(ApiToken.token_hash == _token_digest(token),
                                              ApiToken.revoked_at.is_(None)).values(revoked_at=now()))


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
    login = LoginSession(id=secrets.token_urlsafe(32), user_id=user.id, created_at=now(), last_seen_at=now())
    db.session.add(login)
    return login


TOUCH_EVERY = timedelta(seconds=60)


def session_limits(user: User) -> tuple[timedelta | None, timedelta]:
    """(idle, absolute) lifetime of a portal session: admins and merchants sit at shared office
    or shop machines (30 minutes idle, 12 hours in all); a volunteer's own phone may stay
    signed in, up to 30 days, so that scanning a poster needs no password each time."""
    config = current_app.config
    if user.role == "volunteer":
        return None, timedelta(days=config["VOLUNTEER_SESSION_DAYS"])
    return (timedelta(minutes=config["PORTAL_SESSION_IDLE_MINUTES"]),
            timedelta(hours=config["PORTAL_SESSION_ABSOLUTE_HOURS"]))


def login_session_valid(session_id: str | None, user: User) -> bool:
    """The server-side session is still live: not ended (logout, sign out everywhere, a new
    password, a disabled account), not idle too long, not too old. Use is noted at most once
    a minute, so that reading pages does not write on every request."""
    if not session_id:
        return False
    login = db.session.get(LoginSession, session_id)
    if login is None or login.user_id != user.id or login.ended_at is not None:
        return False
    at = now()
    idle, absolute = session_limits(user)
    last = login.last_seen_at or login.created_at
    if at - login.created_at > absolute or (idle is not None and at - last > idle):
        return False
    if at - last > TOUCH_EVERY:
        db.session.execute(update(LoginSession).where(LoginSession.id == login.id).values(last_seen_at=at))
        db.session.commit()
    return True


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
