"""Backup and restore: a copy restores with its ledger intact (`flask hours verify` exit 0), and
a process started with another FIELD_ENCRYPTION_KEY than the database's refuses to start."""
import glob
import os
import shutil
import subprocess
import sys

import pytest
from sqlalchemy import func, select, text

from app import create_app, startup
from app.extensions import db as _db
from app.models import ServiceRecord, Setting, Volunteer
from config import TestingConfig
from tests import factories as f
from tests.conftest import BACKEND, SECRETS, _pg_admin_engine
from tests.test_startup import ROOT, subprocess_env


@pytest.fixture
def ledger(db):
    """Two volunteers with approved hours, one with a pending record too."""
    unit = f.unit()
    first, second = f.volunteer(unit, name="张三"), f.volunteer(unit, name="李四")
    f.give_hours(first, 12.5)
    f.give_hours(second, 3)
    return {"volunteers": 2, "seconds": 15.5 * 3600}


def restored_app(url):
    return create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, **SECRETS)


def assert_restored(url, ledger):
    copy = restored_app(url)
    with copy.app_context():
        try:
            result = copy.test_cli_runner().invoke(args=["hours", "verify"])
            assert result.exit_code == 0, result.output
            assert _db.session.scalar(select(func.count(Volunteer.id))) == ledger["volunteers"]
            assert _db.session.scalar(select(func.sum(ServiceRecord.seconds))
                                      .where(ServiceRecord.status == "approved")) == ledger["seconds"]
        finally:
            _db.session.remove()
            _db.engine.dispose()


@pytest.mark.skipif(BACKEND != "sqlite", reason="flask db backup is for the SQLite database")
def test_flask_db_backup_copies_sqlite_and_the_copy_verifies(app, ledger, tmp_path):
    target = tmp_path / "backup.db"
    result = app.test_cli_runner().invoke(args=["db", "backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "backed up" in result.output
    again = app.test_cli_runner().invoke(args=["db", "backup", str(target)])
    assert again.exit_code != 0 and "exists" in again.output  # never overwrites
    assert_restored(f"sqlite:///{target}", ledger)


def pg_tool(name):
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)),
                                       None)
    if found is None:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{name} is missing")
        pytest.skip(f"{name} is missing")
    return found


@pytest.mark.skipif(BACKEND != "postgres", reason="pg_dump and pg_restore need PostgreSQL")
def test_a_pg_dump_restores_and_the_ledger_verifies(app, ledger, database_url, tmp_path):
    from sqlalchemy.engine import make_url
    source = make_url(database_url)
    dump = tmp_path / "volunteer.dump"
    connection = ["-h", source.host, "-p", str(source.port), "-U", source.username or "postgres"]
    subprocess.run([pg_tool("pg_dump"), "-Fc", *connection, "-f", str(dump), source.database], check=True)
    name = f"{source.database}_restored"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        subprocess.run([pg_tool("pg_restore"), "--no-owner", *connection, "-d", name, str(dump)], check=True)
        assert_restored(source.set(database=name).render_as_string(hide_password=False), ledger)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_database_keeps_a_check_value_of_the_field_key_never_the_key(app, db):
    startup.check_field_key()
    value = db.session.get(Setting, startup.KEY_CHECK_SETTING).value
    assert value == {"hmac_sha256": startup.key_check_value(SECRETS["FIELD_ENCRYPTION_KEY"])}
    assert SECRETS["FIELD_ENCRYPTION_KEY"] not in str(value)


def test_another_field_key_is_refused_by_commands_and_serving_but_not_by_db_commands(app, ledger, database_url):
    assert app.test_cli_runner().invoke(args=["hours", "verify"]).exit_code == 0  # records the check value
    _db.session.remove()
    wrong = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url,
                       **{**SECRETS, "FIELD_ENCRYPTION_KEY": "another-key"})
    try:
        with wrong.app_context():  # the commands run in the app given, not the test's
            result = wrong.test_cli_runner().invoke(args=["hours", "verify"])
            assert result.exit_code == 1 and "FIELD_ENCRYPTION_KEY does not match this database" in result.output
            result = wrong.test_cli_runner().invoke(args=["users", "create", "--role", "platform_admin",
                                                          "--username", "x", "--password", "x-pass-123"])
            assert result.exit_code == 1 and "FIELD_ENCRYPTION_KEY" in result.output
            result = wrong.test_cli_runner().invoke(args=["db", "current"])
            assert result.exit_code == 0, result.output  # db commands still work (to upgrade or back up)
            _db.session.remove()
        with pytest.raises(startup.FieldKeyMismatch):
            startup.serve(wrong)
        assert "scheduler" not in wrong.extensions
    finally:
        with wrong.app_context():
            _db.engine.dispose()


def test_a_database_from_before_check_values_refuses_a_key_that_cannot_read_it(app, ledger, database_url):
    assert _db.session.get(Setting, startup.KEY_CHECK_SETTING) is None
    _db.session.remove()
    wrong = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url,
                       **{**SECRETS, "FIELD_ENCRYPTION_KEY": "another-key"})
    try:
        with wrong.app_context(), pytest.raises(startup.FieldKeyMismatch):
            startup.check_field_key()
        with wrong.app_context():
            assert _db.session.get(Setting, startup.KEY_CHECK_SETTING) is None  # nothing recorded
            _db.session.remove()
    finally:
        with wrong.app_context():
            _db.engine.dispose()


def test_gunicorn_refuses_to_start_with_another_field_key(app, database_url, tmp_path):
    startup.check_field_key()
    _db.session.remove()
    env = subprocess_env(database_url, tmp_path, FIELD_ENCRYPTION_KEY="another-key", SCHEDULER="off")
    server = subprocess.run([sys.executable, "-m", "gunicorn", "-w", "1", "-b", "127.0.0.1:0", "wsgi:app"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert server.returncode != 0
    assert "FIELD_ENCRYPTION_KEY does not match this database" in server.stderr
