"""Response headers that protect every page: a Content-Security-Policy with a per-request
nonce for inline scripts, HSTS in production, and no caching of personal data."""

from __future__ import annotations

import secrets

from flask import Flask, g, request
from flask_login import current_user


def csp_nonce() -> str:
    """The nonce of this request, for every inline <script> (templates: csp_nonce())."""
    nonce = getattr(g, "_csp_nonce", None)
    if nonce is None:
        nonce = g._csp_nonce = secrets.token_urlsafe(16)
    return nonce


def content_security_policy(nonce: str) -> str:
    # Styles come only from our files (inline style attributes were moved to app.css); images
    # may be data: URLs (QR codes drawn by the server, Bootstrap's icons).
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        ]
    )


def _carries_personal_data() -> bool:
    if request.path.startswith("/api/"):
        return True
    if request.endpoint == "static":
        return False
    return current_user.is_authenticated


def _revalidated_photo(response) -> bool:
    """A photo is answered with its own no-cache policy and ETag (app.web.photos)."""
    return request.endpoint in ("photos.full", "photos.thumb") and response.status_code in (200, 304)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
        if app.config.get("HSTS_SECONDS"):
            response.headers["Strict-Transport-Security"] = (
                f"max-age={int(app.config['HSTS_SECONDS'])}; includeSubDomains"
            )
        if _carries_personal_data() and not _revalidated_photo(response):
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response
