"""The hot doors' SQL: a check-in, a check-out, a counter's verify and redeem each run a fixed,
small number of statements (a ceiling: a regression that adds round trips fails here), and
the rules they skip reading when nothing asks for them still hold when something does."""
import secrets
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, func, select

from app.extensions import db as _db
from app.models import ApiToken, AuditEntry, ServiceRecord
from app.services import ledger, login_sessions, posts, qr
from app.services.clock import now
from app.services.incentives import coupons, merchants, offers
from tests import factories as f

# The statements of one request, as gunicorn serves it (a fresh session; BEGIN not counted:
# PostgreSQL's driver sends it without a statement of its own).
CHECK_IN = 7  # token+user+volunteer, post, lock+open session, what is on, overlap, insert, audit
CHECK_OUT = 5  # token+user+volunteer, post, lock+open session, update, audit
VERIFY = 5  # token+user+merchant, coupon+holder, offers, claims per period, coupons held here
REDEEM = 3  # token+user+merchant, the redeeming UPDATE … RETURNING, audit


@contextmanager
def statements():
    seen: list[str] = []

    def remember(conn, cursor, statement, params, context, executemany):
        if not statement.lstrip().upper().startswith("BEGIN"):
            seen.append(" ".join(statement.split())[:160])

    _db.session.remove()  # as a new request: nothing cached in the session
    event.listen(_db.engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(_db.engine, "before_cursor_execute", remember)


def token(user_id: int) -> dict:
    """A bearer token as createToken issues it (without the log-in's rate limit)."""
    value = secrets.token_urlsafe(32)
    _db.session.add(ApiToken(user_id=user_id, token_hash=login_sessions.token_digest(value), created_at=now(),
                             expires_at=now() + timedelta(hours=1)))
    _db.session.commit()
    return {"Authorization": f"Bearer {value}"}


def test_check_in_and_check_out_run_a_fixed_handful_of_statements(client, db):
    unit = f.unit()
    post = posts.create_post(unit.id, posts.PostInput(name="图书馆服务岗"), by=None)
    db.session.commit()
    code = posts.scan_url(post)
    # seven volunteers in turn: PostgreSQL's driver prepares a statement from its sixth use on
    people = [token(v.user_id) for v in (f.volunteer(unit) for _ in range(7))]
    for headers in people:
        with statements() as seen:
            response = client.post("/api/v1/scan", headers=headers, json={"code": code})
        assert response.status_code == 200 and response.json["action"] == "check_in", response.json
        assert len(seen) <= CHECK_IN, seen
    for record in db.session.scalars(select(ServiceRecord)):  # half an hour on
        record.started_at -= timedelta(minutes=30)
    db.session.commit()
    for headers in people:
        with statements() as seen:
            response = client.post("/api/v1/scan", headers=headers, json={"code": code})
        assert response.status_code == 200 and response.json["action"] == "check_out", response.json
        assert len(seen) <= CHECK_OUT, seen
    assert db.session.scalar(select(func.count()).where(ServiceRecord.status == "pending")) == 7
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "record.checked_in")) == 7
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "record.checked_out")) == 7


def test_verify_and_redeem_at_the_counter_run_a_fixed_handful_of_statements(client, db):
    volunteer = f.volunteer()
    merchant = merchants.create_merchant(name="书店", by=None, approved=True)
    cashier = merchants.create_merchant_account(merchant, username="till1", password=f.PASSWORD, name="收银",
                                                by=None)
    offer = offers.create_offer(merchant, offers.OfferInput(title="九折", min_star=0, quantity=None,
                                                            per_volunteer_limit=None), by=None)
    db.session.commit()
    coupon_id = coupons.claim_coupon(volunteer, offer).id
    db.session.commit()
    headers = token(cashier.id)
    code = qr.make_url("coupon", {"c": coupon_id})[0]
    with statements() as seen:
        verified = client.post("/api/v1/merchant/verify", headers=headers, json={"code": code})
    assert verified.status_code == 200 and verified.json["coupon"]["redeemable"] is True, verified.json
    assert len(seen) <= VERIFY, seen
    with statements() as seen:
        redeemed = client.post(f"/api/v1/coupons/{coupon_id}/redeem", headers=headers, json={"code": code})
    assert redeemed.status_code == 200 and redeemed.json["status"] == "redeemed", redeemed.json
    assert len(seen) <= REDEEM, seen
    # the rules the short path relies on: once only, an unknown coupon is not found
    again = client.post(f"/api/v1/coupons/{coupon_id}/redeem", headers=headers, json={"code": code})
    assert again.status_code == 409 and again.json["error"]["code"] == "already_redeemed", again.json
    unknown = client.post(f"/api/v1/coupons/{coupon_id + 100}/redeem", headers=headers, json={"code": code})
    assert unknown.status_code == 404, unknown.json
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "coupon.redeemed")) == 1


def test_an_open_session_opened_meanwhile_is_what_the_losing_tap_gets(db):
    """Without the ledger lock (which every door takes), two check-ins still cannot open two
    sessions: the second inserts nothing and is answered with the first."""
    unit = f.unit()
    first_post = posts.create_post(unit.id, posts.PostInput(name="一号岗"), by=None)
    second_post = posts.create_post(unit.id, posts.PostInput(name="二号岗"), by=None)
    volunteer = f.volunteer(unit)
    at = now() - timedelta(minutes=5)
    first = ledger.open_record(volunteer, first_post, at=at, source="scan", by=volunteer.user, flags=[])
    second = ledger.open_record(volunteer, second_post, at=at + timedelta(minutes=1), source="scan",
                                by=volunteer.user, flags=[])
    db.session.commit()
    assert second.id == first.id and second.post_id == first_post.id
    assert db.session.scalar(select(func.count()).select_from(ServiceRecord)) == 1
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "record.checked_in")) == 1


def test_a_check_in_still_marks_the_sign_up_to_an_activity_on_at_the_post(client, db):
    """The one look at the post finds the activity on now, and the check-in then marks the
    volunteer's sign-up attended, as before (shifts: tests/services/test_rosters.py)."""
    from app.models import ActivitySignup

    unit = f.unit()
    admin = f.unit_admin(unit)
    post = posts.create_post(unit.id, posts.PostInput(name="图书馆服务岗"), by=None)
    volunteer = f.volunteer(unit)
    activity, = posts.create_activity(unit.id, posts.ActivityInput(
        title="读书会", kind="service", starts_at=now() - timedelta(minutes=10), ends_at=now() + timedelta(hours=2),
        post_id=post.id), by=admin)
    signup_id = posts.sign_up(volunteer, activity).id
    db.session.commit()
    headers, code = token(volunteer.user_id), posts.scan_url(post)
    with statements() as seen:
        response = client.post("/api/v1/scan", headers=headers, json={"code": code})
    assert response.status_code == 200 and response.json["action"] == "check_in", response.json
    assert len(seen) <= CHECK_IN + 1, seen  # and the one UPDATE of the sign-up
    assert db.session.get(ActivitySignup, signup_id).attended_at is not None
