"""Insurance pages: an admin records a cover and exports the list; the volunteer sees
whether they are covered today; a sign-up without cover is refused with the reason."""
import io
from datetime import timedelta

from openpyxl import load_workbook

from app.models import AuditEntry, InsuranceCover
from app.services import posts
from app.services.clock import local_today, now
from tests import factories as f


def test_admin_records_a_cover_and_exports_the_masked_list(client, db):
    unit = f.unit()
    person = f.volunteer(unit, name="王保")
    admin = f.unit_admin(unit)
    f.login(client, admin)
    today = local_today()
    made = f.post_form(client, "/admin/insurance/", {
        "unit_id": unit.id, "insurer": "人保财险", "policy_no": "PZ-1", "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=364)).isoformat(), "scope": "list", "volunteer_nos": person.volunteer_no})
    assert made.status_code == 302, made.get_data(as_text=True)[:300]
    cover = db.session.scalar(db.select(InsuranceCover))
    assert "王保" in client.get(f"/admin/insurance/{cover.id}").get_data(as_text=True)
    exported = f.post_form(client, f"/admin/insurance/{cover.id}/insured.xlsx", {}, token_from=f"/admin/insurance/{cover.id}")
    assert exported.status_code == 200
    rows = list(load_workbook(io.BytesIO(exported.data)).active.values)
    assert rows[2][4] == person.id_number_masked
    full = f.post_form(client, f"/admin/insurance/{cover.id}/insured.xlsx", {"full": "1"},
                       token_from=f"/admin/insurance/{cover.id}")
    assert full.status_code == 403
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))
                             .where(AuditEntry.action == "insurance.list_exported")) == 1
    bad = f.post_form(client, "/admin/insurance/", {
        "unit_id": unit.id, "insurer": "人保", "policy_no": "PZ-2", "starts_on": today.isoformat(),
        "ends_on": (today - timedelta(days=1)).isoformat(), "scope": "unit"})
    assert bad.status_code == 422 and "结束日期不能早于开始日期" in bad.get_data(as_text=True)


def test_volunteer_sees_cover_today_and_a_refused_sign_up_says_why(client, db):
    unit = f.unit()
    person = f.volunteer(unit)
    f.login(client, person.user)
    assert "今日无保险保障" in client.get("/me/profile/").get_data(as_text=True)
    start = now() + timedelta(days=1)
    activity = posts.create_activity(unit.id, posts.ActivityInput(
        title="防汛值守", kind="service", starts_at=start, ends_at=start + timedelta(hours=2), requires_cover=True),
        by=None)[0]
    db.session.commit()
    refused = f.post_form(client, f"/activities/{activity.id}/signup", {}, token_from="/me/", follow_redirects=True)
    assert "该活动要求志愿者保险" in refused.get_data(as_text=True)
    from app.services import insurance
    insurance.create_cover(insurance.CoverInput(insurer="平安", policy_no="P9", starts_on=local_today(),
                                                ends_on=local_today() + timedelta(days=10), scope="unit",
                                                unit_id=unit.id), by=f.platform_admin())
    db.session.commit()
    assert "今日在保" in client.get("/me/profile/").get_data(as_text=True)
    f.post_form(client, f"/activities/{activity.id}/signup", {}, token_from="/me/")
    db.session.refresh(activity)
    assert activity.signup_count == 1
