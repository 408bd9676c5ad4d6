"""Commendations (美德之星 / 文明使者): a list of exemplary volunteers and units, posted (公示)
for a set number of days, objections answered, a vote of one per phone, final only after the
period with every objection answered; names public only with consent; on the bulletin."""
from __future__ import annotations

import logging
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest

from app.services import commendations, honour_votes, objections
from app.services.bulletins.honours import honours_in
from app.services.clock import now
from app.services.errors import Conflict, Forbidden, ValidationFailed
from app.services.months import Month
from tests import factories as f


@pytest.fixture
def scene(db):
    boss = f.platform_admin()
    street = f.unit("街道办")
    item = commendations.create(honour="美德之星", period_kind="month", period="2026-10", posting_days=5, by=boss)
    star = f.volunteer(street, name="王好人")
    nominee = commendations.add_nominee(item, citation="十年如一日路口劝导", volunteer=star, by=boss)
    unit_nominee = commendations.add_nominee(item, citation="组织学雷锋活动", unit=street, by=boss)
    db.session.commit()
    return SimpleNamespace(boss=boss, street=street, item=item, star=star, nominee=nominee, unit_nominee=unit_nominee)


def test_a_list_is_posted_then_final_only_after_the_period_with_objections_answered(scene, db):
    item = scene.item
    assert commendations.title(item) == "2026年10月美德之星"
    start = now()
    commendations.post(item, by=scene.boss, at=start)
    assert item.posted_until == start + timedelta(days=5) and commendations.is_open(item, start)
    objection = objections.send(item, text="事迹不实", contact_name="赵先生", contact="13900001111",
                                nominee_id=scene.nominee.id)
    with pytest.raises(Conflict):  # still posted
        commendations.finalize(item, by=scene.boss, at=start + timedelta(days=1))
    after = start + timedelta(days=5, seconds=1)
    with pytest.raises(Conflict):  # an objection waits for its answer
        commendations.finalize(item, by=scene.boss, at=after)
    objections.answer(objection, text="经核实，事迹属实", by=scene.boss)
    commendations.finalize(item, by=scene.boss, at=after)
    assert item.status == "final"
    db.session.commit()
    found = honours_in(Month(2026, 10), scene.street.id)
    assert {n.id for n in found} == {scene.nominee.id, scene.unit_nominee.id}
    assert honours_in(Month(2026, 10), f.unit("别的单位").id) == []
    assert honours_in(Month(2026, 9), None) == []


def test_refusals(scene, db):
    item = scene.item
    with pytest.raises(Forbidden):
        commendations.create(honour="美德之星", period_kind="month", period="2026-10", posting_days=5,
                             by=f.unit_admin(scene.street))
    for kwargs, field in [({"period": "2026-13"}, "period"), ({"period_kind": "week"}, "period_kind"),
                          ({"honour": "劳模"}, "honour"), ({"posting_days": 0}, "posting_days")]:
        data = dict(honour="美德之星", period_kind="month", period="2026-10", posting_days=5) | kwargs
        with pytest.raises(ValidationFailed) as refused:
            commendations.create(by=scene.boss, **data)
        assert field in refused.value.fields
    with pytest.raises(Conflict):
        commendations.add_nominee(item, citation="又一次", volunteer=scene.star, by=scene.boss)
    with pytest.raises(ValidationFailed):
        commendations.add_nominee(item, citation="两者", volunteer=f.volunteer(), unit=scene.street, by=scene.boss)
    with pytest.raises(Conflict):
        commendations.finalize(item, by=scene.boss)  # a draft
    with pytest.raises(Conflict):
        objections.send(item, text="x", contact_name="y", contact="13900001111")  # not posted
    commendations.post(item, by=scene.boss)
    with pytest.raises(Conflict):
        commendations.add_nominee(item, citation="迟到", volunteer=f.volunteer(), by=scene.boss)
    with pytest.raises(ValidationFailed) as refused:
        objections.send(item, text=" ", contact_name="", contact="no contact", nominee_id=999)
    assert set(refused.value.fields) == {"text", "contact_name", "contact", "nominee_id"}
    empty = commendations.create(honour="文明使者", period_kind="year", period="2026", posting_days=7, by=scene.boss)
    with pytest.raises(ValidationFailed):
        commendations.post(empty, by=scene.boss)


def test_a_name_is_public_only_with_consent(scene, db):
    assert scene.nominee.public_name == "王*人" or scene.nominee.public_name != "王好人"
    commendations.answer_consent(scene.nominee, scene.star, agree=True)
    assert scene.nominee.public_name == "王好人"
    commendations.answer_consent(scene.nominee, scene.star, agree=False)
    assert scene.nominee.public_name != "王好人"
    assert scene.unit_nominee.public_name == "街道办"


