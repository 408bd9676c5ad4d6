"""Who is asking: portal users through Flask-Login with a server-side login session,
API callers through bearer tokens (never through the cookie, so the API needs no CSRF)."""

from __future__ import annotations

from functools import wraps

from flask import Flask, current_app, g, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from app.extensions import db, login_manager
from app.models import User
from app.services import login_sessions
from app.services.errors import Forbidden, NotAuthenticated


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"

    @app.before_request
    def _load_portal_user_first():
        # Check (and note the use of) the portal session before the view does any work, so
        # that the check's small commit never carries a half-done change of the view.
        if request.endpoint != "static" and not request.path.startswith("/api/"):
            current_user._get_current_object()


@login_manager.user_loader
def _load_user(user_id: str):
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not login_sessions.login_session_valid(session.get("login_session"), user):
        return None
    return user


def portal_login(user: User) -> None:
    """Start a new session: drop whatever the old cookie carried, record a new login."""
    lang = session.get("lang")
    session.clear()
    login = login_sessions.start_login_session(user)
    db.session.commit()
    session["login_session"] = login.id
    if lang:
        session["lang"] = lang
    # A volunteer's phone keeps the cookie (up to VOLUNTEER_SESSION_DAYS, checked on the
    # server too); portal staff get a browser-session cookie. Flask-Login's remember cookie
    # is not used: it would outlive the server-side session.
    session.permanent = user.role == "volunteer"
    login_user(user, remember=False)


def portal_logout() -> None:
    login_sessions.end_login_session(session.get("login_session"))
    db.session.commit()
    logout_user()
    session.clear()


# The roles that look after a unit's data: the office (every unit) and the unit's own admins.
ADMINS = ("platform_admin", "unit_admin")


def role_required(*roles: str):
    """Portal pages: log in first, then the role must be one of roles."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and current_user.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)

        return wrapped

    return decorator


def bearer_token() -> str:
    """The token text of this API request's Authorization header."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated()
    return token.strip()


def api_user() -> User:
    """The bearer-token user of this API request."""
    user = getattr(g, "api_user", None)
    if user is not None:
        return user
    user = login_sessions.user_for_token(bearer_token())
    if user is None:
        raise NotAuthenticated(_l("令牌无效或已过期"))
    g.api_user = user
    return user


def token_required(*roles: str):
    """API operations: a valid bearer token whose user has one of roles."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = api_user()
            if roles and user.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)

        return wrapped

    return decorator


HOME_BY_ROLE = {
    "platform_admin": "admin.dashboard",
    "unit_admin": "admin.dashboard",
    "merchant": "merchant.scan",
    "volunteer": "volunteer.home",
}


def home_url() -> str:
    """Where the signed-in user lands: their role's home page (the landing page otherwise)."""
    endpoint = HOME_BY_ROLE.get(current_user.role) if current_user.is_authenticated else None
    if endpoint and endpoint in current_app.view_functions:
        return url_for(endpoint)
    return url_for("main.index")
