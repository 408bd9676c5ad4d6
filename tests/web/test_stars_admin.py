"""The platform admin's star rules page."""
import pytest

from app.services import stars
from tests import factories as f


@pytest.fixture
def scene(db):
    admin = f.platform_admin()
    unit = f.unit(admin=admin)
    a, b = f.volunteer(unit), f.volunteer(unit)
    f.give_hours(a, 250)
    f.give_hours(b, 50)
    return admin, a, b


def test_only_the_platform_admin_edits_stars(client, scene, db):
    f.login(client, f.unit_admin())
    assert client.get("/admin/stars/").status_code == 403


def test_edit_thresholds_regrades_everyone(client, scene, db):
    admin, a, b = scene
    f.login(client, admin)
    html = client.get("/admin/stars/").get_data(as_text=True)
    assert 'value="1500"' in html and "星级规则" in html
    response = f.post_form(client, "/admin/stars/", {"level_1": 40, "level_2": 200, "level_3": 500,
                                                     "level_4": 800, "level_5": 1000})
    assert response.status_code == 302
    page = client.get("/admin/stars/").get_data(as_text=True)
    assert "2人星级发生变化" in page
    db.session.refresh(a)
    db.session.refresh(b)
    assert (a.star_level, b.star_level) == (2, 1)


def test_bad_thresholds_are_shown_and_nothing_changes(client, scene, db):
    admin, a, _ = scene
    f.login(client, admin)
    response = f.post_form(client, "/admin/stars/", {"level_1": 100, "level_2": 90, "level_3": 500,
                                                     "level_4": 800, "level_5": 1000})
    assert response.status_code == 200 and "2星的小时数必须高于1星" in response.get_data(as_text=True)
    assert stars.thresholds() == stars.DEFAULT_THRESHOLDS


def test_apply_a_preset(client, scene, db):
    admin, a, _ = scene
    f.login(client, admin)
    # first the page says how many volunteers' levels would change, and changes nothing
    asked = f.post_form(client, "/admin/stars/preset", {"preset": "local"}, token_from="/admin/stars/")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "1 位志愿者的星级会改变（升星 1 人，降星 0 人）" in page
    assert stars.thresholds() == stars.DEFAULT_THRESHOLDS
    response = f.post_form(client, "/admin/stars/preset", {"preset": "local", "confirmed": "1"},
                           token_from="/admin/stars/")
    assert response.status_code == 302
    assert "1人星级发生变化" in client.get("/admin/stars/").get_data(as_text=True)
    assert stars.thresholds() == {1: 100, 2: 200, 3: 500, 4: 800, 5: 1000}
    db.session.refresh(a)
    assert a.star_level == 2
    bad = f.post_form(client, "/admin/stars/preset", {"preset": "moon"}, token_from="/admin/stars/")
    assert bad.status_code == 422
