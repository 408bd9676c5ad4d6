"""The database being unreachable is a 503 with Retry-After, never a 500.

While the database is down (PostgreSQL restarting, a network cut) every request that needs it
fails with a driver error. The API answers 503 db_unavailable in the contract's error shape,
pages answer a short "try again" page that needs no database, and the session's end-of-request
rollback on a dead connection is logged instead of escaping to the server as an HTML 500.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, render_template
from flask_babel import gettext as _
from sqlalchemy import exc as sa_exc

from app.extensions import db, login_manager

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
# What SQLAlchemy raises when it cannot reach the database or loses the connection
# (also SQLite's "database is locked" after the busy timeout: trying again is right there too).
UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError)


def safe_rollback() -> None:
    """Roll the session back; on a dead connection, drop the session instead of raising."""
    try:
        db.session.rollback()
    except Exception:
        log.warning("rollback failed; discarding the session", exc_info=True)
        _discard_session()


def _discard_session() -> None:
    try:
        db.session.remove()
    except Exception:
        log.warning("closing the session failed", exc_info=True)


def init_app(app: Flask) -> None:
    # Flask-SQLAlchemy's own teardown calls session.remove(), whose rollback raises on a dead
    # connection after the response is made; that error would reach gunicorn as an HTML 500.
    teardown = db._teardown_session
    if teardown in app.teardown_appcontext_funcs:
        app.teardown_appcontext_funcs.remove(teardown)

    @app.teardown_appcontext
    def _remove_session_safely(_exc):
        _discard_session()

    @app.errorhandler(sa_exc.OperationalError)
    @app.errorhandler(sa_exc.InterfaceError)
    @app.errorhandler(sa_exc.DisconnectionError)
    @app.errorhandler(sa_exc.TimeoutError)
    def _database_unavailable(exc):
        log.error("database unavailable: %s", exc.__class__.__name__, exc_info=exc)
        return unavailable_response()


def unavailable_response():
    """503 db_unavailable: the contract's JSON under /api/, else a page that needs no database."""
    from app.errors import error_body, wants_json

    safe_rollback()
    message = _("数据库暂时无法访问，请稍后再试")
    if wants_json():
        response = jsonify(error_body("db_unavailable", message))
    else:
        # Nobody is loaded from the database for this page (Flask-Login would try again).
        g._login_user = login_manager.anonymous_user()
        response = current_app.make_response(render_template("errors/unavailable.html", message=message))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
