"""A 14–17-year-old registers and logs in at once, but checks in only once a guardian has
agreed: by the link texted to the guardian's phone, or by a paper form a unit admin records."""
import logging
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.models import AuditEntry, Volunteer
from app.services import attendance, guardians, ledger, posts, qr
from app.services.clock import local_today
from app.services.errors import Forbidden
from tests import factories as f

GUARDIAN_PHONE = "13912345678"


def years_ago(years: int) -> date:
    today = local_today()
    return today.replace(year=today.year - years, day=min(today.day, 28))


@pytest.fixture
def scene(db):
    unit = f.unit("阳光社区")
    post = posts.create_post(unit.id, posts.PostInput(name="图书馆服务岗"), by=None)
    db.session.commit()
    return {"unit": unit, "post": post, "admin": f.unit_admin(unit, "sunadmin"),
            "other_admin": f.unit_admin(f.unit("市民政局"), "mzadmin")}


def register_minor(client, unit, caplog) -> Volunteer:
    data = {"name": "李小龙", "id_number": f.valid_id_number(years_ago(16)), "phone": f.unique_phone(),
            "unit_id": unit.id, "password": "good-pass-123", "confirm": "good-pass-123", "consent": "y",
            "guardian_name": "李大龙", "guardian_phone": GUARDIAN_PHONE}
    with caplog.at_level(logging.INFO, logger="app.sms"):
        response = f.post_form(client, "/register", data)
    assert response.status_code == 302  # registered; the minor then logs in with the phone
    from app.extensions import db
    volunteer = db.session.scalar(select(Volunteer).where(Volunteer.phone == data["phone"]))
    f.login(client, data["phone"], "good-pass-123")
    return volunteer


def texted_link(caplog) -> str:
    lines = [r.getMessage() for r in caplog.records if r.name == "app.sms"]
    assert lines, "no text message was sent"
    assert all(GUARDIAN_PHONE not in line for line in lines)  # the log never holds the full number
    assert "139****5678" in lines[-1]
    return re.search(r"http://vs\.test/guardian/\S+", lines[-1]).group(0)


def path_of(url: str) -> str:
    return url.replace("http://vs.test", "")


def test_a_minor_cannot_check_in_until_the_guardian_agrees_by_the_texted_link(client, db, scene, caplog):
    volunteer = register_minor(client, scene["unit"], caplog)
    link = texted_link(caplog)
    assert volunteer.guardian_consent_at is None and guardians.needs_consent(volunteer)

    home = client.get("/me/").get_data(as_text=True)
    assert "监护人确认同意前暂不能签到" in home and "139****5678" in home
    scan_url = path_of(posts.scan_url(scene["post"]))
    page = client.get(scan_url).get_data(as_text=True)
    assert "监护人确认同意前暂不能签到" in page and 'name="lat"' not in page  # no check-in button
    refused = f.post_form(client, scan_url, {}, token_from="/me/")
    assert refused.status_code == 302 and ledger.open_session(volunteer.id) is None
    assert "监护人确认同意前暂不能签到" in client.get(refused.headers["Location"]).get_data(as_text=True)

    token = f.api_token(client, volunteer.user.username, "good-pass-123")
    assert client.get("/api/v1/me", headers=token).json["guardian_consent"] == "pending"
    api = client.post("/api/v1/scan", headers=token, json={"code": posts.scan_url(scene["post"])})
    assert api.status_code == 403
    assert api.json["error"]["code"] == "guardian_consent_required" and api.json["error"]["message"]
    card = qr.make_url("card", {"v": volunteer.id})[0]
    with pytest.raises(Forbidden):  # a kiosk reading the card refuses too
        attendance.kiosk_card_scan(scene["post"], card, by=scene["admin"])
    db.session.rollback()

    guardian = client.application.test_client()
    shown = guardian.get(path_of(link))
    assert shown.status_code == 200 and "李*龙" in shown.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).guardian_consent_at is None  # GET changes nothing
    agreed = f.post_form(guardian, path_of(link), {})
    assert agreed.status_code == 200 and "现在可以签到" in agreed.get_data(as_text=True)
    assert guardian.get(path_of(link)).status_code == 404  # a link works once
    db.session.expire_all()
    volunteer = db.session.get(Volunteer, volunteer.id)
    assert volunteer.guardian_consent_method == "sms" and not guardians.needs_consent(volunteer)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "volunteer.guardian_consent")
                             ).data["method"] == "sms"

    assert client.get("/api/v1/me", headers=token).json["guardian_consent"] == "given"
    ok = client.post("/api/v1/scan", headers=token, json={"code": posts.scan_url(scene["post"])})
    assert ok.status_code == 200 and ok.json["action"] == "check_in"


