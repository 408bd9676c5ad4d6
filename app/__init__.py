"""Volunteer Star (志愿星): the application factory."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from flask import Flask, request, session

from config import INSTANCE_DIR, config_from_env, create_private_file, fill_instance_secrets, make_private_dir


def create_app(config_class=None, **overrides) -> Flask:
    from app.transaction import TransactionalFlask

    app = TransactionalFlask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_object(config_class or config_from_env())
    app.config.update(overrides)
    make_private_dir(Path(app.instance_path))
    fill_instance_secrets(app.config, app.instance_path)
    app.config.setdefault("MAIL_DEFAULT_SENDER", app.config.get("MAIL_SENDER"))
    app.config.setdefault("MAIL_BACKEND", "smtp")  # tests send to a real local SMTP server too
    _configure_engine(app)
    _configure_logging(app)
    if app.config.get("TRUSTED_PROXY_COUNT"):
        # Behind a reverse proxy, the client's address (rate limits, login records) comes from
        # the X-Forwarded-For the trusted proxies set, not from the proxy's own connection.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXY_COUNT"])
        # Flask documents wrapping wsgi_app for middleware; its stubs declare it a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from app import models  # noqa: F401  (register every table)
    from app.extensions import api, babel, csrf, db, login_manager, mail, migrate

    db.init_app(app)
    from app import sqlite

    with app.app_context():
        sqlite.configure(db.engine)
    migrate.init_app(
        app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    login_manager.init_app(app)
    api.init_app(
        app,
        spec_kwargs={"components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}}},
    )

    from app import auth_state, db_unavailable, errors, formatting, rate_limits, security

    rate_limits.init_app(app)
    auth_state.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    db_unavailable.init_app(app)
    formatting.init_app(app)
    from app import labels, static_files

    static_files.init_app(app)
    labels.init_app(app)

    from app.web import register_blueprints

    register_blueprints(app)

    from app.cli import register_commands

    register_commands(app)

    mail.init_app(app)

    @app.before_request
    def _locale_from_query():
        lang = request.args.get("lang")
        if lang in app.config["LANGUAGES"]:
            session["lang"] = lang

    if _serving_with_flask_run(app):  # gunicorn workers start in gunicorn.conf.py instead
        from app.startup import serve

        serve(app)
    return app


def _serving_with_flask_run(app: Flask) -> bool:
    """True in the process that `flask run` serves from (the reloader's child when reloading),
    so the scheduler starts with the server and never with other commands or in tests."""
    import click
    from flask.helpers import get_debug_flag

    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.info_name != "run":
        return False
    reload = ctx.params.get("reload")
    if reload is None:
        reload = get_debug_flag()
    return not reload or os.environ.get("WERKZEUG_RUN_MAIN") == "true"


def _select_locale():
    from flask import current_app, has_request_context

    if not has_request_context():
        return current_app.config.get("CLI_LOCALE", "zh_CN")
    lang = session.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return lang
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh-CN")
    return "en" if best == "en" else "zh_CN"


def _configure_engine(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        # Writers wait for each other instead of failing at once; see app.sqlite.
        options.setdefault("connect_args", {}).setdefault("timeout", 30)
        _create_sqlite_file(uri)
    elif uri.startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len("postgresql://") :]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _create_sqlite_file(uri: str) -> None:
    """Create the SQLite file owner-only before SQLite would create it 0644; its -wal and
    -shm files take the same mode from it."""
    from sqlalchemy.engine import make_url

    database = make_url(uri).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # another worker made it first
        create_private_file(path)


def _configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
