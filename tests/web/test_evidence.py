"""Evidence pages: the unit admin adds people served and photos on the activity's page and on
a post's day (with a day picker); thumbnails show, another unit's admin is refused."""
from __future__ import annotations

import io
from datetime import timedelta

from app.models import Activity, PostDay
from app.services import posts
from app.services.clock import local_today, now
from tests import factories as f
from tests.services.test_photos import jpeg_with_gps


def _activity(unit, admin):
    start = now() - timedelta(days=1)
    return posts.create_activity(unit.id, posts.ActivityInput(
        title="社区义诊", kind="service", starts_at=start, ends_at=start + timedelta(hours=2)), by=admin)[0]


def test_the_unit_admin_adds_people_served_and_a_photo_to_an_activity(client, db):
    admin = f.platform_admin()
    unit = f.unit()
    activity = _activity(unit, admin)
    db.session.commit()
    f.login(client, f.unit_admin(unit))
    assert "台账资料" in client.get("/activities/").get_data(as_text=True)
    path = f"/activities/{activity.id}/evidence"
    saved = f.post_form(client, path, {"beneficiaries": "86", "photos": (io.BytesIO(jpeg_with_gps((800, 600))), "现场.jpg")},
                        content_type="multipart/form-data")
    assert saved.status_code == 302
    assert db.session.get(Activity, activity.id).beneficiaries == 86
    page = client.get(path).get_data(as_text=True)
    assert "服务86人次" in page and "/thumb.jpg" in page
    thumb = page.split('src="')[1].split('"')[0]
    assert client.get(thumb).headers["Content-Type"] == "image/jpeg"

    bad = f.post_form(client, path, {"beneficiaries": "-3"})
    assert bad.status_code == 422
    not_photo = f.post_form(client, path, {"beneficiaries": "90", "photos": (io.BytesIO(b"%PDF-1.4"), "a.jpg")},
                            content_type="multipart/form-data")
    assert not_photo.status_code == 422 and "不是照片" in not_photo.get_data(as_text=True)
    assert db.session.get(Activity, activity.id).beneficiaries == 86  # all or nothing

    stranger = client.application.test_client()
    f.login(stranger, f.unit_admin())
    assert stranger.get(path).status_code == 403
    assert stranger.get(thumb).status_code == 404


def test_a_posts_day_is_picked_and_kept(client, db):
    admin = f.platform_admin()
    unit = f.unit()
    post = posts.create_post(unit.id, posts.PostInput(name="文明劝导岗"), by=admin)
    db.session.commit()
    f.login(client, f.unit_admin(unit))
    assert f"/admin/posts/{post.id}/days" in client.get(f"/admin/posts/{post.id}").get_data(as_text=True)
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    page = client.get(f"/admin/posts/{post.id}/days?day={yesterday}").get_data(as_text=True)
    assert f'value="{yesterday}"' in page
    saved = f.post_form(client, f"/admin/posts/{post.id}/days?day={yesterday}",
                        {"day": yesterday, "beneficiaries": "40", "note": "早高峰",
                         "photos": (io.BytesIO(jpeg_with_gps((500, 400))), "a.jpg")},
                        content_type="multipart/form-data")
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"day={yesterday}")
    row = db.session.scalar(db.select(PostDay))
    assert (row.day.isoformat(), row.beneficiaries, row.note) == (yesterday, 40, "早高峰")
    page = client.get(f"/admin/posts/{post.id}/days?day={yesterday}").get_data(as_text=True)
    assert "/thumb.jpg" in page and "早高峰" in page
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    assert f.post_form(client, f"/admin/posts/{post.id}/days", {"day": tomorrow, "beneficiaries": "1"}).status_code == 422
    assert client.get(f"/admin/posts/{post.id}/days?day=garbage").status_code == 200


def test_the_public_project_page_shows_people_served_to_date(client, db):
    from app.services import evidence, projects

    admin = f.platform_admin()
    unit = f.unit()
    project = projects.create_project(projects.ProjectInput(
        title="助残行动", purpose="帮扶", starts_on=local_today() - timedelta(days=5),
        ends_on=local_today() + timedelta(days=5), unit_id=unit.id, target_beneficiaries=500), by=admin)
    start = now() - timedelta(days=1)
    activity = posts.create_activity(unit.id, posts.ActivityInput(
        title="助残", kind="service", starts_at=start, ends_at=start + timedelta(hours=1), project_id=project.id),
        by=admin)[0]
    evidence.keep_activity_evidence(activity, beneficiaries=73, by=admin)
    db.session.commit()
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'id="project-beneficiaries">73 / 500<' in page
    assert client.get(f"/api/v1/projects/{project.id}").json["figures"]["beneficiaries"] == 73


def test_a_units_bulletin_page_shows_its_paired_stations_figures_and_no_one_elses(client, db):
    from app.models import Bulletin
    from app.services import evidence, places
    from app.services.bulletins import snapshots
    from app.services.months import Month

    admin = f.platform_admin()
    centre = places.create_place(name="页面中心", level="centre", by=admin)
    institute = places.create_place(name="页面所", level="institute", parent_id=centre.id, by=admin)
    station = places.create_place(name="页面实践站", level="station", parent_id=institute.id, by=admin)
    paired, stranger = f.unit(), f.unit()
    places.pair(station, paired.id, by=admin)
    month = Month.current().previous()
    start = month.start + timedelta(days=1)
    held = posts.create_activity(paired.id, posts.ActivityInput(
        title="站点宣讲", kind="event", starts_at=start, ends_at=start + timedelta(hours=1), station_id=station.id),
        by=admin)[0]
    evidence.keep_activity_evidence(held, beneficiaries=321, by=admin)
    snapshots.generate_bulletins(month, by=admin)
    db.session.commit()
    mine = db.session.scalar(db.select(Bulletin.id).where(Bulletin.unit_id == paired.id))
    theirs = db.session.scalar(db.select(Bulletin.id).where(Bulletin.unit_id == stranger.id))
    f.login(client, f.unit_admin(paired))
    page = client.get(f"/bulletins/{mine}").get_data(as_text=True)
    assert 'id="station-figures"' in page and "页面实践站" in page and "<td>321</td>" in page
    assert client.get(f"/bulletins/{theirs}").status_code == 403
    other = client.application.test_client()
    f.login(other, f.unit_admin(stranger))
    page = other.get(f"/bulletins/{theirs}").get_data(as_text=True)
    assert "页面实践站" not in page
