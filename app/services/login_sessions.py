"""Portal login sessions (server-side, with idle and absolute lifetimes) and API tokens: checked
on each request, ended one by one or all at once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import ApiToken, LoginSession, Merchant, User
from app.services import audit
from app.services.clock import now


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
        tokens = tokens.where(ApiToken.token_hash != token_digest(keep_token))
    db.session.execute(tokens.values(revoked_at=at))


def sign_out_everywhere(user: User) -> None:
    """The user ends every portal session and every API token of theirs at once."""
    end_all_sessions(user)
    audit.log("user.signed_out_everywhere", user, by=user, unit_id=user.unit_id)


def revoke_token(token: str) -> None:
    """The bearer token stops working at once."""
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )


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


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_token(token: str) -> User | None:
    """The live token's active user, in one statement: the token, its user, and the user's
    volunteer or merchant (what every API operation reads next) come back in one row."""
    row = db.session.execute(
        select(User, ApiToken.revoked_at, ApiToken.expires_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_digest(token))
        .options(joinedload(User.volunteer), joinedload(User.merchant).defer(Merchant.logo))
    ).first()
    if row is None:
        return None
    user, revoked_at, expires_at = row
    if revoked_at is not None or expires_at <= now() or not user.active:
        return None
    return user
