"""Signing in: a login checked against its password, failed logins throttled by the name typed
and listed for the platform admin, and the API token a login gives."""

from __future__ import annotations

import logging
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from app.extensions import db, execute_dml
from app.models import ApiToken, LoginFailure, User
from app.services import accounts, audit, login_sessions, tap_devices
from app.services.clock import now
from app.services.errors import DomainError, NotAuthenticated

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
        accounts.hash_password(password or "")  # same work whether or not the name exists
        _record_failure(name, None, ip, at)
        raise NotAuthenticated(_("用户名或密码错误"))
    if not accounts.check_password(user, password or "") or not user.active:
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


def create_token(username: str, password: str, *, ip: str | None = None) -> tuple[str, ApiToken]:
    user = authenticate(username, password, ip=ip)
    token = secrets.token_urlsafe(32)
    hours = current_app.config["API_TOKEN_LIFETIME_HOURS"]
    record = ApiToken(
        user_id=user.id,
        token_hash=login_sessions.token_digest(token),
        created_at=now(),
        expires_at=now() + timedelta(hours=hours),
    )
    db.session.add(record)
    db.session.flush()
    return token, record


@dataclass(frozen=True)
class SignedIn:
    user: User
    tap_device_id: int | None


def sign_in(
    username: str, password: str, *, ip: str | None, device_key: str | None, device_label: str
) -> SignedIn:
    """A portal login: checked like authenticate (a failure is recorded for the caller to
    commit), with the offline check-in key the volunteer's login page made registered with it."""
    user = authenticate(username, password, ip=ip)
    return SignedIn(user, tap_devices.register_at_login(user, device_key, label=device_label))
