"""Blueprints: thin doors that parse input, check access, call a service, render or return."""
from __future__ import annotations

from importlib import import_module

from flask import Flask

# Portal pages, one module per area; each exposes `bp`.
PAGE_MODULES = [
    "app.web.main",
    "app.web.auth",
    "app.web.admin",
    "app.web.volunteer",
    "app.web.certificates",
    "app.web.stars_admin",
    "app.web.merchant",
    "app.web.merchants_admin",
    "app.web.coupons",
    "app.web.posts",
    "app.web.records",
    "app.web.scan",
    "app.web.guardian",
    "app.web.activities",
    "app.web.bulletins",
    "app.web.system",
]

# JSON API (flask-smorest), one module per area; each exposes `blp`.
API_MODULES = [
    "app.web.api.accounts",
    "app.web.api.stars",
    "app.web.api.incentives",
    "app.web.api.attendance",
    "app.web.api.bulletins",
]


def register_blueprints(app: Flask) -> None:
    from app.extensions import api, csrf
    for name in PAGE_MODULES:
        app.register_blueprint(import_module(name).bp)
    for name in API_MODULES:
        blp = import_module(name).blp
        csrf.exempt(blp)  # bearer tokens, never cookies: nothing to forge
        api.register_blueprint(blp, url_prefix="/api/v1")
