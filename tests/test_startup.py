"""A serving process starts the embedded scheduler when it boots (gunicorn's post_worker_init,
or `flask run`), never in other commands or at a first request; a stand-by takes a killed
holder's lease within SCHEDULER_LEASE_SECONDS + SCHEDULER_HEARTBEAT_SECONDS."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import create_app, scheduling, startup
from app.extensions import db as _db
from config import TestingConfig
from tests.conftest import SECRETS

ROOT = Path(__file__).resolve().parent.parent


def web_app(database_url, **config):
    return create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url,
                      **{"TESTING": False, "SCHEDULER": "embedded", **SECRETS, **config})


def wait_for_holder(app, predicate, timeout=60.0):
    """Poll the lease until predicate(holder or None) holds; returns (holder, seconds waited)."""
    started = time.monotonic()
    with app.app_context():
        try:
            while True:
                lease = scheduling.lease_holder()
                holder = lease.holder if lease else None
                if predicate(holder):
                    return holder, time.monotonic() - started
                if time.monotonic() - started > timeout:
                    raise AssertionError(f"lease holder still {holder!r} after {timeout} s")
                _db.session.remove()
                time.sleep(0.05)
        finally:
            _db.session.remove()


def test_serving_starts_the_scheduler_and_commands_and_requests_do_not(database_url):
    web = web_app(database_url)
    result = web.test_cli_runner().invoke(args=["bulletins", "generate", "--month", "2026-10"])
    assert result.exit_code == 0 and "scheduler" not in web.extensions
    web.test_client().get("/login")
    assert "scheduler" not in web.extensions  # not at a first request any more
    startup.serve(web)
    background = web.extensions["scheduler"]
    try:
        assert wait_for_holder(web, lambda holder: holder == scheduling.HOLDER, 10)
    finally:
        background.shutdown(wait=True)
    assert wait_for_holder(web, lambda holder: holder is None, 5)  # given up at shutdown
    with web.app_context():
        _db.engine.dispose()


def subprocess_env(database_url, tmp_path, **extra):
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi", "FLASK_CONFIG": "development",
           "INSTANCE_PATH": str(tmp_path / "instance"), "SCHEDULER": "embedded", **SECRETS}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def test_a_gunicorn_worker_takes_the_lease_at_boot_without_any_request(database_url, tmp_path):
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-b", "127.0.0.1:0", "wsgi:app"],
                              cwd=ROOT, env=subprocess_env(database_url, tmp_path), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    watcher = web_app(database_url, SCHEDULER="off")
    try:
        holder, _waited = wait_for_holder(watcher, lambda holder: holder is not None)
        host, pid = holder.rsplit(":", 1)
        assert int(pid) != server.pid  # a worker's, not the master's
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        with watcher.app_context():
            _db.engine.dispose()


def test_a_stand_by_takes_a_killed_holders_lease_within_lease_plus_heartbeat(database_url, tmp_path):
    lease, heartbeat = 3.0, 0.5
    env = subprocess_env(database_url, tmp_path, SCHEDULER_LEASE_SECONDS=lease, SCHEDULER_HEARTBEAT_SECONDS=heartbeat)
    command = [sys.executable, "-m", "flask", "scheduler"]
    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    second = None
    watcher = web_app(database_url, SCHEDULER="off")
    try:
        wait_for_holder(watcher, lambda holder: holder is not None and holder.endswith(f":{first.pid}"))
        second = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True)
        while "scheduler running" not in second.stdout.readline():
            pass
        time.sleep(2 * heartbeat)  # the stand-by is polling the lease
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        holder, waited = wait_for_holder(watcher, lambda holder: holder is not None
                                         and holder.endswith(f":{second.pid}"), 30)
        print(f"takeover after kill -9: {waited:.2f} s (lease {lease} s, heartbeat {heartbeat} s)")
        # The killed holder last renewed at most one heartbeat before; the stand-by looks once a
        # heartbeat; 1.5 s more for the processes' start-up and the polling on a busy machine.
        assert lease - heartbeat - 0.1 <= waited <= lease + heartbeat + 1.5
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(30)
        with watcher.app_context():
            _db.engine.dispose()


@pytest.mark.parametrize("reload, main, serves", [(False, None, True), (True, None, False), (True, "true", True)])
def test_flask_run_serves_with_the_scheduler_only_in_the_serving_process(database_url, monkeypatch,
                                                                        reload, main, serves):
    import click

    from app import _serving_with_flask_run
    if main:
        monkeypatch.setenv("WERKZEUG_RUN_MAIN", main)
    else:
        monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    web = web_app(database_url)
    with click.Context(click.Command("run"), info_name="run") as ctx:
        ctx.params["reload"] = reload
        assert _serving_with_flask_run(web) is serves
    with click.Context(click.Command("upgrade"), info_name="upgrade"):
        assert _serving_with_flask_run(web) is False
    assert _serving_with_flask_run(web) is False
