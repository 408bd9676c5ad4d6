"""Check-in and check-out at posts: the scan rules, geofence, caps, forgotten sessions, races."""
import io
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import ServiceRecord, Volunteer
from app.services import attendance, ledger, posters, posts
from app.services.clock import now
from app.services.errors import CodeExpired, CodeInvalid, Conflict
from tests import factories as f

SHANGHAI = (31.2304, 121.4737)


def make_post(unit, **settings):
    data = posts.PostInput(name=settings.pop("name", "图书馆服务岗"), address="中山路1号", **settings)
    post = posts.create_post(unit.id, data, by=None)
    _db.session.commit()
    return post


@pytest.fixture
def unit(db):
    return f.unit("阳光社区")


def test_scan_checks_in_then_out_and_counts_after_approval(unit):
    volunteer = f.volunteer(unit)
    post = make_post(unit)
    url = posts.scan_url(post)
    t0 = now() - timedelta(hours=3)
    first = attendance.scan(volunteer, url, at=t0)
    assert first.action == "check_in" and first.record.status == "open"
    second = attendance.scan(volunteer, url, at=t0 + timedelta(hours=2, minutes=30))
    assert second.action == "check_out" and second.record.id == first.record.id
    assert second.record.status == "pending" and second.record.seconds == 2.5 * 3600
    assert volunteer.approved_seconds == 0          # pending records do not count
    ledger.approve(second.record, by=None)
    _db.session.commit()
    assert volunteer.hours == 2.5
    assert ledger.ledger_mismatches() == []


def test_auto_approve_post_counts_at_once_unless_flagged(unit):
    volunteer = f.volunteer(unit)
    post = make_post(unit, auto_approve=True, max_minutes=120)
    t0 = now() - timedelta(hours=5)
    attendance.scan(volunteer, posts.scan_url(post), at=t0)
    done = attendance.scan(volunteer, posts.scan_url(post), at=t0 + timedelta(hours=1))
    assert done.record.status == "approved" and volunteer.hours == 1
    # too long: capped at the maximum, flagged, and left for a person to review
    attendance.scan(volunteer, posts.scan_url(post), at=t0 + timedelta(hours=1, minutes=5))
    capped = attendance.scan(volunteer, posts.scan_url(post), at=t0 + timedelta(hours=4, minutes=5))
    assert capped.record.seconds == 2 * 3600 and "capped" in capped.record.flag_list
    assert capped.record.status == "pending"


def test_a_repeated_scan_within_a_minute_is_not_a_check_out(unit):
    volunteer = f.volunteer(unit)
    post = make_post(unit)
    t0 = now() - timedelta(hours=1)
    first = attendance.scan(volunteer, posts.scan_url(post), at=t0)
    again = attendance.scan(volunteer, posts.scan_url(post), at=t0 + timedelta(seconds=59))
    assert again.action == "check_in" and again.record.id == first.record.id and again.record.status == "open"
    assert attendance.scan(volunteer, posts.scan_url(post), at=t0 + timedelta(seconds=61)).action == "check_out"


def test_a_check_out_pressed_within_a_minute_says_why_and_keeps_the_session(unit):
    volunteer = f.volunteer(unit)
    post = make_post(unit)
    t0 = now() - timedelta(hours=1)
    first = attendance.scan(volunteer, posts.scan_url(post), at=t0)
    with pytest.raises(attendance.TooSoonToCheckOut) as refused:
        attendance.scan(volunteer, posts.scan_url(post), at=t0 + timedelta(seconds=40), intent="check_out")
    assert refused.value.message == "刚签到不足1分钟，请稍后再签退" and refused.value.seconds_left == 20
    assert first.record.status == "open"
    # a repeated 签到 tap is still answered with the open session, and after a minute 签退 works
    again = attendance.scan(volunteer, posts.scan_url(post), at=t0 + timedelta(seconds=41), intent="check_in")
    assert again.action == "check_in" and again.record.id == first.record.id
    done = attendance.scan(volunteer, posts.scan_url(post), at=t0 + timedelta(seconds=60), intent="check_out")
    assert done.action == "check_out" and done.record.status == "pending"