def _texted(caplog) -> str:
    return re.findall(r"验证码是 (\d{6})", " ".join(r.getMessage() for r in caplog.records))[-1]


def test_one_vote_per_phone_with_a_texted_code(scene, db, caplog):
    item = scene.item
    commendations.post(item, by=scene.boss, vote=True)
    with caplog.at_level(logging.INFO, logger="app.sms"):
        honour_votes.send_code(item, "13900002222")
    code = _texted(caplog)
    assert "13900002222" not in caplog.text  # the log masks the number
    with pytest.raises(ValidationFailed):
        honour_votes.cast(item, phone="13900002222", code="000000" if code != "000000" else "111111",
                          nominee_id=scene.nominee.id)
    with pytest.raises(ValidationFailed):  # the code is bound to its phone
        honour_votes.cast(item, phone="13900003333", code=code, nominee_id=scene.nominee.id)
    honour_votes.cast(item, phone="13900002222", code=code, nominee_id=scene.nominee.id)
    with pytest.raises(Conflict):
        honour_votes.cast(item, phone="13900002222", code=code, nominee_id=scene.unit_nominee.id)
    assert honour_votes.counts(item) == {scene.nominee.id: 1}


def test_no_vote_where_none_is_open(scene, db):
    commendations.post(scene.item, by=scene.boss, vote=False)
    with pytest.raises(Conflict):
        honour_votes.send_code(scene.item, "13900002222")


def test_two_votes_from_one_phone_at_once_make_one(app, scene, db, caplog):
    from app.models import HonourVote
    from tests import races

    item_id, nominee_id = scene.item.id, scene.nominee.id
    commendations.post(scene.item, by=scene.boss, vote=True)
    with caplog.at_level(logging.INFO, logger="app.sms"):
        honour_votes.send_code(scene.item, "13900002222")
    code = _texted(caplog)

    def vote(_i):
        return honour_votes.cast(commendations.get(item_id), phone="13900002222", code=code, nominee_id=nominee_id)

    results = races.run(app, 4, vote)
    assert sum(isinstance(r, HonourVote) for r in results) == 1
    assert all(isinstance(r, HonourVote | Conflict) for r in results), results
    db.session.expire_all()
    assert honour_votes.counts(commendations.get(item_id)) == {nominee_id: 1}


def test_a_daily_job_makes_final_the_lists_whose_posting_ended_with_objections_answered(scene, db, caplog):
    from datetime import UTC, datetime, time

    from app import scheduling as scheduler
    from app.jobs import JOBS_BY_NAME
    from app.services.clock import local

    def posted(period, at):
        item = commendations.create(honour="文明使者", period_kind="month", period=period, posting_days=5,
                                    by=scene.boss)
        commendations.add_nominee(item, citation="坚持服务", unit=scene.street, by=scene.boss)
        return commendations.post(item, by=scene.boss, at=at)

    base = now()
    due, objected = posted("2026-07", base - timedelta(days=4)), posted("2026-08", base - timedelta(days=4))
    still_open = posted("2026-09", base)
    draft = scene.item
    objection = objections.send(objected, text="另有隐情", contact_name="钱女士", contact="13900002222")
    db.session.commit()
    day = local(base).date() + timedelta(days=2)  # both 4-day-old postings have ended by then
    fire = datetime.combine(day, time(0, 20), tzinfo=local(base).tzinfo).astimezone(UTC)
    job = JOBS_BY_NAME["finalize_commendations"]
    assert job.trigger == {"hour": 0, "minute": 20}
    with caplog.at_level(logging.WARNING, logger="app.services.commendations"):
        run = scheduler.execute(job, fire)
    assert run.status == "ok" and run.counts == {"finalized": [due.id], "waiting_for_answers": [objected.id]}
    assert any(f"commendation {objected.id} not finalized" in r.getMessage() for r in caplog.records)
    db.session.expire_all()
    assert (due.status, due.finalized_at) == ("final", fire)
    assert (objected.status, still_open.status, draft.status) == ("posted", "posted", "draft")
    assert scheduler.execute(job, fire) is None  # the day's run is claimed: once per day

    objections.answer(objection, text="已核实", by=scene.boss)
    db.session.commit()
    run = scheduler.execute(job, fire + timedelta(days=1))  # the next day's run
    assert run.counts == {"finalized": [objected.id], "waiting_for_answers": []}
    db.session.expire_all()
    assert (objected.status, still_open.status) == ("final", "posted")
