"""Campaign pages: the office sets a campaign and asks a unit for people; the unit names a
volunteer; the volunteer sees the shift on the phone and through listMyShifts; other units'
admins cannot touch the roster."""
from datetime import timedelta

from sqlalchemy import select

from app.models import Campaign, Shift, ShiftAssignment
from app.services.clock import local_today
from tests import factories as f


def test_office_sets_a_campaign_a_unit_fills_its_shift_and_the_volunteer_sees_it(client, db):
    office, unit = f.platform_admin(), f.unit(name="阳光街道")
    admin = f.unit_admin(unit)
    volunteer = f.volunteer(unit, name="排班者")
    stranger = f.unit_admin(f.unit())
    today = local_today()
    f.login(client, office)
    made = f.post_form(client, "/campaigns/", {
        "name": "文明劝导行动", "kind": "campaign", "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=30)).isoformat(), "description": "<b>路口劝导</b>"})
    assert made.status_code == 302, made.get_data(as_text=True)[:500]
    campaign = db.session.scalar(select(Campaign))
    bad = f.post_form(client, "/campaigns/", {"name": "x", "kind": "campaign", "starts_on": today.isoformat(),
                                              "ends_on": (today - timedelta(days=1)).isoformat()})
    assert bad.status_code == 422 and db.session.scalar(select(Campaign).where(Campaign.name == "x")) is None
    page = f"/campaigns/{campaign.id}"
    assert "&lt;b&gt;路口劝导" in client.get(page).get_data(as_text=True)
    tomorrow = (today + timedelta(days=1)).isoformat()
    asked = f.post_form(client, f"{page}/quota", {
        "unit_id": unit.id, "post_id": 0, "area": "人民路口", "first_day": tomorrow, "last_day": tomorrow,
        "start": "08:00", "end": "10:00", "quota": 2}, token_from=page)
    assert asked.status_code == 302, asked.get_data(as_text=True)[:800]
    shift = db.session.scalar(select(Shift))
    assert shift.quota == 2 and shift.unit_id == unit.id
    client.post("/logout", data={"csrf_token": f.csrf_token(client, page)})

    f.login(client, stranger)
    assert client.get(f"/campaigns/shifts/{shift.id}").status_code == 403
    refused = f.post_form(client, f"/campaigns/shifts/{shift.id}/roster", {"volunteer_no": volunteer.volunteer_no},
                          token_from="/campaigns/")
    assert refused.status_code == 403
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/campaigns/")})

    f.login(client, admin)
    shown = client.get(page).get_data(as_text=True)
    assert "人民路口" in shown and "向单位派驻" not in shown
    rostered = f.post_form(client, f"/campaigns/shifts/{shift.id}/roster", {"volunteer_no": volunteer.volunteer_no},
                           token_from=f"/campaigns/shifts/{shift.id}", follow_redirects=True)
    assert "已安排排班者" in rostered.get_data(as_text=True)
    twice = f.post_form(client, f"/campaigns/shifts/{shift.id}/roster", {"volunteer_no": volunteer.volunteer_no},
                        token_from=f"/campaigns/shifts/{shift.id}")
    assert twice.status_code == 409 and "已有排班" in twice.get_data(as_text=True)
    unknown = f.post_form(client, f"/campaigns/shifts/{shift.id}/roster", {"volunteer_no": "nobody"},
                          token_from=f"/campaigns/shifts/{shift.id}")
    assert unknown.status_code == 422
    assert db.session.scalar(select(Shift.filled)) == 1
    client.post("/logout", data={"csrf_token": f.csrf_token(client, page)})

    f.login(client, volunteer.user)
    phone = client.get("/me/shifts/").get_data(as_text=True)
    assert "人民路口" in phone and "文明劝导行动" in phone
    headers = f.api_token(client, volunteer.user.username)
    listed = client.get("/api/v1/me/shifts", headers=headers)
    assert listed.status_code == 200
    [item] = listed.json["items"]
    assignment = db.session.scalar(select(ShiftAssignment))
    assert item["id"] == assignment.id and item["area"] == "人民路口" and item["came_at"] is None
    admin_headers = f.api_token(client, admin.username)
    assert client.get("/api/v1/me/shifts", headers=admin_headers).status_code == 403
