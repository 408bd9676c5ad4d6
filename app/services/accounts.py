"""Accounts, passwords, portal login sessions and API tokens."""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import secrets
from datetime import timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from app.extensions import db, execute_dml
from app.models import ROLES_BY_NAME, ApiToken, LoginFailure, LoginSession, Unit, User
from app.services import audit
from app.services.clock import now
from app.services.errors import Conflict, DomainError, NotAuthenticated, ValidationFailed

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


# Failed logins are throttled by the name typed, with a growing delay instead of a lock:
# after FREE_FAILURES failures, each further try must wait 2^k seconds after the last
# failure (k = failures beyond the free ones, at most MAX_DELAY). A try during the delay is
# refused without checking the password, so guessing gains nothing, and it is not counted,
# so nobody can keep the owner out for longer than MAX_DELAY. Unknown names are throttled
# and answered exactly like known ones: the answers do not tell which accounts exist.
FREE_FAILURES = 5
MAX_DELAY = timedelta(minutes=5)
FAILURE_WINDOW = timedelta(hours=1)
log = logging.getLogger(__name__)


class LoginThrottled(DomainError):
    status = 429
    code = "rate_limited"
    default_message = _l("尝试次数过多，请稍后再试")

    def __init__(self, seconds: int):
        super().__init__(_("登录尝试次数过多，请%(n)d秒后再试", n=seconds))
        self.retry_after = seconds


def _login_name(username: str | None) -> str:
    return (username or "").strip()[:64]


def _failures_since(name: str, since) -> list:
    return list(
        db.session.scalars(
            select(LoginFailure.at)
            .where(LoginFailure.username == name, LoginFailure.at > since)
            .order_by(LoginFailure.at.desc())
        )
    )


def login_delay(username: str, at=None) -> int:
    """Seconds this name must still wait before its next try (0: it may try now)."""
    at = at or now()
    name = _login_name(username)
    since = at - FAILURE_WINDOW
    last_success = db.session.scalar(select(User.last_login_at).where(User.username == name))
    if last_success is not None and last_success > since:
        since = last_success
    failures = _failures_since(name, since)
    if len(failures) < FREE_FAILURES:
        return 0
    delay = min(timedelta(seconds=2 ** min(len(failures) - FREE_FAILURES, 20)), MAX_DELAY)
    remaining = (failures[0] + delay - at).total_seconds()
    return max(0, math.ceil(remaining))


def _record_failure(name: str, user: User | None, ip: str | None, at) -> None:
    count = len(_failures_since(name, at - FAILURE_WINDOW)) + 1
    db.session.add(LoginFailure(username=name, ip=(ip or "")[:45] or None, at=at))
    if user is not None:
        audit.log("login.failed", user, unit_id=user.unit_id)
    if count >= FREE_FAILURES:
        log.warning(
            "repeated login failures: %d in the last hour for name %r, latest from %s",
            count,
            name,
            ip or "unknown address",
        )


def authenticate(username: str, password: str, *, ip: str | None = None) -> User:
    """Check a login. Failures are recorded by name and throttled (see FREE_FAILURES); the
    caller commits them even though the login failed."""
    at = now()
    name = _login_name(username)
    wait = login_delay(name, at)
    if wait:
        raise LoginThrottled(wait)
    user = db.session.scalar(select(User).where(User.username == name)) if name else None
    if user is None:
        _hasher_for_app().hash(password or "")  # same work whether or not the name exists
        _record_failure(name, None, ip, at)
        raise NotAuthenticated(_("用户名或密码错误"))
    if not check_password(user, password or "") or not user.active:
        _record_failure(name, user, ip, at)
        raise NotAuthenticated(_("用户名或密码错误"))
    user.last_login_at = at
    return user


KEEP_LOGIN_FAILURES = timedelta(days=30)


def prune_login_failures(at) -> int:
    """Forget failed logins older than KEEP_LOGIN_FAILURES (scheduler job); how many went."""
    return execute_dml(
        delete(LoginFailure)
        .where(LoginFailure.at < at - KEEP_LOGIN_FAILURES)
        .execution_options(synchronize_session=False)
    ).rowcount


def repeated_failures(hours: int = 24, at_least: int = FREE_FAILURES) -> dict[str, list[dict]]:
    """Names and addresses with at least `at_least` failed logins in the last `hours`, most first
    (the platform admin's security list)."""
    since = now() - timedelta(hours=hours)
    result = {}
    for key, column in (("names", LoginFailure.username), ("ips", LoginFailure.ip)):
        rows = db.session.execute(
            select(column, func.count(LoginFailure.id), func.max(LoginFailure.at))
            .where(LoginFailure.at > since, column.is_not(None))
            .group_by(column)
            .having(func.count(LoginFailure.id) >= at_least)
            .order_by(func.count(LoginFailure.id).desc(), column)
            .limit(50)
        )
        result[key] = [{"value": value, "failures": count, "last_at": last} for value, count, last in rows]
    known = (
        set(
            db.session.scalars(
                select(User.username).where(User.username.in_([r["value"] for r in result["names"]]))
            )
        )
        if result["names"]
        else set()
    )
    for row in result["names"]:
        row["exists"] = row["value"] in known
    return result


def end_all_sessions(user: User) -> None:
    """Log the user out everywhere: portal sessions end, API tokens are revoked."""
    at = now()
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=at)
    )
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )


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
    end_other_sessions(user, keep_session=keep_session, keep_token=keep_token)
    audit.log("user.password_changed", user, by=user, unit_id=user.unit_id)
    return user


def revoke_token(token: str) -> None:
    """The bearer token stops working at once."""
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == _token_digest(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )


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
    return (
        timedelta(minutes=config["PORTAL_SESSION_IDLE_MINUTES"]),
        timedelta(hours=config["PORTAL_SESSION_ABSOLUTE_HOURS"]),
    )


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
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.id == session_id, LoginSession.ended_at.is_(None))
            .values(ended_at=now())
        )


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(username: str, password: str, *, ip: str | None = None) -> tuple[str, ApiToken]:
    user = authenticate(username, password, ip=ip)
    token = secrets.token_urlsafe(32)
    hours = current_app.config["API_TOKEN_LIFETIME_HOURS"]
    record = ApiToken(
        user_id=user.id,
        token_hash=_token_digest(token),
        created_at=now(),
        expires_at=now() + timedelta(hours=hours),
    )
    db.session.add(record)
    db.session.flush()
    return token, record


def user_for_token(token: str) -> User | None:
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if record is None or record.revoked_at is not None or record.expires_at <= now():
        return None
    user = record.user
    return user if user.active else None
