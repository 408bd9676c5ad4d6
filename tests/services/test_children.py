"""Pupils under 14: added by an adult guardian volunteer, no login, consent and relationship
recorded, signed up by an admin only for activities 适合未成年人, records entered by an admin
and never by a scan; the guardian sees hours and gets the certificate."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.models import AuditEntry, User
from app.services import attendance, certificates, children, ledger, logins, posts
from app.services.clock import local_today, now
from app.services.errors import Conflict, DomainError, Forbidden, NotAuthenticated, ValidationFailed
from tests import factories as f


def _born(years_ago: int, days: int = 0) -> date:
    today = local_today()
    return today.replace(year=today.year - years_ago) - timedelta(days=days)


def _child(guardian, years=9, **extra):
    data = dict(name="小明", id_number=f.valid_id_number(_born(years, 10)), relationship="father", consent=True)
    data.update(extra)
    return children.register_child(guardian, children.ChildInput(**data), by=guardian.user)


def test_a_guardian_adds_a_child_who_gets_a_number_but_no_login(db):
    guardian = f.volunteer(name="王大明")
    child = _child(guardian)
    db.session.commit()
    assert child.guardian_id == guardian.id and child.guardian_relationship == "father"
    assert child.volunteer_no.startswith("ZY") and child.phone is None and child.unit_id == guardian.unit_id
    assert child.consent_at is not None and child.is_child
    login = db.session.get(User, child.user_id)
    assert not login.active
    with pytest.raises(NotAuthenticated):
        logins.authenticate(login.username, "")
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_id == child.id,
                                                              AuditEntry.object_type == "Volunteer")) \
        == "volunteer.child_registered"


@pytest.mark.parametrize("change, field", [
    ({"id_number": "110101201001011234"}, "id_number"),      # fails its check digit
    ({"relationship": "uncle"}, "relationship"),
    ({"consent": False}, "consent"),
    ({"name": "小"}, "name"),
])
def test_bad_child_input_is_refused(db, change, field):
    guardian = f.volunteer()
    with pytest.raises(ValidationFailed) as refused:
        _child(guardian, **change)
    assert field in refused.value.fields


def test_fourteen_or_older_goes_to_normal_registration(db):
    guardian = f.volunteer()
    with pytest.raises(ValidationFailed) as refused:
        children.register_child(guardian, children.ChildInput(
            name="小红", id_number=f.valid_id_number(_born(14)), relationship="mother", consent=True), by=guardian.user)
    assert "正常流程注册" in refused.value.fields["id_number"][0]
    _child(guardian, years=13, id_number=f.valid_id_number(_born(14, -1)))  # a day short of 14


def test_only_an_adult_adds_to_their_own_account_and_at_most_five(app, db):
    teen = f.volunteer(birth=_born(16), guardian_name="家长", guardian_phone="13911112222")
    with pytest.raises(Forbidden):
        _child(teen)
    guardian = f.volunteer()
    with pytest.raises(Forbidden):
        children.register_child(guardian, children.ChildInput(
            name="小明", id_number=f.valid_id_number(_born(8)), relationship="father", consent=True),
            by=f.volunteer().user)
    for i in range(5):
        _child(guardian, name=f"孩子{i}号")
    with pytest.raises(Conflict):
        _child(guardian, name="第六个")
    app.config["CHILDREN_PER_GUARDIAN"] = 6
    _child(guardian, name="第六个")


def test_a_child_is_signed_up_by_an_admin_only_for_activities_for_minors(db):
    guardian = f.volunteer()
    child = _child(guardian)
    admin = f.unit_admin(guardian.unit)
    start = now() + timedelta(days=1)

    def activity(for_minors):
        return posts.create_activity(guardian.unit_id, posts.ActivityInput(
            title="社区读书会", kind="event", starts_at=start, ends_at=start + timedelta(hours=1), for_minors=for_minors),
            by=admin)[0]
    suitable, adults_only = activity(True), activity(False)
    children.sign_up(child, suitable, by=admin)
    with pytest.raises(Conflict):
        children.sign_up(child, adults_only, by=admin)
    with pytest.raises(Forbidden):
        children.sign_up(child, suitable, by=f.unit_admin())
    with pytest.raises(ValidationFailed):
        children.sign_up(guardian, suitable, by=admin)
    assert suitable.signup_count == 1 and adults_only.signup_count == 0


def test_a_childs_records_are_entered_by_an_admin_never_by_a_scan(db):
    guardian = f.volunteer()
    child = _child(guardian)
    admin = f.unit_admin(guardian.unit)
    post = posts.create_post(guardian.unit_id, posts.PostInput(name="图书角"), by=admin)
    child.created_at = now() - timedelta(days=1)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        attendance.scan(child, posts.scan_url(post))
    assert "儿童" in refused.value.message
    end = now() - timedelta(hours=1)
    record = ledger.enter_manual_record(admin, unit_id=guardian.unit_id, volunteer_id=child.id,
                                        started_at=end - timedelta(hours=2), ended_at=end, post_id=post.id)
    assert record.status == "approved" and child.hours == 2.0


def test_the_guardian_certifies_the_child_but_not_another_childs(db):
    guardian, other = f.volunteer(), f.volunteer()
    child = _child(guardian)
    f.give_hours(child, 3, by=f.unit_admin(guardian.unit))
    cert = certificates.issue(child, by=guardian.user)
    assert cert.volunteer_id == child.id and cert.total_seconds == 3 * 3600
    certificates.ensure_can_view(guardian.user, cert)
    with pytest.raises(Forbidden):
        certificates.issue(child, by=other.user)
    with pytest.raises(Forbidden):
        certificates.ensure_can_view(other.user, cert)
