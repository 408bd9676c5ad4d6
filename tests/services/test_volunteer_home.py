from datetime import datetime, timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.models import Activity, ActivitySignup, ServiceRecord
from app.services import ledger, qr, volunteer_home
from app.services.clock import now, parse_local
from app.services.errors import CodeExpired, CodeInvalid
from tests import factories as f


def record(volunteer, start_local: str, hours: float, status="approved"):
    start = parse_local(start_local)
    return ledger.create_record(volunteer, started_at=start, ended_at=start + timedelta(hours=hours),
                                by=None, status=status)


@pytest.fixture
def history(db):
    """Records placed around month and year boundaries of Asia/Shanghai (UTC+8)."""
    volunteer = f.volunteer()
    record(volunteer, "2025-03-01T00:30", 1)        # March locally, still February in UTC
    record(volunteer, "2025-02-28T23:00", 0.5)      # February
    record(volunteer, "2025-01-01T07:00", 0.25)     # 2025 locally, 2024-12-31 in UTC
    record(volunteer, "2024-12-31T23:00", 0.5)      # 2024
    record(volunteer, "2025-03-10T09:00", 3, status="pending")  # not counted
    record(volunteer, "2025-04-01T00:30", 2)        # April
    db.session.commit()
    return volunteer


def test_month_and_year_hours_are_counted_in_the_deployment_zone(history):
    at = parse_local("2025-03-15T12:00")
    assert volunteer_home.period_hours(history.id, at=at) == (1.0, 1.0 + 0.5 + 0.25 + 2)
    at_new_year = parse_local("2025-01-01T08:00")
    assert volunteer_home.period_hours(history.id, at=at_new_year) == (0.25, 0.25 + 0.5 + 1 + 2)


def test_hours_by_month_in_one_grouped_query(history, db):
    months = ["2024-12", "2025-01", "2025-02", "2025-03", "2025-04", "2025-05"]
    assert volunteer_home.hours_by_month(history.id, months) == [
        ("2024-12", 0.5), ("2025-01", 0.25), ("2025-02", 0.5), ("2025-03", 1.0), ("2025-04", 2.0), ("2025-05", 0.0)]




def test_last_months(app):
    assert volunteer_home.last_months(3, at=parse_local("2025-01-01T00:10")) == ["2024-11", "2024-12", "2025-01"]
    # 2024-12-31 16:30 UTC is already January in Shanghai.
    assert volunteer_home.last_months(1, at=datetime.fromisoformat("2024-12-31T16:30+00:00")) == ["2025-01"]
    assert len(volunteer_home.last_months(12)) == 12


def test_home_figures(db):
    unit = f.unit()
    volunteer = f.volunteer(unit)
    f.give_hours(volunteer, 150)
    pending_end = now() - timedelta(days=200)
    ledger.create_record(volunteer, started_at=pending_end - timedelta(hours=2), ended_at=pending_end,
                         by=None, status="pending")
    db.session.commit()
    home = volunteer_home.home(volunteer)
    assert home.total_hours == 150
    assert home.progress["next_level"] == 2 and home.progress["percent"] == 25
    assert len(home.by_month) == 12
    assert sum(h for _, h in home.by_month) == 150  # give_hours keeps within the last ~7 days
    assert home.by_month[-1][1] + home.by_month[-2][1] == 150
    assert len(home.recent_records) == volunteer_home.RECENT_RECORDS
    assert home.recent_records[0].started_at >= home.recent_records[-1].started_at
    assert home.star_message == "恭喜！您已成为1星志愿者。"


def test_upcoming_activities_signed_up_first_then_own_unit(db):
    unit, other = f.unit(), f.unit()
    volunteer = f.volunteer(unit)
    t = now()

    def activity(unit_obj, title, start, hours=2, cancelled=False):
        a = Activity(unit_id=unit_obj.id, title=title, starts_at=t + start, ends_at=t + start + timedelta(hours=hours),
                     is_cancelled=cancelled)
        db.session.add(a)
        db.session.flush()
        return a

    own_soon = activity(unit, "本单位活动", timedelta(days=1))
    activity(unit, "已取消", timedelta(days=2), cancelled=True)
    activity(unit, "已结束", -timedelta(days=2))
    running = activity(unit, "进行中", -timedelta(hours=1))
    signed_other = activity(other, "外单位已报名", timedelta(days=5))
    activity(other, "外单位未报名", timedelta(days=1))
    db.session.add(ActivitySignup(activity_id=signed_other.id, volunteer_id=volunteer.id))
    db.session.commit()
    got = volunteer_home.upcoming_activities(volunteer)
    assert [(a.title, s) for a, s in got] == [("外单位已报名", True), ("进行中", False), ("本单位活动", False)]
    assert own_soon.id in {a.id for a, _ in got} and running.id in {a.id for a, _ in got}


def test_card_code_is_signed_short_lived_and_carries_no_personal_data(app, db):
    volunteer = f.volunteer(name="李四")
    code, expires = volunteer_home.card_code(volunteer)
    assert code.startswith("http://vs.test/c/")
    assert timedelta(seconds=290) < expires - now() <= timedelta(seconds=300)
    assert volunteer_home.volunteer_for_card(code).id == volunteer.id
    token = qr.token_from_code(code, "card")
    assert qr.read_token("card", token) == {"v": volunteer.id}
    for secret in (volunteer.phone, volunteer.volunteer_no, volunteer.id_number_masked[:6]):
        assert secret not in code

    class IssuedLongAgo(TimestampSigner):
        def get_timestamp(self):
            return int(now().timestamp()) - app.config["CARD_CODE_SECONDS"] - 5

    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="vs-qr-card", signer=IssuedLongAgo)
    stale = f"http://vs.test/c/{old.dumps({'v': volunteer.id})}"
    fresh = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="vs-qr-card").dumps({"v": volunteer.id})
    assert volunteer_home.volunteer_for_card(fresh).id == volunteer.id  # same signing as the app's
    with pytest.raises(CodeExpired):
        volunteer_home.volunteer_for_card(stale)
    with pytest.raises(CodeInvalid):
        volunteer_home.volunteer_for_card(code[:-3] + ("abc" if not code.endswith("abc") else "xyz"))
    with pytest.raises(CodeInvalid):  # a coupon-kind token is not a card
        volunteer_home.volunteer_for_card(qr.make_url("coupon", {"v": volunteer.id})[0].replace("/q/", "/c/"))
    assert db.session.scalar(select(func.count()).select_from(ServiceRecord)) == 0
