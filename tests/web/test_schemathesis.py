"""Schemathesis over every operation of the API: the OpenAPI document describes the real answers,
error bodies included, and no generated input yields a 500.

The app runs in a real HTTP server (werkzeug, in a thread) on this test's fresh database (PostgreSQL
when the suite runs there, SQLite otherwise), with a platform admin's token for every request.
Deselect locally with `-m "not schemathesis"`."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests import factories as f

pytestmark = pytest.mark.schemathesis

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "20"))
HARD_TIMEOUT_S = 420


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_schemathesis_finds_no_failures(app, db, live_server, tmp_path):
    admin = f.platform_admin()
    unit = f.unit(admin=admin)
    f.unit_admin(unit)
    f.volunteer(unit)
    from app.services import accounts
    token, _record = accounts.create_token(admin.username, f.PASSWORD)
    db.session.commit()
    db.session.remove()  # the server's requests use their own sessions

    binary = Path(sys.executable).with_name("schemathesis")
    config = Path(__file__).with_name("schemathesis.toml")
    command = [str(binary), "--config-file", str(config), "run", f"{live_server}/api/v1/openapi.json", "--checks", "all",
               "--max-examples", str(MAX_EXAMPLES), "--workers", "1", "--seed", os.environ.get("SCHEMATHESIS_SEED", "1"),
               "--request-timeout", "20", "--no-color", "--generation-database", "none",
               "-H", f"Authorization: Bearer {token}",
               "--report", "junit", "--report-dir", str(tmp_path)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=HARD_TIMEOUT_S,
                                cwd=tmp_path, env={**os.environ, "SCHEMATHESIS_HOOKS": ""})
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"schemathesis did not finish within {HARD_TIMEOUT_S} s:\n{exc.stdout}")
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