def test_below_the_minimum_counts_zero(unit):
    volunteer = f.volunteer(unit)
    post = make_post(unit, min_minutes=15)
    t0 = now() - timedelta(hours=1)
    attendance.scan(volunteer, posts.scan_url(post), at=t0)
    short = attendance.scan(volunteer, posts.scan_url(post), at=t0 + timedelta(minutes=14, seconds=59))
    assert short.record.seconds == 0 and short.record.flag_list == ["below_min"]


def test_open_session_at_another_post_is_a_clear_choice(unit):
    volunteer = f.volunteer(unit)
    library, park = make_post(unit, name="图书馆"), make_post(unit, name="公园")
    attendance.scan(volunteer, posts.scan_url(library), at=now() - timedelta(hours=1))
    with pytest.raises(attendance.OpenElsewhere) as refused:
        attendance.scan(volunteer, posts.scan_url(park))
    assert "图书馆" in refused.value.message
    record = attendance.check_out_elsewhere(volunteer)
    assert record.post_id == library.id and record.status == "pending"
    assert attendance.scan(volunteer, posts.scan_url(park)).action == "check_in"


@pytest.mark.parametrize("metres, mode, outcome", [
    (99, "refuse", "ok"), (101, "refuse", "refused"), (101, "flag", "flagged"), (None, "refuse", "refused"),
])
def test_geofence_edges(unit, metres, mode, outcome):
    volunteer = f.volunteer(unit)
    post = make_post(unit, lat=SHANGHAI[0], lng=SHANGHAI[1], radius_m=100, geofence_mode=mode)
    position = (None, None)
    if metres is not None:  # due north of the post by `metres`
        position = (SHANGHAI[0] + metres / 111_195, SHANGHAI[1])
        assert abs(attendance.distance_m(*SHANGHAI, *position) - metres) < 0.5
    if outcome == "refused":
        with pytest.raises(attendance.OutsideFence):
            attendance.scan(volunteer, posts.scan_url(post), lat=position[0], lng=position[1])
        assert _db.session.scalar(select(func.count(ServiceRecord.id))) == 0
    else:
        record = attendance.scan(volunteer, posts.scan_url(post), lat=position[0], lng=position[1]).record
        assert ("outside_fence" in record.flag_list) == (outcome == "flagged")


def test_tampered_rotated_disabled_and_expired_codes_are_refused(app, unit):
    volunteer = f.volunteer(unit)
    post = make_post(unit)
    old = posts.scan_url(post)
    with pytest.raises(CodeInvalid):
        attendance.scan(volunteer, old[:-3] + "abc")
    posts.rotate_code(post, by=None)
    with pytest.raises(CodeInvalid, match="此服务岗二维码已更换，请扫描现场最新二维码"):
        attendance.scan(volunteer, old)
    new = posts.scan_url(post)
    posts.set_active(post, False, by=None)
    with pytest.raises(CodeInvalid):
        attendance.scan(volunteer, new)
    posts.set_active(post, True, by=None)
    kiosk, expires = posts.kiosk_code(post)
    assert expires - now() <= timedelta(seconds=app.config["KIOSK_CODE_SECONDS"])
    assert attendance.scan(volunteer, kiosk).action == "check_in"
    app.config["KIOSK_CODE_SECONDS"] = -1
    with pytest.raises(CodeExpired):
        attendance.scan(volunteer, kiosk)


def test_poster_png_decodes_to_the_scan_url(unit):
    post = make_post(unit, name="人民公园志愿服务岗")
    image = Image.open(io.BytesIO(posters.poster_png(post)))
    assert image.size == posters.A4_PX
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [posts.scan_url(post)]


def test_poster_pdf_has_the_name_in_chinese(unit):
    from pypdf import PdfReader
    post = make_post(unit, name="人民公园志愿服务岗")
    text = PdfReader(io.BytesIO(posters.poster_pdf(post))).pages[0].extract_text()
    assert "人民公园志愿服务岗" in text and "阳光社区" in text
    sheet = PdfReader(io.BytesIO(posters.sheet_pdf([post, make_post(unit, name="二号岗")], unit.name)))
    assert len(sheet.pages) == 2


