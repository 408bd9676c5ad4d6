"""Rate limits (Flask-Limiter) on the doors that guess or probe: login, registration, the
merchant counter's codes, the public certificate check and password resets. Each door is
limited per client address and per account; doors that do the same thing (the login page and
createToken) share their counters. Limits come from config RATE_LIMITS (see DEFAULT_LIMITS);
counters live in RATELIMIT_STORAGE_URI (memory:// for one process, Redis in production)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import Flask, current_app, request
from flask_login import current_user

from app.extensions import limiter

DEFAULT_LIMITS = {
    "login_per_ip": "30/minute;300/hour",
    "login_per_account": "10/minute;60/hour",
    "register_per_ip": "20/minute;200/day",
    "register_per_account": "5/hour",
    "code_per_ip": "60/minute;1000/hour",
    "code_per_account": "60/minute;1000/hour",
    "certificate_check_per_ip": "30/minute;500/day",
    "password_reset_per_ip": "20/minute;100/hour",
    "password_reset_per_account": "10/minute;50/hour",
    "need_per_ip": "5/minute;30/day",
    "need_per_phone": "3/hour;5/day",
    "need_code_per_ip": "20/minute;200/day",
    # 忘记密码: texts cost money and a six-digit code must not be guessed
    "password_forgot_per_ip": "10/minute;100/hour",
    "password_forgot_per_account": "5/10 minutes;20/day",
    # 随手拍: a supervisor's reports, per address and per account (the phone's login)
    "report_per_ip": "20/minute;300/day",
    "report_per_account": "5/minute;30/day",
    # 公示: objections (with a contact) and residents' votes (a texted code per phone)
    "objection_per_ip": "5/minute;30/day",
    "objection_per_contact": "3/hour;5/day",
    "vote_code_per_ip": "10/minute;100/day",
    "vote_code_per_phone": "3/10 minutes;10/day",
    "vote_per_ip": "20/minute;300/day",
    "vote_per_phone": "10/10 minutes;30/day",
}

RATE_LIMITED_429 = {
    "description": "Too many requests: wait the number of seconds in Retry-After",
    "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
}


def init_app(app: Flask) -> None:
    limiter.init_app(app)


def _limit(name: str) -> Callable[[], str]:
    return lambda: current_app.config.get("RATE_LIMITS", {}).get(name) or DEFAULT_LIMITS[name]


def client_address() -> str:
    return request.remote_addr or "unknown"


def _body_value(field: str) -> str:
    value = request.form.get(field)
    if value is None and request.is_json:
        body = request.get_json(silent=True)
        value = body.get(field) if isinstance(body, dict) else None
    if not isinstance(value, str) or not value.strip():
        return ""
    # counters are keyed by a digest: the storage (Redis) never holds phone numbers or names
    return hashlib.sha256(value.strip().lower()[:64].encode()).hexdigest()[:32]


def login_name() -> str:
    """The account a login or reset names (the typed name, whether or not it exists)."""
    return _body_value("username")


def registering_phone() -> str:
    return _body_value("phone")


def acting_user() -> str:
    """The signed-in portal user or the API token's user ('' when nobody: not counted)."""
    if request.path.startswith("/api/"):
        from app.auth_state import api_user
        from app.services.errors import DomainError

        try:
            return f"user:{api_user().id}"
        except DomainError:
            return ""
    return f"user:{current_user.id}" if current_user.is_authenticated else ""


def _shared(scope: str, per_ip: str, per_account: str | None, account_key=None):
    """A decorator applying the scope's per-address and per-account limits (POST only)."""
    limits = [
        limiter.shared_limit(_limit(per_ip), scope=f"{scope}:ip", key_func=client_address, methods=["POST"])
    ]
    if per_account:
        limits.append(
            limiter.shared_limit(
                _limit(per_account), scope=f"{scope}:account", key_func=account_key, methods=["POST"]
            )
        )

    def decorator(view):
        for limit in reversed(limits):
            view = limit(view)
        return view

    return decorator


def login_limited(view):
    return _shared("login", "login_per_ip", "login_per_account", login_name)(view)


def registration_limited(view):
    return _shared("register", "register_per_ip", "register_per_account", registering_phone)(view)


def code_limited(view):
    return _shared("code", "code_per_ip", "code_per_account", acting_user)(view)


def password_reset_limited(view):
    return _shared("password-reset", "password_reset_per_ip", "password_reset_per_account", acting_user)(view)


def need_limited(view):
    """A resident's need (the public page and createNeed share the counters): per address and per phone."""
    return _shared("need", "need_per_ip", "need_per_phone", registering_phone)(view)


def need_code_limited(view):
    """Look-ups and ratings by a need's tracking code: per address, so codes cannot be guessed."""
    return _shared("need-code", "need_code_per_ip", None)(view)


def forgot_password_limited(view):
    return _shared(
        "password-forgot", "password_forgot_per_ip", "password_forgot_per_account", registering_phone
    )(view)


def report_limited(view):
    """A supervisor's report (the phone page and reportProblem share the counters)."""
    return _shared("report", "report_per_ip", "report_per_account", acting_user)(view)


def objection_limited(view):
    """An objection to a posted commendation list: per address and per contact given."""
    return _shared("objection", "objection_per_ip", "objection_per_contact", lambda: _body_value("contact"))(
        view
    )


def vote_code_limited(view):
    """A texted vote code: per address and per phone (texts cost money)."""
    return _shared("vote-code", "vote_code_per_ip", "vote_code_per_phone", registering_phone)(view)


def vote_limited(view):
    """A vote with its code: per address and per phone, so codes cannot be guessed."""
    return _shared("vote", "vote_per_ip", "vote_per_phone", registering_phone)(view)


def certificate_check_limited(view):
    return limiter.limit(
        _limit("certificate_check_per_ip"), key_func=client_address, scope="certificate-check"
    )(view)


def documented_429(blp):
    """flask-smorest: document the 429 answer (error shape, Retry-After) on a limited operation."""
    from app.web.api.common import ERROR_SCHEMA

    return blp.alt_response(429, schema=ERROR_SCHEMA, **RATE_LIMITED_429)
