"""Browser harness: the app served on loopback from a fresh migrated database, driven by
Debian's Chromium through Playwright (sync API).

- `live_server`: a werkzeug server (threaded) in a background thread; its app is made like
  tests/conftest.py's (same `database_url` machinery) with BASE_URL set to the server's own
  address, so QR codes open on it. The app context stays pushed for the test, so factories
  and services can prepare or finish a scenario; call helpers.settle() before reading or
  writing what the server changed since (the test's session may hold an older snapshot).
- `browser_context(kind)`: a fresh Chromium context, Chinese first, as a phone (390×844,
  touch) or an office PC (1366×900). Script errors on a page fail the test.
- `phone` / `desktop`: a page in such a context. Page checks live in tests/browser/helpers.py.

Browser tests run in the SQLite pass only (TEST_DB=postgres skips them) to keep CI short;
without /usr/bin/chromium they are skipped, unless REQUIRE_BROWSER=1 makes that a failure.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field

import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db as _db
from config import TestingConfig
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, DESKTOP, IMMEDIATE, PHONE

BACKEND = os.environ.get("TEST_DB", "sqlite")
SECRETS = {"SECRET_KEY": "test-secret-key", "FIELD_ENCRYPTION_KEY": "test-field-key"}



def pytest_collection_modifyitems(config, items):
    if BACKEND != "postgres":
        return
    skip = pytest.mark.skip(reason="browser tests run in the SQLite pass only")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@dataclass
class LiveServer:
    app: object
    url: str
    _server: object = field(repr=False, default=None)
    _thread: threading.Thread | None = field(repr=False, default=None)

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()


def _test_session(database_url: str) -> Session:
    """The test's own session. On SQLite the app begins every transaction IMMEDIATE (it
    takes the write lock at BEGIN, see app.sqlite), so a test merely reading an attribute
    would stall the server; the test's engine begins plain (deferred) transactions instead:
    reads never block the server, and a test's write holds the lock only until its commit."""
    if not database_url.startswith("sqlite"):
        return _db.session.session_factory()
    engine = create_engine(database_url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys=ON")
        dbapi_connection.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if getattr(IMMEDIATE, "active", False) else "BEGIN")

    return Session(bind=engine)


@pytest.fixture
def live_server(database_url, app_config):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, **SECRETS, **app_config)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request is noise here
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url  # QR codes must open on this server
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    live = LiveServer(app=app, url=url, _server=server, _thread=thread)
    with app.app_context():
        _db.session.registry.set(_test_session(database_url))
        try:
            yield live
        finally:
            live.stop()
            bind = _db.session.get_bind()
            _db.session.remove()
            bind.dispose()
            _db.engine.dispose()


@pytest.fixture
def app(live_server):
    """The live server's app, its context pushed: factories and services work in the test."""
    return live_server.app


@pytest.fixture(scope="session")
def _playwright():
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing (install Debian's chromium package)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def browser_context(browser, live_server):
    """browser_context("phone" | "desktop") -> a new context on the live server."""
    contexts = []
    errors: list[str] = []

    def make(kind: str = "phone", **options):
        settings = dict(PHONE if kind == "phone" else DESKTOP)
        settings.update(locale="zh-CN", timezone_id="Asia/Shanghai", base_url=live_server.url,
                        reduced_motion="reduce",  # no transitions: checks and screenshots see the end state
                        extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        settings.update(options)
        context = browser.new_context(**settings)
        context.set_default_timeout(10_000)
        context.on("page", lambda page: page.on(
            "pageerror", lambda exc: errors.append(f"{page.url}: {exc}")))
        # the Content-Security-Policy refuses a script or style: the console says so
        context.on("page", lambda page: page.on(
            "console", lambda msg: errors.append(f"{page.url}: {msg.text}")
            if msg.type == "error" and "Content Security Policy" in msg.text else None))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not errors, "script or CSP errors on pages:\n" + "\n".join(errors)


@pytest.fixture
def phone(browser_context):
    return browser_context("phone").new_page()


@pytest.fixture
def desktop(browser_context):
    return browser_context("desktop").new_page()


