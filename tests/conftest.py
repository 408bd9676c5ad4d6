"""Test harness: the schema is built once from the real migrations, each test gets a fresh
copy of that database (a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL),
so tests that race with real commits from several connections work the same as the rest.

TEST_DB=postgres with TEST_DATABASE_URL runs the suite on PostgreSQL (make test does both).
"""
from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import uuid

import pytest

_TMP = tempfile.mkdtemp(prefix="vs-tests-")
os.environ.setdefault("INSTANCE_PATH", os.path.join(_TMP, "instance"))
os.environ.setdefault("FLASK_CONFIG", "testing")

from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db as _db  # noqa: E402
from config import TestingConfig  # noqa: E402

BACKEND = os.environ.get("TEST_DB", "sqlite")
SECRETS = {"SECRET_KEY": "test-secret-key", "FIELD_ENCRYPTION_KEY": "test-field-key"}
_counter = itertools.count()


def _pg_admin_url():
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.exit("TEST_DB=postgres needs TEST_DATABASE_URL", returncode=2)
    return make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))


def _pg_admin_engine():
    return create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")


def _migrate(uri: str) -> None:
    from flask_migrate import upgrade
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=uri, **SECRETS)
    with app.app_context():
        upgrade()
        _db.engine.dispose()


class Databases:
    """Hands out fresh databases copied from one migrated template."""

    def __init__(self):
        self.tag = uuid.uuid4().hex[:8]
        if BACKEND == "postgres":
            self.admin = _pg_admin_engine()
            self.template = f"vs_tmpl_{self.tag}"
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.template}"'))
            _migrate(self._url(self.template))
        else:
            self.template = os.path.join(_TMP, "template.db")
            _migrate(f"sqlite:///{self.template}")

    def _url(self, name: str) -> str:
        return _pg_admin_url().set(database=name).render_as_string(hide_password=False)

    def create(self) -> tuple[str, str]:
        n = next(_counter)
        if BACKEND == "postgres":
            name = f"vs_t_{self.tag}_{n}"
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
            return name, self._url(name)
        path = os.path.join(_TMP, f"test-{n}.db")
        shutil.copyfile(self.template, path)
        return path, f"sqlite:///{path}"

    def drop(self, name: str) -> None:
        if BACKEND == "postgres":
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(name + suffix):
                    os.remove(name + suffix)

    def close(self) -> None:
        if BACKEND == "postgres":
            self.drop(self.template)
            self.admin.dispose()


@pytest.fixture(scope="session")
def databases():
    dbs = Databases()
    yield dbs
    dbs.close()


@pytest.fixture
def database_url(databases):
    name, url = databases.create()
    yield url
    databases.drop(name)


@pytest.fixture
def app_config():
    """Per-test config overrides; a test module may override this fixture."""
    return {}


class RequestIsolatingClient(FlaskClient):
    """The test's app context stays pushed (so tests can call services and share the one
    session), and Flask reuses it for requests; clear `g` so that nothing cached for one
    request (Flask-Login's user, the API's token user) leaks into the next."""

    def open(self, *args, **kwargs):
        from flask import g
        g.__dict__.clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            g.__dict__.clear()


@pytest.fixture
def app(database_url, app_config):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url,
                     BASE_URL="http://vs.test", **SECRETS, **app_config)
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def race(app):
    """race(n, work): work(0) … work(n-1) in n threads released at once (tests/races.py)."""
    from tests import races
    return lambda n, work, **kwargs: races.run(app, n, work, **kwargs)


@pytest.fixture
def backend():
    return BACKEND


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside a `with count_queries() as counter:` block."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        counter = {"n": 0}

        def _count(*_args, **_kwargs):
            counter["n"] += 1

        event.listen(_db.engine, "before_cursor_execute", _count)
        try:
            yield counter
        finally:
            event.remove(_db.engine, "before_cursor_execute", _count)

    return counting