def test_forgotten_sessions_close_at_the_post_limit_and_wait_for_review(unit):
    volunteer, other = f.volunteer(unit), f.volunteer(unit, name="李四")
    post = make_post(unit, max_minutes=240, auto_approve=True)
    started = now() - timedelta(hours=5)
    attendance.scan(volunteer, posts.scan_url(post), at=started)
    attendance.scan(other, posts.scan_url(post), at=now() - timedelta(hours=1))
    _db.session.commit()
    assert attendance.close_forgotten_sessions(now()) == 1
    record = _db.session.scalar(select(ServiceRecord).where(ServiceRecord.volunteer_id == volunteer.id))
    assert record.ended_at == started + timedelta(hours=4) and record.seconds == 4 * 3600
    assert record.status == "pending" and "auto_closed" in record.flag_list
    assert ledger.open_session(other.id) is not None
    assert attendance.close_forgotten_sessions(now()) == 0


def test_check_in_inside_an_existing_record_is_refused(unit):
    volunteer = f.volunteer(unit)
    post = make_post(unit)
    f.give_hours(volunteer, 2, end=now() - timedelta(minutes=30))
    with pytest.raises(Conflict):
        attendance.scan(volunteer, posts.scan_url(post), at=now() - timedelta(hours=1))


@pytest.mark.race
def test_racing_double_taps_open_one_session(race, unit):
    volunteer = f.volunteer(unit)
    post = make_post(unit)
    url, volunteer_id = posts.scan_url(post), volunteer.id

    def tap(_i):
        result = attendance.scan(_db.session.get(Volunteer, volunteer_id), url)
        return result.action, result.record.id

    outcomes = race(8, tap)
    open_records = _db.session.scalar(select(func.count(ServiceRecord.id)).where(
        ServiceRecord.volunteer_id == volunteer_id, ServiceRecord.status == "open"))
    all_records = _db.session.scalar(select(func.count(ServiceRecord.id)))
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert all_records == 1 and open_records == 1
    # every tap was answered with the one open session
    assert {o for o in outcomes} == {("check_in", outcomes[0][1])}


