"""Schemathesis over every operation of the API: the OpenAPI document describes the real answers,
error bodies included, and no generated input yields a 500.

The app runs in a real HTTP server (werkzeug, in a thread) on this test's fresh database (PostgreSQL
when the suite runs there, SQLite otherwise), with a platform admin's token for every request.
Deselect locally with `-m "not schemathesis"`."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests import factories as f

pytestmark = pytest.mark.schemathesis

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "20"))
HARD_TIMEOUT_S = 300  # per pass


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


# Each pass runs with one role's token over the operations that role may call: the platform
# admin's over every operation (so the volunteer's and merchant's are also tried by a caller
# they must refuse), then the volunteer's and the merchant's over theirs.
VOLUNTEER_OPS = ["getMe", "scan", "claimCoupon", "getCouponCode", "getCardCode", "listNeeds", "signUpForNeed"]
MERCHANT_OPS = ["getMe", "verifyCode", "redeemCoupon", "createOffer"]


def _seed(db):
    """A unit with an admin, a post, a volunteer with hours and a coupon, a merchant with an
    offer and last month's bulletins: small ids that generated requests will sometimes name."""
    from app.services import logins, posts
    from app.services.bulletins.snapshots import generate_bulletins
    from app.services.incentives.coupons import claim_coupon
    from app.services.incentives.merchants import create_merchant, create_merchant_account
    from app.services.incentives.offers import OfferInput, create_offer
    from app.services.months import Month
    admin = f.platform_admin()
    unit = f.unit(admin=admin)
    f.unit_admin(unit)
    posts.create_post(unit.id, posts.PostInput(name="图书馆服务岗"), by=None)
    volunteer = f.volunteer(unit)
    f.give_hours(volunteer, 30)
    merchant = create_merchant(name="好味餐厅", by=admin, approved=True)
    shop = create_merchant_account(merchant, username="shop-st", password=f.PASSWORD, name="店员", by=admin)
    offer = create_offer(merchant, OfferInput(title="九折", min_star=0), by=admin)
    db.session.flush()
    claim_coupon(volunteer, offer)
    generate_bulletins(Month.current().previous(), by=admin)
    tokens = {user: logins.create_token(user.username, f.PASSWORD)[0] for user in (admin, volunteer.user, shop)}
    db.session.commit()
    return [(tokens[admin], None), (tokens[volunteer.user], VOLUNTEER_OPS), (tokens[shop], MERCHANT_OPS)]


def _run(live_server: str, token: str, operations: list[str] | None, workdir: Path) -> tuple[int, str]:
    binary = Path(sys.executable).with_name("schemathesis")
    config = Path(__file__).with_name("schemathesis.toml")
    command = [str(binary), "--config-file", str(config), "run", f"{live_server}/api/v1/openapi.json",
               "--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--workers", "1",
               "--seed", os.environ.get("SCHEMATHESIS_SEED", "1"), "--request-timeout", "20", "--no-color",
               "--generation-database", "none", "-H", f"Authorization: Bearer {token}"]
    if operations:
        command += ["--include-operation-id-regex", "^(" + "|".join(operations) + ")$"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=HARD_TIMEOUT_S, cwd=workdir)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"schemathesis did not finish within {HARD_TIMEOUT_S} s:\n{exc.stdout}")
    return result.returncode, result.stdout + result.stderr


def test_schemathesis_finds_no_failures(app, db, client, live_server, tmp_path):
    passes = _seed(db)
    db.session.remove()  # the server's requests use their own sessions
    spec = client.get("/api/v1/openapi.json").json
    operation_count = sum(1 for item in spec["paths"].values() for op in item.values()
                          if isinstance(op, dict) and "operationId" in op)
    for token, operations in passes:
        returncode, output = _run(live_server, token, operations, tmp_path)
        assert returncode == 0, output[-20000:]
        expected = len(operations) if operations else operation_count
        assert re.search(rf"Selected: {expected}/{operation_count}\s+Tested: {expected}\b", output), output[-3000:]
