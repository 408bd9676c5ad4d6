"""One transaction per request: a response under 400 is committed, anything else is rolled
back, and a refused service call undoes what it wrote even when a redirect follows.

What was written is read back through a connection of its own, so a change that is only
flushed in the request's session does not count as kept."""
from __future__ import annotations

import pytest
from flask import redirect
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db
from app.models import Setting
from app.services.errors import ValidationFailed
from app.web.forms import domain_errors
from config import TestingConfig
from tests.conftest import SECRETS


def _write(key: str) -> None:
    db.session.add(Setting(key=key, value={"v": 1}))
    db.session.flush()


@pytest.fixture
def tx_client(database_url):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, BASE_URL="http://vs.test", **SECRETS)

    @app.get("/t/ok")
    def ok():
        _write("t-ok")
        return "done"

    @app.get("/t/unprocessable")
    def unprocessable():
        _write("t-422")
        return "refused", 422

    @app.get("/t/crash")
    def crash():
        _write("t-500")
        raise RuntimeError("boom")

    @app.get("/t/refused")
    def refused():
        _write("t-domain")
        raise ValidationFailed("no")

    @app.get("/t/refused-then-redirect")
    def refused_then_redirect():
        with domain_errors() as attempt:
            _write("t-partial")
            raise ValidationFailed("half-way")
        assert not attempt.ok
        return redirect("/elsewhere")

    @app.get("/t/redirect")
    def plain_redirect():
        _write("t-302")
        return redirect("/elsewhere")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield app.test_client()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _kept(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return {row[0] for row in conn.execute(text("SELECT key FROM settings WHERE key LIKE 't-%'"))}
    finally:
        engine.dispose()


def test_a_successful_request_is_committed_once_and_a_failed_one_is_rolled_back(tx_client, database_url):
    assert tx_client.get("/t/ok").status_code == 200
    assert tx_client.get("/t/redirect").status_code == 302
    assert tx_client.get("/t/unprocessable").status_code == 422
    assert tx_client.get("/t/crash").status_code == 500
    assert tx_client.get("/t/refused").status_code == 422
    assert _kept(database_url) == {"t-ok", "t-302"}


def test_a_refused_service_call_leaves_nothing_even_when_a_redirect_follows(tx_client, database_url):
    response = tx_client.get("/t/refused-then-redirect")
    assert response.status_code == 302
    assert _kept(database_url) == set()
