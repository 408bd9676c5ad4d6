"""Blueprints: thin doors that parse input, check access, call a service, render or return."""

from __future__ import annotations

from importlib import import_module

from flask import Flask
from werkzeug.routing import IntegerConverter

from app.services.inputs import INT_MAX, has_bad_chars

# Portal pages, one module per area; each exposes `bp`.
PAGE_MODULES = [
    "app.web.main",
    "app.web.auth",
    "app.web.password_reset",
    "app.web.admin",
    "app.web.volunteer",
    "app.web.certificates",
    "app.web.stars_admin",
    "app.web.merchant",
    "app.web.merchants_admin",
    "app.web.coupons",
    "app.web.posts",
    "app.web.records",
    "app.web.records_io",
    "app.web.exports",
    "app.web.roster",
    "app.web.activation",
    "app.web.scan",
    "app.web.guardian",
    "app.web.activities",
    "app.web.bulletins",
    "app.web.system",
    "app.web.categories",
    "app.web.skills",
    "app.web.profile",
    "app.web.unit_profile",
    "app.web.insurance",
    "app.web.children",
    "app.web.offline",
    "app.web.needs",
    "app.web.needs_admin",
    "app.web.teams",
    "app.web.places",
    "app.web.projects",
    "app.web.office",
    "app.web.reviews",
    "app.web.contributions",
    "app.web.photos",
    "app.web.reports",
    "app.web.reports_admin",
    "app.web.column",
    "app.web.column_admin",
    "app.web.honours",
    "app.web.honours_admin",
    "app.web.evidence",
    "app.web.assessment",
    "app.web.campaigns",
    "app.web.shifts",
    "app.web.applications",
    "app.web.team_applications",
    "app.web.notices",
]

# JSON API (flask-smorest), one module per area; each exposes `blp`.
API_MODULES = [
    "app.web.api.accounts",
    "app.web.api.stars",
    "app.web.api.incentives",
    "app.web.api.attendance",
    "app.web.api.bulletins",
    "app.web.api.certificates",
    "app.web.api.records_io",
    "app.web.api.catalogues",
    "app.web.api.people",
    "app.web.api.offline",
    "app.web.api.needs",
    "app.web.api.teams",
    "app.web.api.projects",
    "app.web.api.office",
    "app.web.api.reports",
    "app.web.api.campaigns",
    "app.web.api.notices",
]


# 1..2147483647 (INT_MAX) in decimal without leading zeros, digit by digit.
_ID_PATTERN = (
    r"(?:[1-9]\d{0,8}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}"
    r"|21474[0-7]\d{4}|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7])"
)


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: 1..2^31-1, so an id too big for the database is a 404
    (no route), never an integer-out-of-range error. The OpenAPI document says so too.
    The range is in the pattern itself, so a path that another method would take is a 404
    too, not a 405 (Werkzeug checks to_python only after picking the rule)."""

    regex = _ID_PATTERN

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", INT_MAX)
        super().__init__(url_map, *args, **kwargs)


def _refuse_bad_chars_in_url():
    """A NUL in the path or the query string reaches no database: the path names nothing
    (404); a page's query string is a bad request (400). The API's query strings go through
    their schemas, which answer 422 per field."""
    from flask import abort, request

    if has_bad_chars(request.path):
        abort(404)
    if not request.path.startswith("/api/") and any(
        has_bad_chars(key) or has_bad_chars(value) for key, value in request.args.items(multi=True)
    ):
        abort(400)


def register_blueprints(app: Flask) -> None:
    from app.extensions import api, csrf

    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_bad_chars_in_url)
    for name in PAGE_MODULES:
        app.register_blueprint(import_module(name).bp)
    for name in API_MODULES:
        blp = import_module(name).blp
        csrf.exempt(blp)  # bearer tokens, never cookies: nothing to forge
        api.register_blueprint(blp, url_prefix="/api/v1")
