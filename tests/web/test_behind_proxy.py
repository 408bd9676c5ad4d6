"""Behind a trusted reverse proxy (TRUSTED_PROXY_COUNT=1) the client's address comes from
X-Forwarded-For: the rate limits and the failed-login list see the client, not the proxy."""
import pytest
from sqlalchemy import select

from app.models import LoginFailure


@pytest.fixture
def app_config():
    return {"TRUSTED_PROXY_COUNT": 1}


def test_the_client_address_comes_from_the_trusted_proxy(client, db):
    response = client.post("/api/v1/tokens", json={"username": "nobody", "password": "x"},
                           headers={"X-Forwarded-For": "203.0.113.50"})
    assert response.status_code == 401
    assert db.session.scalars(select(LoginFailure.ip)).all() == ["203.0.113.50"]
