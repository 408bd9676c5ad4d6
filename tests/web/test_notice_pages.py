"""Notices' doors: a unit admin posts to its volunteers on the page; the volunteer sees it unread
first on the phone home, opens it (nothing changes) and marks it read (a POST); the admin's page
shows the read count; createNotice and listNotices do the same over the API."""
from sqlalchemy import func, select

from app.models import Notice, NoticeRead
from tests import factories as f


def test_post_read_and_count_on_the_pages(client, db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    volunteer = f.volunteer(unit)
    outsider = f.volunteer(f.unit())
    f.login(client, admin)
    made = f.post_form(client, "/notices/", {"audience": "unit", "unit_id": unit.id, "team_id": 0, "campaign_id": 0,
                                             "title": "周六集中服务", "body": "<script>x</script>\n早8点集合"})
    assert made.status_code == 302, made.get_data(as_text=True)[:800]
    everyone = f.post_form(client, "/notices/", {"audience": "all", "unit_id": 0, "team_id": 0, "campaign_id": 0,
                                                 "title": "全体", "body": "b"})
    assert everyone.status_code == 422  # a unit is not offered "everyone"
    notice = db.session.scalar(select(Notice))
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/notices/")})

    f.login(client, volunteer.user)
    home = client.get("/me/").get_data(as_text=True)
    assert "未读通知" in home and "周六集中服务" in home
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "早8点集合" in page
    assert db.session.scalar(select(func.count(NoticeRead.id))) == 0  # opening changes nothing
    f.post_form(client, f"/notices/{notice.id}/read", {}, token_from=f"/notices/{notice.id}")
    assert "未读通知" not in client.get("/me/").get_data(as_text=True)
    assert "周六集中服务" in client.get("/notices/mine").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/me/")})

    f.login(client, outsider.user)
    assert client.get(f"/notices/{notice.id}").status_code == 404
    client.post("/logout", data={"csrf_token": f.csrf_token(client, "/me/")})
    f.login(client, admin)
    sent = client.get("/notices/").get_data(as_text=True)
    assert "周六集中服务" in sent and "1人" in sent


def test_create_and_list_notices_over_the_api(client, db):
    office, unit = f.platform_admin(), f.unit()
    volunteer = f.volunteer(unit)
    boss = f.api_token(client, office.username)
    made = client.post("/api/v1/notices", json={"audience": "all", "title": "全市通知", "body": "内容"}, headers=boss)
    assert made.status_code == 201 and made.json["read_count"] == 0 and made.json["target_id"] is None
    bad = client.post("/api/v1/notices", json={"audience": "unit", "title": "t", "body": "b"}, headers=boss)
    assert bad.status_code == 422 and "target_id" in bad.json["error"]["fields"]
    unit_admin = f.api_token(client, f.unit_admin(unit).username)
    assert client.post("/api/v1/notices", json={"audience": "all", "title": "t", "body": "b"},
                       headers=unit_admin).status_code == 403
    mine = f.api_token(client, volunteer.user.username)
    assert client.post("/api/v1/notices", json={"audience": "all", "title": "t", "body": "b"},
                       headers=mine).status_code == 403
    listed = client.get("/api/v1/notices", headers=mine).json["items"]
    assert [(n["title"], n["read"]) for n in listed] == [("全市通知", False)]
    sent = client.get("/api/v1/notices", headers=boss).json["items"]
    assert [(n["title"], n["read_count"]) for n in sent] == [("全市通知", 0)]
