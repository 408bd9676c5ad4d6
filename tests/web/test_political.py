"""Political status on the profile page and updateMe; where it shows and where it never does."""
from app.services import political
from tests import factories as f


def test_volunteer_gives_it_on_the_profile_page_only_with_the_consent_ticked(client, db):
    volunteer = f.volunteer()
    f.login(client, volunteer.user)
    refused = f.post_form(client, "/me/profile/", {"political_status": "party_member"})
    assert refused.status_code == 422 and "需要您同意" in refused.get_data(as_text=True)
    db.session.refresh(volunteer)
    assert volunteer.political_status is None
    saved = f.post_form(client, "/me/profile/", {"political_status": "party_member", "political_consent": "y"})
    assert saved.status_code == 302
    db.session.refresh(volunteer)
    assert volunteer.political_status == "party_member"


def test_the_units_admin_sees_it_but_not_the_platform_admin_nor_other_units(client, db):
    volunteer = f.volunteer()
    political.set_status(volunteer, "party_member", consent=True, by=volunteer.user)
    db.session.commit()
    f.login(client, f.unit_admin(volunteer.unit))
    assert "中共党员" in client.get(f"/admin/volunteers/{volunteer.id}").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/admin/")})
    boss = f.platform_admin()
    f.login(client, boss)
    page = client.get(f"/admin/volunteers/{volunteer.id}")
    assert page.status_code == 200 and "中共党员" not in page.get_data(as_text=True)
    headers = f.api_token(client, boss.username)
    for path in (f"/api/v1/volunteers/{volunteer.id}", f"/api/v1/volunteers?phone={volunteer.phone}"):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200 and "party_member" not in answer.get_data(as_text=True)
    other_admin = f.api_token(client, f.unit_admin().username)
    assert client.get(f"/api/v1/volunteers/{volunteer.id}", headers=other_admin).status_code == 404


def test_update_me_sets_and_withdraws_it(client, db):
    volunteer = f.volunteer()
    headers = f.api_token(client, volunteer.user.username)
    refused = client.patch("/api/v1/me", headers=headers, json={"political_status": "masses"})
    assert refused.status_code == 422 and "political_consent" in refused.json["error"]["fields"]
    assert client.patch("/api/v1/me", headers=headers,
                        json={"political_status": "king", "political_consent": True}).status_code == 422
    given = client.patch("/api/v1/me", headers=headers, json={"political_status": "masses", "political_consent": True})
    assert given.status_code == 200 and given.json["political_status"] == "masses"
    withdrawn = client.patch("/api/v1/me", headers=headers, json={"political_status": None})
    assert withdrawn.status_code == 200 and withdrawn.json["political_status"] is None
