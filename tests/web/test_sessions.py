"""Portal sessions end on the server: staff after 30 minutes idle or 12 hours in all,
volunteers after 30 days; logout and "sign out everywhere" end them for real."""
from datetime import timedelta

from sqlalchemy import select, update

from app.models import LoginSession
from app.services.clock import now
from tests import factories as f


def _age(db, *, created: timedelta = timedelta(0), seen: timedelta = timedelta(0)):
    at = now()
    db.session.execute(update(LoginSession).values(created_at=at - created, last_seen_at=at - seen))
    db.session.commit()


def test_staff_sessions_end_after_thirty_idle_minutes(client, db):
    f.login(client, f.unit_admin())
    _age(db, created=timedelta(minutes=40), seen=timedelta(minutes=29))
    assert client.get("/admin/").status_code == 200  # used 29 minutes ago: still on, and noted
    assert now() - db.session.scalar(select(LoginSession.last_seen_at)) < timedelta(minutes=1)
    _age(db, created=timedelta(minutes=40), seen=timedelta(minutes=31))
    assert client.get("/admin/").status_code == 302


def test_staff_sessions_end_after_twelve_hours_however_busy(client, db):
    f.login(client, f.merchant_user())
    assert client.get("/merchant/").status_code != 302
    _age(db, created=timedelta(hours=12, minutes=1), seen=timedelta(minutes=1))
    assert client.get("/merchant/").status_code == 302


def test_volunteers_stay_signed_in_up_to_thirty_days(client, db):
    volunteer = f.volunteer()
    response = f.login(client, volunteer.user)
    assert "Expires=" in response.headers["Set-Cookie"]  # the phone keeps the cookie
    _age(db, created=timedelta(days=29), seen=timedelta(days=3))
    assert client.get("/me/").status_code == 200
    _age(db, created=timedelta(days=30, minutes=1), seen=timedelta(minutes=1))
    assert client.get("/me/").status_code == 302


def test_staff_cookies_end_with_the_browser(client, db):
    response = f.login(client, f.platform_admin())
    assert "Expires=" not in response.headers["Set-Cookie"]
