"""The public column through its doors: readable without login, cached (ETag, public max-age,
one rendering shared by visitors), paged, escaped under the CSP, with an Atom feed; units
draft, the office publishes; the named volunteer consents on the phone."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from app.services import column
from app.services.column import Draft
from tests import factories as f
from tests.services.test_photos import jpeg_with_gps

ATOM = "{http://www.w3.org/2005/Atom}"


def _published(db, boss, n=1, **kw):
    items = []
    for i in range(n):
        item = column.create_draft(Draft(kw.get("kind", "news"), kw.get("title", f"活动动态{i}"),
                                         kw.get("body", "正文")), by=boss)
        column.submit(item, by=boss)
        column.approve(item, by=boss)
        items.append(item)
    db.session.commit()
    return items


def test_anyone_reads_the_column_escaped_and_under_the_csp(client, db):
    boss = f.platform_admin("boss")
    [item] = _published(db, boss, title="<img src=x onerror=alert(1)>好人好事", body="<b>粗体</b>")
    page = client.get("/column/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;好人好事" in html and "<img src=x" not in html
    assert "script-src 'self' 'nonce-" in page.headers["Content-Security-Policy"]
    detail = client.get(f"/column/{item.id}").get_data(as_text=True)
    assert "&lt;b&gt;粗体&lt;/b&gt;" in detail
    assert client.get("/column/99999").status_code == 404


def test_public_pages_are_cached_and_revalidated(client, db):
    boss = f.platform_admin("boss")
    _published(db, boss)
    first = client.get("/column/")
    assert first.headers["Cache-Control"] == f"public, max-age={60}"
    etag = first.headers["ETag"]
    again = client.get("/column/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    _published(db, boss, title="新的一篇")
    changed = client.get("/column/", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "新的一篇" in changed.get_data(as_text=True)


def test_the_server_keeps_one_rendering_per_version(client, db, monkeypatch):
    from app.web import column as door
    boss = f.platform_admin("boss")
    _published(db, boss)
    door._pages.clear()
    client.get("/column/?page=1")
    kept = dict(door._pages)
    assert len(kept) == 1
    calls = []
    monkeypatch.setattr(door, "render_template", lambda *a, **k: calls.append(a) or "x")
    assert client.get("/column/?page=1").get_data() == next(iter(kept.values()))
    assert calls == []  # served from the kept rendering


def test_the_list_is_paged(client, db):
    boss = f.platform_admin("boss")
    _published(db, boss, n=column.PUBLIC_PER_PAGE + 2)
    first = client.get("/column/").get_data(as_text=True)
    second = client.get("/column/?page=2").get_data(as_text=True)
    assert first.count('class="card mb-3"') == column.PUBLIC_PER_PAGE
    assert second.count('class="card mb-3"') == 2
    assert client.get("/column/?page=abc").status_code == 200
    assert client.get("/column/?page=99999999999").status_code == 200


def test_the_atom_feed(client, db):
    boss = f.platform_admin("boss")
    _published(db, boss, n=2, title="A & B <c>")
    response = client.get("/column/feed.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2 and entries[0].find(f"{ATOM}title").text == "A & B <c>"
    assert entries[0].find(f"{ATOM}link").get("href").startswith("http://vs.test/column/")


def test_a_unit_drafts_the_office_publishes_and_the_volunteer_consents(client, db):
    boss = f.platform_admin("boss")
    street = f.unit("街道办")
    admin = f.unit_admin(street, "street")
    hero = f.volunteer(street, name="王好人")
    f.login(client, admin)
    response = f.post_form(client, "/office/column/new", {
        "kind": "story", "title": "路口的守护者", "body": "他每天清晨在路口劝导。", "volunteer_no": hero.volunteer_no,
        "photos": (io.BytesIO(jpeg_with_gps((300, 200))), "a.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 302
    item_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert f.post_form(client, f"/office/column/{item_id}/submit", {},
                       token_from=f"/office/column/{item_id}").status_code == 302
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/office/column/")})

    f.login(client, boss)
    f.post_form(client, f"/office/column/{item_id}/approve", {}, token_from=f"/office/column/{item_id}")
    assert client.get(f"/column/{item_id}").status_code == 404  # no consent yet
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/office/column/")})

    f.login(client, hero.user)
    assert "有写到您的故事" in client.get("/me/").get_data(as_text=True)
    assert f.post_form(client, f"/me/column/{item_id}/consent", {"answer": "agree"},
                       token_from="/me/column").status_code == 302
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/me/")})

    f.login(client, boss)
    f.post_form(client, f"/office/column/{item_id}/approve", {}, token_from=f"/office/column/{item_id}")
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/office/column/")})
    page = client.get(f"/column/{item_id}").get_data(as_text=True)
    assert "路口的守护者" in page and "王好人" in page
    assert hero.phone not in page


def test_a_unit_cannot_publish(client, db):
    street = f.unit("街道办")
    admin = f.unit_admin(street, "street")
    item = column.create_draft(Draft("news", "活动", "内容"), by=admin)
    column.submit(item, by=admin)
    db.session.commit()
    f.login(client, admin)
    assert f.post_form(client, f"/office/column/{item.id}/approve", {},
                       token_from=f"/office/column/{item.id}").status_code == 302
    db.session.refresh(item)
    assert item.status == "submitted"
    assert f.post_form(client, f"/office/column/{item.id}/return", {"reason": "x"},
                       token_from=f"/office/column/{item.id}").status_code == 403
