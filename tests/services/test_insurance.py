"""Insurance covers: for a unit or a list, covered today or not, the insured list exported
masked (full IDs for the platform admin only, audited), activities requiring cover."""
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from app.models import AuditEntry
from app.services import identity, insurance, posts
from app.services.clock import local_today, now
from app.services.errors import Forbidden, NotFound, ValidationFailed
from tests import factories as f


def _cover(unit, by, scope="unit", numbers=(), days=(-1, 30)):
    today = local_today()
    return insurance.create_cover(insurance.CoverInput(
        insurer="  人保财险 ", policy_no="PZ-2026-001", starts_on=today + timedelta(days=days[0]),
        ends_on=today + timedelta(days=days[1]), scope=scope, unit_id=unit.id, volunteer_nos=list(numbers)), by=by)


def test_a_unit_cover_covers_every_volunteer_of_the_unit_during_its_period(db):
    unit, other = f.unit(), f.unit()
    admin = f.unit_admin(unit)
    inside, outside = f.volunteer(unit), f.volunteer(other)
    cover = _cover(unit, admin)
    assert cover.insurer == "人保财险"
    assert insurance.cover_on(inside, local_today()) == cover
    assert insurance.cover_on(outside, local_today()) is None
    assert insurance.cover_on(inside, local_today() + timedelta(days=31)) is None


def test_a_list_cover_covers_only_the_listed(db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    listed, not_listed = f.volunteer(unit), f.volunteer(unit)
    _cover(unit, admin, scope="list", numbers=[listed.volunteer_no, f" {listed.volunteer_no} "])
    assert insurance.cover_on(listed, local_today()) is not None
    assert insurance.cover_on(not_listed, local_today()) is None


@pytest.mark.parametrize("change, field", [
    ({"insurer": " "}, "insurer"), ({"policy_no": "x" * 51}, "policy_no"),
    ({"ends_on": -5}, "ends_on"), ({"scope": "team"}, "scope"),
    ({"scope": "list", "volunteer_nos": []}, "volunteer_nos"),
    ({"scope": "list", "volunteer_nos": ["V-NOPE"]}, "volunteer_nos"),
])
def test_bad_covers_are_refused(db, change, field):
    unit = f.unit()
    data = dict(insurer="平安", policy_no="P1", starts_on=local_today(), ends_on=local_today() + timedelta(days=1),
                scope="unit", unit_id=unit.id, volunteer_nos=[])
    data.update(change)
    if data["ends_on"] == -5:
        data["ends_on"] = local_today() - timedelta(days=5)
    with pytest.raises(ValidationFailed) as refused:
        insurance.create_cover(insurance.CoverInput(**data), by=f.unit_admin(unit))
    assert field in refused.value.fields


def test_a_list_may_name_only_the_units_own_volunteers_and_admins_only_their_unit(db):
    unit, other = f.unit(), f.unit()
    stranger = f.volunteer(other)
    with pytest.raises(ValidationFailed):
        _cover(unit, f.unit_admin(unit), scope="list", numbers=[stranger.volunteer_no])
    with pytest.raises(Forbidden):
        _cover(other, f.unit_admin(unit))
    cover = _cover(other, f.platform_admin())
    with pytest.raises(NotFound):
        insurance.get_cover(cover.id, by=f.unit_admin(unit))


def test_the_insured_list_is_masked_full_ids_only_for_the_platform_admin_and_every_export_audited(db):
    unit = f.unit()
    admin, boss = f.unit_admin(unit), f.platform_admin()
    person = f.volunteer(unit, name="=HYPERLINK(1)")
    cover = _cover(unit, admin)
    rows = list(load_workbook(io.BytesIO(insurance.export_xlsx(cover, by=admin, full_ids=False))).active.values)
    full_number = identity.decrypt(person.id_number_encrypted)
    assert rows[2][0] == person.volunteer_no and rows[2][4] == person.id_number_masked
    assert rows[2][1] == "'=HYPERLINK(1)"  # a formula prefix is neutralised
    assert full_number not in str(rows)
    with pytest.raises(Forbidden):
        insurance.export_xlsx(cover, by=admin, full_ids=True)
    rows = list(load_workbook(io.BytesIO(insurance.export_xlsx(cover, by=boss, full_ids=True))).active.values)
    assert rows[2][4] == full_number
    exports = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "insurance.list_exported")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.actor_id, e.data["full_ids"]) for e in exports] == [(admin.id, False), (boss.id, True)]


def test_an_activity_requiring_cover_refuses_a_sign_up_without_one(db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    covered, uncovered = f.volunteer(unit), f.volunteer(unit)
    _cover(unit, admin, scope="list", numbers=[covered.volunteer_no])
    start = now() + timedelta(days=1)
    activity = posts.create_activity(unit.id, posts.ActivityInput(
        title="应急演练", kind="event", starts_at=start, ends_at=start + timedelta(hours=2), requires_cover=True),
        by=admin)[0]
    posts.sign_up(covered, activity)
    with pytest.raises(insurance.CoverRequired) as refused:
        posts.sign_up(uncovered, activity)
    assert "保险" in refused.value.message and refused.value.code == "cover_required"
    assert activity.signup_count == 1