@pytest.mark.parametrize("hour, minute, allowed", [(8, 59, False), (9, 0, True), (17, 30, True), (17, 31, False)])
def test_check_in_only_within_opening_hours(unit, hour, minute, allowed):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo
    volunteer = f.volunteer(unit)
    post = make_post(unit, open_from=time(9, 0), open_until=time(17, 30))
    at = datetime(2026, 11, 2, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai"))
    if allowed:
        assert attendance.scan(volunteer, posts.scan_url(post), at=at).action == "check_in"
    else:
        with pytest.raises(Conflict, match="开放时间"):
            attendance.scan(volunteer, posts.scan_url(post), at=at)


def card_code(volunteer) -> str:
    from app.services import qr
    return qr.make_url("card", {"v": volunteer.id})[0]


def test_kiosk_card_reading_needs_no_phone_position_at_a_fenced_post(app, unit):
    volunteer, admin = f.volunteer(unit), f.unit_admin(unit, "kioskadmin")
    post = make_post(unit, lat=SHANGHAI[0], lng=SHANGHAI[1], radius_m=100, geofence_mode="refuse")
    t0 = now() - timedelta(hours=2)
    first = attendance.kiosk_card_scan(post, card_code(volunteer), by=admin, at=t0)
    assert first.action == "check_in" and first.record.source == "kiosk" and first.record.flag_list == []
    # a USB scanner may type only the token, not the whole URL
    token = card_code(volunteer).rsplit("/", 1)[1]
    done = attendance.kiosk_card_scan(post, token, by=admin, at=t0 + timedelta(hours=1))
    assert done.action == "check_out" and done.record.seconds == 3600 and done.record.flag_list == []
    assert done.record.created_by_id == admin.id


def test_kiosk_card_reading_refuses_expired_tampered_and_foreign_codes(app, unit):
    volunteer, admin = f.volunteer(unit), f.unit_admin(unit, "kioskadmin")
    post = make_post(unit)
    code = card_code(volunteer)
    with pytest.raises(CodeInvalid):
        attendance.kiosk_card_scan(post, code[:-2] + ("AA" if not code.endswith("AA") else "BB"), by=admin)
    with pytest.raises(CodeInvalid):  # a poster is not a volunteer card
        attendance.kiosk_card_scan(post, posts.scan_url(post), by=admin)
    app.config["CARD_CODE_SECONDS"] = -1
    with pytest.raises(CodeExpired):
        attendance.kiosk_card_scan(post, code, by=admin)
    assert _db.session.scalar(select(func.count(ServiceRecord.id))) == 0


def test_a_tampered_kiosk_screen_code_is_refused(unit):
    volunteer = f.volunteer(unit)
    post = make_post(unit)
    kiosk, _expires = posts.kiosk_code(post)
    with pytest.raises(CodeInvalid):
        attendance.scan(volunteer, kiosk[:-3] + ("xyz" if not kiosk.endswith("xyz") else "abc"))
    posts.rotate_code(post, by=None)  # rotating retires the screen's code too
    with pytest.raises(CodeInvalid, match="停用") as refused:
        attendance.scan(volunteer, kiosk)
    assert refused.value.code == "code_invalid"


def test_check_out_outside_a_refusing_fence_is_refused_and_the_session_stays_open(unit):
    volunteer = f.volunteer(unit)
    post = make_post(unit, lat=SHANGHAI[0], lng=SHANGHAI[1], radius_m=100, geofence_mode="refuse")
    t0 = now() - timedelta(hours=2)
    attendance.scan(volunteer, posts.scan_url(post), lat=SHANGHAI[0], lng=SHANGHAI[1], at=t0)
    far = SHANGHAI[0] + 500 / 111_195
    with pytest.raises(attendance.OutsideFence):
        attendance.scan(volunteer, posts.scan_url(post), lat=far, lng=SHANGHAI[1], at=t0 + timedelta(hours=1))
    assert ledger.open_session(volunteer.id) is not None
    done = attendance.scan(volunteer, posts.scan_url(post), lat=SHANGHAI[0], lng=SHANGHAI[1],
                           at=t0 + timedelta(hours=1))
    assert done.action == "check_out" and done.record.flag_list == []


def test_checking_out_from_another_post_flags_a_fenced_post_instead_of_refusing(unit):
    volunteer = f.volunteer(unit)
    fenced = make_post(unit, name="图书馆", lat=SHANGHAI[0], lng=SHANGHAI[1], radius_m=100,
                       geofence_mode="refuse", auto_approve=True)
    park = make_post(unit, name="公园")
    attendance.scan(volunteer, posts.scan_url(fenced), lat=SHANGHAI[0], lng=SHANGHAI[1],
                    at=now() - timedelta(hours=2))
    elsewhere = SHANGHAI[0] + 3000 / 111_195  # standing at the park, 3 km away
    record = attendance.check_out_elsewhere(volunteer, lat=elsewhere, lng=SHANGHAI[1])
    assert "outside_fence" in record.flag_list and record.status == "pending"  # a person reviews it
    assert volunteer.approved_seconds == 0
    assert attendance.scan(volunteer, posts.scan_url(park)).action == "check_in"



def test_switching_posts_checks_out_there_and_in_here_in_one_step(unit):
    volunteer = f.volunteer(unit)
    library = make_post(unit, name="图书馆")
    park = make_post(unit, name="公园", lat=SHANGHAI[0], lng=SHANGHAI[1], radius_m=100, geofence_mode="refuse")
    started = now() - timedelta(hours=2)
    attendance.scan(volunteer, posts.scan_url(library), at=started)
    _db.session.commit()
    # refused here (no position at a fenced post): the session there stays open, untouched
    with pytest.raises(attendance.OutsideFence):
        attendance.switch_post(volunteer, posts.scan_url(park))
    _db.session.rollback()
    assert ledger.open_session(volunteer.id).post_id == library.id
    moved = attendance.switch_post(volunteer, posts.scan_url(park), lat=SHANGHAI[0], lng=SHANGHAI[1])
    assert moved.action == "check_in" and moved.record.post_id == park.id
    earlier = _db.session.scalar(select(ServiceRecord).where(ServiceRecord.post_id == library.id))
    assert earlier.status == "pending" and earlier.ended_at == moved.record.started_at
    assert earlier.seconds == pytest.approx(2 * 3600, abs=5)
