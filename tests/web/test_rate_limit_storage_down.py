"""When the limiter's storage is unreachable the site still answers (the error is logged);
the per-name login slow-down, kept in the database, still protects logins."""
import pytest

from tests import factories as f


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",
            "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5}}


def test_an_unreachable_storage_does_not_break_login(client, db):
    f.platform_admin("boss")
    refused = client.post("/api/v1/tokens", json={"username": "boss", "password": "wrong-password"})
    assert refused.status_code == 401 and refused.json["error"]["code"] == "unauthorized"
    f.login(client, "boss")
