"""Registering a unit's volunteers from its own roster: IDs validated, minors' rules,
duplicates reported (not merged), all or nothing, and no password: each volunteer activates
the account by phone on first login."""
from __future__ import annotations

import io
import logging
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, User, Volunteer
from app.services import activation
from app.services.clock import local_today
from tests import factories as f


@pytest.fixture
def scene(db):
    unit = f.unit("阳光社区")
    return {"unit": unit, "admin": f.unit_admin(unit), "known": f.volunteer(unit, name="老张")}


def roster(rows) -> bytes:
    lines = ["阳光社区志愿者名册,,,,", "姓名,身份证号码,手机号码,监护人,监护人电话"] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def upload(client, data):
    return f.post_form(client, "/admin/volunteers/import", {"file": (io.BytesIO(data), "名册.csv")},
                       content_type="multipart/form-data", token_from="/admin/volunteers/import")


def confirm(client, page):
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    selects = re.findall(r'<select[^>]*name="col"[^>]*>(.*?)</select>', page, re.S)
    cols = [(re.search(r'<option value="([^"]*)" selected', s) or re.match("()", "")).group(1) for s in selects]
    return client.post("/admin/volunteers/import/map", data={
        "token": token, "col": cols, "submit": "1", "csrf_token": f.csrf_token(client, "/admin/volunteers/import")})


def _minor_birth() -> date:
    today = local_today()
    return today.replace(year=today.year - 16, day=1)


def test_a_roster_with_bad_rows_registers_nobody_and_says_why(client, db, scene):
    f.login(client, scene["admin"])
    adult = f.valid_id_number(date(1985, 5, 5), seq=301)
    child = f.valid_id_number(local_today().replace(year=local_today().year - 10, day=1), seq=302)
    bad_check = adult[:17] + ("0" if adult[17] != "0" else "1")
    response = upload(client, roster([
        ["王五", adult, "13700000001", "", ""],
        ["赵六", adult, "13700000002", "", ""],  # the same person twice
        ["孙七", child, "13700000003", "孙大", "13700000004"],
        ["周八", bad_check, "13700000005", "", ""],
        ["吴九", f.valid_id_number(seq=303), scene["known"].phone, "", ""],
        ["郑十", f.valid_id_number(_minor_birth(), seq=304), "13700000006", "", ""],
    ]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:500]
    assert "表头在第2行" in page
    for text in ("第4行 · 身份证号码：与第3行重复", "第5行 · 身份证号码：未满14周岁暂不能注册为志愿者",
                 "第6行 · 身份证号码：身份证号码校验位不正确", "第7行 · 手机号码：该手机号码已被其他账号使用",
                 "第8行 · 监护人：未满18周岁需填写监护人姓名"):
        assert text in page, text
    assert db.session.scalar(select(func.count(Volunteer.id))) == 1


def test_a_roster_registers_without_passwords_and_the_volunteer_activates_by_phone(client, db, scene, caplog):
    f.login(client, scene["admin"])
    adult = f.valid_id_number(date(1985, 5, 5), seq=311)
    minor = f.valid_id_number(_minor_birth(), seq=312)
    page = upload(client, roster([["王五", adult, "13700000011", "", ""],
                                  ["孙小七", minor, "13700000013", "孙大", "13700000014"]])).get_data(as_text=True)
    assert "预览通过" in page
    assert db.session.scalar(select(func.count(Volunteer.id))) == 1  # a preview registers nobody
    with caplog.at_level(logging.INFO, logger="app.sms"):
        assert confirm(client, page).status_code == 302
    wang = db.session.scalar(select(Volunteer).where(Volunteer.phone == "13700000011"))
    child = db.session.scalar(select(Volunteer).where(Volunteer.phone == "13700000013"))
    assert wang.unit_id == scene["unit"].id and wang.user.password_hash == activation.PENDING
    assert child.guardian_phone == "13700000014" and child.guardian_token_sent_at is not None  # consent link sent
    # no password works before activation
    visitor = client.application.test_client()
    refused = f.post_form(visitor, "/login", {"username": "13700000011", "password": activation.PENDING})
    assert refused.status_code == 200 and "退出" not in refused.get_data(as_text=True)
    # the answer is alike for a phone with no account waiting
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="app.sms"):
        nobody = f.post_form(visitor, "/activate", {"phone": "13700000099"})
        sent = f.post_form(visitor, "/activate", {"phone": "13700000011"})
    assert nobody.status_code == sent.status_code == 200
    assert "验证码已发送" in nobody.get_data(as_text=True) and "验证码已发送" in sent.get_data(as_text=True)
    texts = [r.getMessage() for r in caplog.records]
    assert len(texts) == 1 and "137****0011" in texts[0]
    code = re.search(r"验证码：(\d{6})", texts[0]).group(1)
    wrong = f.post_form(visitor, "/activate/confirm", {"phone": "13700000011", "code": "000000" if code != "000000"
                                                       else "111111", "password": "my-own-pass-9",
                                                       "confirm": "my-own-pass-9"}, token_from="/activate")
    assert wrong.status_code == 422 and "验证码不正确" in wrong.get_data(as_text=True)
    done = f.post_form(visitor, "/activate/confirm", {"phone": "13700000011", "code": code,
                                                      "password": "my-own-pass-9", "confirm": "my-own-pass-9"},
                       token_from="/activate")
    assert done.status_code == 302
    db.session.expire_all()
    assert not activation.is_pending(wang.user)
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "volunteer.activated"))
    # the code is spent: the account no longer waits
    again = f.post_form(client.application.test_client(), "/activate/confirm", {
        "phone": "13700000011", "code": code, "password": "other-pass-99", "confirm": "other-pass-99"},
        token_from="/activate")
    assert again.status_code == 422
    f.login(client.application.test_client(), "13700000011", "my-own-pass-9")
    assert db.session.scalar(select(User.id).where(User.username == "13700000011"))
