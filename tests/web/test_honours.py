"""Commendations through their doors: the office builds and posts a list, the public reads it
without login (names masked without consent), objects and votes; the office answers and makes
it final; the bulletin and the volunteer's home show it."""
from __future__ import annotations

import logging
import re
from datetime import timedelta

from app.models import Bulletin, Objection
from app.services import commendations
from app.services.bulletins.snapshots import generate_bulletins
from app.services.clock import now
from app.services.months import Month
from tests import factories as f


def _posted(db, vote=True):
    boss = f.platform_admin("boss")
    street = f.unit("街道办")
    star = f.volunteer(street, name="王好人")
    item = commendations.create(honour="美德之星", period_kind="month", period="2026-10", posting_days=5, by=boss)
    nominee = commendations.add_nominee(item, citation="<b>路口劝导</b>", volunteer=star, by=boss)
    commendations.post(item, by=boss, vote=vote)
    db.session.commit()
    return boss, street, star, item, nominee


def test_the_office_builds_and_posts_a_list(client, db):
    boss = f.platform_admin("boss")
    star = f.volunteer(name="王好人")
    f.login(client, boss)
    response = f.post_form(client, "/office/honours/", {"honour": "文明使者", "period_kind": "year",
                                                        "period": "2026", "posting_days": "7"})
    assert response.status_code == 302
    path = response.headers["Location"]
    assert f.post_form(client, f"{path}/nominees", {"volunteer_no": star.volunteer_no, "unit_id": "0",
                                                    "citation": "热心公益"}, token_from=path).status_code == 302
    assert f.post_form(client, f"{path}/nominees", {"volunteer_no": star.volunteer_no, "unit_id": "0",
                                                    "citation": "再来"}, token_from=path).status_code == 422
    assert f.post_form(client, f"{path}/post", {"vote": "y"}, token_from=path).status_code == 302
    assert "公示中" in client.get(path).get_data(as_text=True)


def test_the_public_reads_objects_and_votes_without_login(client, db, caplog):
    boss, street, star, item, nominee = _posted(db)
    page = client.get(f"/honours/{item.id}").get_data(as_text=True)
    assert "王好人" not in page and star.masked_name in page
    assert "&lt;b&gt;路口劝导&lt;/b&gt;" in page and star.phone not in page
    assert "2026年10月美德之星" in client.get("/honours/").get_data(as_text=True)

    response = f.post_form(client, f"/honours/{item.id}/objections",
                           {"nominee_id": str(nominee.id), "text": "事迹有出入", "contact_name": "赵先生",
                            "contact": "not a contact"}, token_from=f"/honours/{item.id}")
    assert response.status_code == 422 and "请填写手机号或电子邮箱" in response.get_data(as_text=True)
    response = f.post_form(client, f"/honours/{item.id}/objections",
                           {"nominee_id": str(nominee.id), "text": "事迹有出入", "contact_name": "赵先生",
                            "contact": "zhao@example.org"}, token_from=f"/honours/{item.id}")
    assert response.status_code == 302
    assert "zhao@example.org" not in client.get(f"/honours/{item.id}").get_data(as_text=True)

    with caplog.at_level(logging.INFO, logger="app.sms"):
        assert f.post_form(client, f"/honours/{item.id}/vote-code", {"phone": "13900002222"},
                           token_from=f"/honours/{item.id}").status_code == 200
    code = re.findall(r"验证码是 (\d{6})", caplog.text)[-1]
    vote = {"phone": "13900002222", "code": code, "nominee_id": str(nominee.id)}
    assert f.post_form(client, f"/honours/{item.id}/vote", vote, token_from=f"/honours/{item.id}").status_code == 302
    again = f.post_form(client, f"/honours/{item.id}/vote", vote, token_from=f"/honours/{item.id}")
    assert again.status_code == 422 and "已经投过票" in again.get_data(as_text=True)
    assert "1票" in client.get(f"/honours/{item.id}").get_data(as_text=True)


def test_the_office_answers_and_makes_the_list_final_shown_on_bulletin_and_home(client, db):
    boss, street, star, item, nominee = _posted(db, vote=False)
    commendations.answer_consent(nominee, star, agree=True)
    objection = Objection(commendation_id=item.id, text="有异议", contact_name="赵", contact="13900001111",
                          created_at=now())
    db.session.add(objection)
    item.posted_until = now() - timedelta(minutes=1)  # the period has passed
    db.session.commit()
    f.login(client, boss)
    path = f"/office/honours/{item.id}"
    f.post_form(client, f"{path}/finalize", {}, token_from=path)
    assert commendations.get(item.id).status == "posted"  # an objection is unanswered
    assert f.post_form(client, f"{path}/objections/{objection.id}/answer", {"answer": "经核实属实"},
                       token_from=path).status_code == 302
    f.post_form(client, f"{path}/finalize", {}, token_from=path)
    db.session.refresh(item)
    assert item.status == "final"

    generate_bulletins(Month(2026, 10), street.id)
    db.session.commit()
    bulletin = db.session.query(Bulletin).filter_by(unit_id=street.id, month="2026-10").one()
    page = client.get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
    assert "先进典型" in page and "王好人" in page
    client.post("/logout", data={"csrf_token": f.csrf_token(client, path)})
    f.login(client, star.user)
    assert "2026年10月美德之星" in client.get("/me/").get_data(as_text=True)
    public = client.get(f"/honours/{item.id}").get_data(as_text=True)
    assert "王好人" in public  # with consent


def test_a_named_volunteer_answers_on_their_honours_page(client, db):
    boss, street, star, item, nominee = _posted(db)
    other = f.volunteer(street, name="李四")
    db.session.commit()
    f.login(client, star.user)
    response = f.post_form(client, f"/me/honours/{nominee.id}/consent", {"answer": "agree"}, token_from="/me/honours")
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/honours")
    assert "已同意公开您的姓名" in client.get("/me/honours").get_data(as_text=True)
    db.session.refresh(nominee)
    assert nominee.consent == "given"
    f.post_form(client, f"/me/honours/{nominee.id}/consent", {"answer": "decline"}, token_from="/me/honours")
    assert "公示中将只显示您的姓氏" in client.get("/me/honours").get_data(as_text=True)
    db.session.refresh(nominee)
    assert nominee.consent == "declined"

    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/me/honours")})
    f.login(client, other.user)
    response = f.post_form(client, f"/me/honours/{nominee.id}/consent", {"answer": "agree"}, token_from="/me/honours")
    assert response.status_code == 404
    db.session.refresh(nominee)
    assert nominee.consent == "declined"
