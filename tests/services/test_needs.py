"""Residents' needs: each state change of the loop and its refusals."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry, Need, NeedSignup, ServiceCategory, ServiceRecord
from app.services import attendance, need_signups, need_workflow, needs, posts
from app.services.clock import local_today, now
from app.services.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from tests import factories as f


def category_id() -> int:
    return _db.session.scalar(select(ServiceCategory.id).order_by(ServiceCategory.position).limit(1))


def ask(unit_id=None, **kw) -> tuple[Need, str]:
    data = {"category_id": category_id(), "text": "帮忙换灯泡", "place": "幸福小区3栋", "name": "王秀英",
            "phone": "13800138000", "wished_date": local_today() + timedelta(days=3), "unit_id": unit_id, **kw}
    need, code = needs.submit_need(needs.NeedInput(**data))
    _db.session.commit()
    return need, code


def published(capacity=2):
    """A need assigned to a unit and published as a task; returns (need, code, unit, admin)."""
    unit = f.unit()
    admin = f.unit_admin(unit)
    need, code = ask(unit.id)
    need_workflow.dispatch(need, "accept", by=admin)
    need_workflow.publish(need, capacity, by=admin)
    _db.session.commit()
    return need, code, unit, admin


def trail_actions(need) -> list[str]:
    return list(_db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "Need", AuditEntry.object_id == need.id).order_by(AuditEntry.id)))


def test_a_resident_asks_without_an_account_and_gets_a_code_kept_only_hashed(db):
    need, code = ask()
    assert need.status == "submitted" and need.source == "public" and len(code) == needs.CODE_LENGTH
    assert code not in need.code_hash and needs.by_code(code.lower()) is need  # case and spacing forgiven
    assert needs.by_code(f" {code[:5]}-{code[5:]} ") is need
    assert need.masked_phone == "138****8000" and need.masked_name == "王**"
    with pytest.raises(NotFound):
        needs.by_code("AAAAAAAAAA")
    assert trail_actions(need) == ["need.submitted"]


def test_a_need_is_refused_with_reasons_per_field(db):
    with pytest.raises(ValidationFailed) as refused:
        ask(text=" ", place="", phone="12345", name="", wished_date=local_today() - timedelta(days=1),
            category_id=None)
    assert set(refused.value.fields) == {"text", "place", "phone", "name", "wished_date", "category_id"}
    with pytest.raises(ValidationFailed) as refused:
        ask(unit_id=999999)
    assert "unit_id" in refused.value.fields


def test_a_unit_admin_takes_a_need_down_from_a_phone_call_for_the_own_unit(db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    need, _code = needs.submit_need(needs.NeedInput(
        category_id=category_id(), text="陪老人看病", place="人民医院", wished_date=local_today(),
        name="李大爷", phone="13900000000", unit_id=None), by=admin)
    assert need.source == "phone" and need.unit_id == unit.id and need.created_by_id == admin.id
    with pytest.raises(Forbidden):
        needs.submit_need(needs.NeedInput(category_id=category_id(), text="x", place="y", wished_date=local_today(),
                                          name="z", phone="13900000000"), by=f.volunteer().user)


def test_dispatch_accepts_assigns_merges_and_declines_once_with_the_trail(db):
    platform = f.platform_admin()
    unit = f.unit()
    first, _c = ask()
    need_workflow.dispatch(first, "accept", by=platform)
    assert first.status == "accepted" and first.unit_id is None and first.accepted_at is not None
    need_workflow.dispatch(first, "assign", by=platform, unit_id=unit.id)
    assert first.unit_id == unit.id
    second, _c = ask()
    need_workflow.dispatch(second, "merge", by=platform, into_id=first.id)
    assert second.status == "merged" and second.merged_into_id == first.id and second.closed_at
    third, code = ask()
    with pytest.raises(ValidationFailed):
        need_workflow.dispatch(third, "decline", by=platform, reason=" ")
    need_workflow.dispatch(third, "decline", by=platform, reason="不属于志愿服务范围")
    assert needs.by_code(code).decline_reason == "不属于志愿服务范围"
    with pytest.raises(Conflict):  # a closed need is not dispatched again
        need_workflow.dispatch(third, "accept", by=platform)
    with pytest.raises(ValidationFailed):
        need_workflow.dispatch(first, "merge", by=platform, into_id=first.id)
    with pytest.raises(ValidationFailed):
        need_workflow.dispatch(first, "assign", by=platform)
    assert trail_actions(first) == ["need.submitted", "need.accepted", "need.assigned"]
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "need.declined"))
    assert entry.reason == "不属于志愿服务范围" and entry.actor_id == platform.id


def test_a_unit_admin_handles_only_the_needs_of_the_own_unit(db):
    unit, other = f.unit(), f.unit()
    admin = f.unit_admin(unit)
    mine, _c = ask(unit.id)
    theirs, _c = ask(other.id)
    nobody, _c = ask()
    assert [n.id for n in needs.list_needs(admin).items] == [mine.id]
    for need in (theirs, nobody):
        with pytest.raises(NotFound):
            needs.need_for_admin(admin, need.id)
        with pytest.raises(NotFound):
            need_workflow.dispatch(need, "accept", by=admin)


def test_a_stranger_cannot_read_the_residents_data_and_the_admins_reading_is_audited(db):
    need, _c, unit, admin = published()
    strangers = [f.unit_admin(f.unit()), f.volunteer(unit).user, f.merchant_user(), None]
    for stranger in strangers:
        with pytest.raises(Forbidden):
            needs.resident_contact(need, stranger)
    assert needs.resident_contact(need, admin) == ("王秀英", "13800138000")
    assert needs.resident_contact(need, f.platform_admin())[1] == "13800138000"
    assert trail_actions(need).count("need.contact_viewed") == 2


def test_publish_needs_an_accepted_need_of_a_unit_and_makes_the_tasks_own_code(db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    need, _c = ask(unit.id)
    with pytest.raises(Conflict):
        need_workflow.publish(need, 2, by=admin)  # not accepted yet
    need_workflow.dispatch(need, "accept", by=admin)
    with pytest.raises(ValidationFailed):
        need_workflow.publish(need, 0, by=admin)
    need_workflow.publish(need, 3, by=admin)
    assert need.status == "published" and need.capacity == 3
    assert need.post.unit_id == unit.id and need.post.is_active and need.post.address == need.place


def test_a_volunteer_signs_up_once_and_not_past_the_capacity(db):
    need, _c, unit, _admin = published(capacity=1)
    first, second = f.volunteer(unit), f.volunteer()
    need_signups.sign_up(first, need)
    with pytest.raises(Conflict):
        need_signups.sign_up(first, need)
    with pytest.raises(Conflict):
        need_signups.sign_up(second, need)
    assert need.signup_count == 1
    assert need_signups.open_tasks(second) == []


def test_sign_up_refused_before_publication(db):
    need, _c = ask(f.unit().id)
    with pytest.raises(Conflict):
        need_signups.sign_up(f.volunteer(), need)


def test_racing_sign_ups_never_pass_the_capacity(app, db):
    need, _c, unit, _admin = published(capacity=3)
    racers = [f.volunteer(unit) for _ in range(8)]
    ids = [v.id for v in racers]
    need_id = need.id
    _db.session.commit()
    barrier = threading.Barrier(len(ids))
    results: list = [None] * len(ids)

    def runner(i):
        with app.app_context():
            barrier.wait()
            try:
                from app.models import Volunteer
                results[i] = need_signups.sign_up(_db.session.get(Volunteer, ids[i]), _db.session.get(Need, need_id)).id
                _db.session.commit()
            except DomainError as exc:
                _db.session.rollback()
                results[i] = exc
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(len(ids))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(r, int) for r in results) == 3
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, int))
    _db.session.expire_all()
    assert _db.session.get(Need, need_id).signup_count == 3
    assert len(_db.session.scalars(select(NeedSignup).where(NeedSignup.need_id == need_id)).all()) == 3


def test_only_confirmed_volunteers_check_in_at_the_tasks_code_and_their_hours_count(db):
    need, _c, unit, admin = published()
    confirmed, waiting = f.volunteer(unit), f.volunteer(unit)
    s1 = need_signups.sign_up(confirmed, need)
    need_signups.sign_up(waiting, need)
    need_signups.confirm(need, s1.id, by=admin)
    with pytest.raises(Conflict):
        need_signups.confirm(need, s1.id, by=admin)
    _db.session.commit()
    code = posts.scan_url(need.post)
    with pytest.raises(Forbidden):
        attendance.scan(waiting, code)
    start = now() - timedelta(hours=2)
    assert attendance.scan(confirmed, code, at=start).action == "check_in"
    result = attendance.scan(confirmed, code, at=start + timedelta(hours=1, minutes=30))
    assert result.action == "check_out" and result.record.status == "approved"
    _db.session.refresh(confirmed)
    assert confirmed.hours == 1.5  # counts toward stars like any record


def test_the_unit_enters_service_for_confirmed_volunteers_through_the_ledger(db):
    need, _c, unit, admin = published()
    volunteer, stranger = f.volunteer(f.unit()), f.volunteer(unit)
    need_signups.confirm(need, need_signups.sign_up(volunteer, need).id, by=admin)
    end = now() - timedelta(hours=1)
    with pytest.raises(ValidationFailed):
        need_signups.record_service(need, stranger.id, started_at=end - timedelta(hours=2), ended_at=end, by=admin)
    record = need_signups.record_service(need, volunteer.id, started_at=end - timedelta(hours=2), ended_at=end, by=admin)
    assert record.status == "approved" and record.unit_id == unit.id and record.post_id == need.post_id
    _db.session.refresh(volunteer)
    assert volunteer.hours == 2.0
    with pytest.raises(ValidationFailed):  # the ledger's own rules hold
        need_signups.record_service(need, volunteer.id, started_at=end, ended_at=end - timedelta(hours=1), by=admin)


def test_rating_is_refused_before_the_need_is_served_then_taken_once(db):
    need, code, unit, admin = published()
    with pytest.raises(Conflict):
        need_workflow.rate(code, 5, "谢谢")  # rating before done
    with pytest.raises(Conflict):
        need_workflow.mark_served(need, by=admin)  # nobody has served yet
    volunteer = f.volunteer(unit)
    need_signups.confirm(need, need_signups.sign_up(volunteer, need).id, by=admin)
    end = now() - timedelta(minutes=5)
    need_signups.record_service(need, volunteer.id, started_at=end - timedelta(hours=1), ended_at=end, by=admin)
    need_workflow.mark_served(need, by=admin)
    assert need.status == "served" and not need.post.is_active
    with pytest.raises(ValidationFailed):
        need_workflow.rate(code, 6, None)
    with pytest.raises(NotFound):
        need_workflow.rate("WRONGCODE", 5, None)
    need_workflow.rate(code, 4, "很及时")
    assert need.status == "rated" and need.rating == 4 and need.rating_comment == "很及时" and need.closed_at
    with pytest.raises(Conflict):
        need_workflow.rate(code, 5, None)
    assert trail_actions(need)[-4:] == ["need.signed_up", "need.volunteer_confirmed", "need.served", "need.rated"]
    assert _db.session.scalar(select(AuditEntry.actor_id).where(AuditEntry.action == "need.rated")) is None


def test_residents_data_is_purged_after_the_retention_period(app, db):
    app.config["NEED_RETENTION_DAYS"] = 30
    platform = f.platform_admin()
    closed, code = ask()
    need_workflow.dispatch(closed, "decline", by=platform, reason="重复")
    waiting, _c = ask()
    _db.session.commit()
    assert needs.purge_resident_data(now() + timedelta(days=29)) == 0
    assert needs.purge_resident_data(now() + timedelta(days=31)) == 1
    _db.session.refresh(closed)
    _db.session.refresh(waiting)
    assert closed.resident_name is None and closed.resident_phone is None and closed.purged_at
    assert waiting.resident_phone == "13800138000"  # still being handled: kept
    assert needs.by_code(code) is closed and closed.masked_phone == "—"
    with pytest.raises(Conflict):
        needs.resident_contact(closed, platform)


def test_waiting_needs_are_those_older_than_n_days_still_undispatched(db):
    unit = f.unit()
    old, _c = ask(unit.id)
    old.created_at = now() - timedelta(days=5)
    fresh, _c = ask(unit.id)
    other, _c = ask()
    other.created_at = now() - timedelta(days=9)
    _db.session.commit()
    assert [n.id for n in needs.waiting_needs(unit.id, days=3)] == [old.id]
    assert [n.id for n in needs.waiting_needs(None, days=3)] == [other.id, old.id]
    need_workflow.dispatch(old, "decline", by=f.platform_admin(), reason="x")
    assert needs.waiting_needs(unit.id, days=3) == []
    assert fresh.status == "submitted"


def test_records_of_a_need_stay_in_the_ledger(db):
    need, _c, unit, admin = published()
    volunteer = f.volunteer(unit)
    need_signups.confirm(need, need_signups.sign_up(volunteer, need).id, by=admin)
    end = now() - timedelta(minutes=1)
    need_signups.record_service(need, volunteer.id, started_at=end - timedelta(minutes=30), ended_at=end, by=admin)
    from app.services import ledger
    assert ledger.ledger_mismatches() == []
    assert _db.session.scalar(select(ServiceRecord.source).where(ServiceRecord.post_id == need.post_id)) == "manual"