def test_a_new_link_retires_the_old_one_and_links_expire(client, db, scene, caplog):
    volunteer = register_minor(client, scene["unit"], caplog)
    first = texted_link(caplog)
    volunteer.guardian_token_sent_at -= timedelta(seconds=guardians.RESEND_SECONDS + 1)
    db.session.commit()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="app.sms"):
        resent = f.post_form(client, "/me/guardian/resend", {}, token_from="/me/")
    assert resent.status_code == 302
    second = texted_link(caplog)
    assert second != first and client.get(path_of(first)).status_code == 404
    again = f.post_form(client, "/me/guardian/resend", {}, token_from="/me/")  # at once: refused, nothing sent
    assert "刚刚发送过" in client.get(again.headers["Location"]).get_data(as_text=True)
    volunteer.guardian_token_sent_at -= timedelta(days=guardians.LINK_DAYS, seconds=1)
    db.session.commit()
    assert client.get(path_of(second)).status_code == 404


def test_the_unit_admin_records_a_signed_paper_consent_with_a_note(client, app, db, scene, caplog):
    volunteer = register_minor(client, scene["unit"], caplog)
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/me/")})
    other = app.test_client()
    f.login(other, scene["other_admin"])
    assert other.get(f"/admin/volunteers/{volunteer.id}").status_code == 404  # another unit's volunteer reads as missing
    denied = f.post_form(other, f"/admin/volunteers/{volunteer.id}/guardian/paper", {"paper-note": "x"},
                         token_from="/admin/volunteers")
    assert denied.status_code == 404

    f.login(client, scene["admin"])
    path = f"/admin/volunteers/{volunteer.id}"
    page = client.get(path).get_data(as_text=True)
    assert "待监护人确认，暂不能签到" in page and "登记纸质监护人同意书" in page
    # without an SMS gateway the admin is shown the link to hand over
    volunteer.guardian_token_sent_at -= timedelta(seconds=guardians.RESEND_SECONDS + 1)
    db.session.commit()
    shown = f.post_form(client, f"{path}/guardian/link", {}, token_from=path)
    link = re.search(r"http://vs\.test/guardian/[\w-]+", shown.get_data(as_text=True)).group(0)
    assert client.application.test_client().get(path_of(link)).status_code == 200

    blank = f.post_form(client, f"{path}/guardian/paper", {"paper-note": ""}, token_from=path)
    assert blank.status_code == 422
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).guardian_consent_at is None
    done = f.post_form(client, f"{path}/guardian/paper", {"paper-note": "2026-11-20签署，存档于社区办公室"},
                       token_from=path)
    assert done.status_code == 302
    db.session.expire_all()
    volunteer = db.session.get(Volunteer, volunteer.id)
    assert volunteer.guardian_consent_method == "paper"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "volunteer.guardian_consent"))
    assert entry.actor_id == scene["admin"].id and entry.data["note"] == "2026-11-20签署，存档于社区办公室"
    assert "纸质同意书" in client.get(path).get_data(as_text=True)
    assert client.get(path_of(link)).status_code == 404  # the outstanding link is retired
    result = attendance.scan(volunteer, posts.scan_url(scene["post"]))
    assert result.action == "check_in"


def test_adults_need_no_guardian_and_a_minor_turning_18_is_free(db, scene):
    adult = f.volunteer(scene["unit"])
    assert guardians.consent_state(adult) is None and not guardians.needs_consent(adult)
    minor = f.volunteer(scene["unit"], birth=years_ago(17), guardian_name="王大", guardian_phone="13911112222")
    assert guardians.consent_state(minor) == "pending"
    assert not guardians.needs_consent(minor, today=local_today().replace(year=local_today().year + 1))
