"""The unit's kind-and-headcount page and the platform admin's registration page."""
from tests import factories as f


def test_unit_admin_records_the_headcount_and_sees_the_flag(client, db):
    unit = f.unit()
    for i in range(3):
        f.volunteer(unit, name=f"人{i}")
    f.login(client, f.unit_admin(unit))
    assert client.get("/admin/unit").status_code == 302
    saved = f.post_form(client, f"/admin/units/{unit.id}/profile", {"kind": "enterprise", "headcount": 2},
                        follow_redirects=True)
    html = saved.get_data(as_text=True)
    assert "在册人数少于已登记的志愿者人数" in html and "100.0%" in html and "企业" in html
    db.session.refresh(unit)
    assert (unit.kind, unit.headcount) == ("enterprise", 2)
    bad = f.post_form(client, f"/admin/units/{unit.id}/profile", {"kind": "castle", "headcount": 0})
    assert bad.status_code == 422
    other = f.unit()
    assert client.get(f"/admin/units/{other.id}/profile").status_code == 403


def test_platform_admin_sets_the_target_and_sees_units_by_kind(client, db):
    admin = f.platform_admin()
    unit = f.unit(admin=admin)
    f.volunteer(unit)
    f.login(client, admin)
    f.post_form(client, f"/admin/units/{unit.id}/profile", {"kind": "school", "headcount": 4})
    page = f.post_form(client, "/admin/registration", {"percent": 20}, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "25.0%" in html and "达到目标" in html and "学校" in html
    assert f.post_form(client, "/admin/registration", {"percent": 150}).status_code == 422
