"""忘记密码: by a texted code when texts can be sent (here the logging sender, switched on
with RESET_BY_SMS), otherwise by the unit admin face to face; no answer tells whether a
phone is registered, and both doors are rate-limited."""
import logging
import re
import uuid

import pytest

from app.extensions import db as _db
from tests import factories as f


def texted_code(caplog) -> str:
    lines = [r.getMessage() for r in caplog.records if r.name == "app.sms"]
    assert lines, "no text message was sent"
    return re.search(r"验证码是 (\d{6})", lines[-1]).group(1)


def test_without_texts_the_page_sends_the_volunteer_to_the_unit_admin(client, db):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)
    page = client.get("/password/forgot").get_data(as_text=True)
    assert 'id="reset-by-admin"' in page and "当面核验" in page and 'name="phone"' not in page
    assert client.get("/password/reset").headers["Location"].endswith("/password/forgot")


def test_a_texted_code_resets_the_password_once_and_unknown_phones_look_the_same(app, client, db, caplog):
    app.config["RESET_BY_SMS"] = True
    volunteer = f.volunteer(name="王小明")
    phone = volunteer.user.username
    other = app.test_client()
    f.login(other, phone)  # a session elsewhere, which the reset ends
    with caplog.at_level(logging.INFO, logger="app.sms"):
        known = f.post_form(client, "/password/forgot", {"phone": phone})
        code = texted_code(caplog)
        caplog.clear()
        unknown = f.post_form(client, "/password/forgot", {"phone": "13999999999"})
        assert not [r for r in caplog.records if r.name == "app.sms"]  # nothing texted, nothing said
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/password/reset"
    assert phone not in " ".join(r.getMessage() for r in caplog.records)  # the log masks the number

    reset = {"phone": phone, "code": "000000" if code != "000000" else "111111",
             "password": "brand-new-pass-9", "confirm": "brand-new-pass-9"}
    wrong = f.post_form(client, "/password/reset", reset)
    assert wrong.status_code == 200 and "验证码不正确或已过期" in wrong.get_data(as_text=True)
    stranger = f.post_form(client, "/password/reset", dict(reset, phone="13999999999", code=code))
    assert "验证码不正确或已过期" in stranger.get_data(as_text=True)  # same words for an unknown phone
    done = f.post_form(client, "/password/reset", dict(reset, code=code))
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    f.login(client, phone, "brand-new-pass-9")
    assert other.get("/me/").status_code in (302, 401)  # the other session ended
    _db.session.expire_all()
    again = f.post_form(app.test_client(), "/password/reset", dict(reset, code=code, password="another-pass-77",
                                                                    confirm="another-pass-77"))
    assert "验证码不正确或已过期" in again.get_data(as_text=True)  # a code works once


class TestLimits:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", "RESET_BY_SMS": True,
                "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"vs-test-{uuid.uuid4().hex}"},
                "RATE_LIMITS": {"password_forgot_per_ip": "50/hour", "password_forgot_per_account": "3/hour"}}

    def test_codes_for_one_phone_are_limited(self, client, db):
        phone = f.volunteer().user.username
        for _ in range(3):
            assert f.post_form(client, "/password/forgot", {"phone": phone}).status_code == 302
        limited = f.post_form(client, "/password/forgot", {"phone": phone})
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        guesses = f.post_form(client, "/password/reset", {"phone": phone, "code": "123456",
                                                          "password": "brand-new-pass-9",
                                                          "confirm": "brand-new-pass-9"})
        assert guesses.status_code == 429
