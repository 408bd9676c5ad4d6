"""Failed logins: a growing per-name delay instead of a lock anyone could trigger, the same
answers for unknown and known names, and a list of repeated failures for the platform admin."""
import logging
import re
from datetime import timedelta

from sqlalchemy import func, select

from app.models import LoginFailure
from app.services import logins
from app.services.clock import now
from tests import factories as f


def _fail(client, username, n, password="wrong-password"):
    for _ in range(n):
        response = f.post_form(client, "/login", {"username": username, "password": password})
        assert response.status_code == 200 and "用户名或密码错误" in response.get_data(as_text=True)


def _age_failures(db, seconds):
    for failure in db.session.scalars(select(LoginFailure)):
        failure.at -= timedelta(seconds=seconds)
    db.session.commit()


def _error_text(response) -> str:
    return re.sub(r"\s+", " ", re.search(r'class="invalid-feedback[^"]*"[^>]*>(.*?)<', response.get_data(as_text=True),
                                         re.S).group(1)).strip()


def _digits_out(text: str) -> str:
    return re.sub(r"\d+", "N", text)


def test_unknown_and_known_names_get_the_same_answers_and_the_same_delay(client, db):
    f.platform_admin("boss")
    _fail(client, "boss", logins.FREE_FAILURES)
    _fail(client, "ghost", logins.FREE_FAILURES)
    assert db.session.scalar(select(func.count(LoginFailure.id))) == 2 * logins.FREE_FAILURES  # kept
    at = now()  # four more failures each, just now: both names wait 2^4 = 16 s, however slow this runs
    db.session.add_all([LoginFailure(username=name, at=at) for name in ("boss", "ghost") for _ in range(4)])
    db.session.commit()
    known = f.post_form(client, "/login", {"username": "boss", "password": f.PASSWORD})
    unknown = f.post_form(client, "/login", {"username": "ghost", "password": "wrong-password"})
    assert known.status_code == unknown.status_code == 429
    assert abs(int(known.headers["Retry-After"]) - int(unknown.headers["Retry-After"])) <= 1
    assert 10 <= int(known.headers["Retry-After"]) <= 16
    assert _digits_out(_error_text(known)) == _digits_out(_error_text(unknown))
    assert "秒后再试" in _error_text(known)
    api_known = client.post("/api/v1/tokens", json={"username": "boss", "password": "x"})
    api_unknown = client.post("/api/v1/tokens", json={"username": "ghost", "password": "x"})
    assert api_known.status_code == api_unknown.status_code == 429
    assert _digits_out(str(api_known.json)) == _digits_out(str(api_unknown.json))
    assert api_known.json["error"]["code"] == "rate_limited" and "Retry-After" in api_unknown.headers
    # below the throttle, unknown and wrong answer alike too
    _age_failures(db, 3600)
    a = client.post("/api/v1/tokens", json={"username": "boss", "password": "x"})
    b = client.post("/api/v1/tokens", json={"username": "ghost", "password": "x"})
    assert a.status_code == b.status_code == 401 and a.json == b.json


def test_the_right_password_waits_out_the_short_delay_then_logs_in(client, db):
    f.platform_admin("boss")
    _fail(client, "boss", logins.FREE_FAILURES)
    _age_failures(db, 2)
    _fail(client, "boss", 1)  # after the delay, one more try is checked (and fails)
    db.session.add_all([LoginFailure(username="boss", at=now()) for _ in range(3)])  # 9: wait 16 s
    db.session.commit()
    refused = f.post_form(client, "/login", {"username": "boss", "password": f.PASSWORD})
    assert refused.status_code == 429  # even the right password: guessing gains nothing
    assert client.post("/api/v1/tokens", json={"username": "boss", "password": f.PASSWORD}).status_code == 429
    _age_failures(db, 20)
    f.login(client, "boss")


def _fail_by_service(db, name, n, at):
    for i in range(n):
        db.session.add(LoginFailure(username=name, ip="203.0.113.9", at=at - timedelta(seconds=n - i)))
    db.session.commit()


def test_the_delay_grows_and_is_capped_so_nobody_locks_the_owner_out(app, db):
    f.platform_admin("boss")
    at = now()
    assert logins.login_delay("boss", at) == 0
    _fail_by_service(db, "boss", logins.FREE_FAILURES, at)
    assert logins.login_delay("boss", at) == 0   # the last failure was 1 s ago, delay 1 s
    _fail_by_service(db, "boss", 3, at)             # 8 failures: 2^3 = 8 s after the last
    assert logins.login_delay("boss", at) == 7
    _fail_by_service(db, "boss", 100, at)
    assert logins.login_delay("boss", at) == logins.MAX_DELAY.total_seconds() - 1
    assert logins.login_delay("boss", at + logins.MAX_DELAY) == 0


def test_repeated_failures_are_logged_without_passwords_and_listed_for_the_platform_admin(client, db, caplog):
    boss = f.platform_admin("boss")
    unit_admin = f.unit_admin()
    with caplog.at_level(logging.WARNING, logger="app.services.logins"):
        _fail(client, "boss", logins.FREE_FAILURES, password="Tr0ub4dor&3-secret")
        _fail(client, "nobody-here", logins.FREE_FAILURES, password="Tr0ub4dor&3-secret")
    logged = [r.getMessage() for r in caplog.records if "repeated login failures" in r.getMessage()]
    assert any("5 in the last hour" in m and "'boss'" in m for m in logged)
    assert not any("6 in the last hour" in m for m in logged)
    assert all("Tr0ub4dor" not in r.getMessage() for r in caplog.records)
    _age_failures(db, 3600)  # the delay is over; the list still shows the day's failures
    f.login(client, boss)
    card = client.get("/admin/").get_data(as_text=True)
    card = card[card.index('id="login-failures"'):]
    assert "boss" in card and "nobody-here" in card and "127.0.0.1" in card and "无此账号" in card
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/admin/")})
    f.login(client, unit_admin)
    assert 'id="login-failures"' not in client.get("/admin/").get_data(as_text=True)


def test_old_failures_are_pruned_by_the_scheduler(app, db):
    from app.jobs import JOBS_BY_NAME
    from app.scheduling import runs
    at = now()
    db.session.add_all([LoginFailure(username="old", at=at - timedelta(days=31)),
                        LoginFailure(username="recent", at=at - timedelta(days=2))])
    db.session.commit()
    run = runs.execute(JOBS_BY_NAME["prune_login_failures"], at)
    assert run.status == "ok" and run.counts == {"pruned": 1}
    assert db.session.scalars(select(LoginFailure.username)).all() == ["recent"]
