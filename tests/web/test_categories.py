"""Service categories on the portal and the API: the platform admin's page, the post and
activity forms, listCategories and createPost."""
from datetime import timedelta

from sqlalchemy import select

from app.models import Activity, Post, ServiceCategory
from app.services import categories, posts
from app.services.clock import local, now
from app.services.errors import get_or_404
from tests import factories as f


def _id(name: str) -> int:
    return next(c.id for c in categories.list_categories() if c.name == name)


def test_platform_admin_adds_renames_and_cannot_remove_a_used_category(client, db):
    admin = f.platform_admin()
    f.login(client, admin)
    page = client.get("/admin/categories/")
    assert page.status_code == 200 and "扶老助残" in page.get_data(as_text=True)
    added = f.post_form(client, "/admin/categories/", {"name": "心理疏导", "name_en": "Counselling"})
    assert added.status_code == 302
    new_id = db.session.scalar(select(ServiceCategory.id).where(ServiceCategory.name == "心理疏导"))
    clash = f.post_form(client, "/admin/categories/", {"name": "医疗卫生"})
    assert clash.status_code == 422 and "已有同名的服务类别" in clash.get_data(as_text=True)
    renamed = f.post_form(client, f"/admin/categories/{new_id}", {"name": "心理咨询", "name_en": ""})
    assert renamed.status_code == 302 and db.session.get(ServiceCategory, new_id).name == "心理咨询"

    unit = f.unit()
    posts.create_post(unit.id, posts.PostInput(name="法律咨询台", category_id=_id("法律服务")), by=admin)
    db.session.commit()
    refused = f.post_form(client, f"/admin/categories/{_id('法律服务')}/remove", {}, token_from="/admin/categories/",
                          follow_redirects=True)
    assert "不能删除" in refused.get_data(as_text=True) and _id("法律服务")
    removed = f.post_form(client, f"/admin/categories/{new_id}/remove", {}, token_from="/admin/categories/")
    assert removed.status_code == 302
    db.session.expire_all()
    assert db.session.get(ServiceCategory, new_id) is None
    retired = f.post_form(client, f"/admin/categories/{_id('无偿献血')}/active", {"active": "0"},
                          token_from="/admin/categories/")
    assert retired.status_code == 302
    db.session.expire_all()
    assert not db.session.get(ServiceCategory, _id("无偿献血")).active


def test_only_the_platform_admin_opens_the_catalogue_page(client, db):
    unit = f.unit()
    f.login(client, f.unit_admin(unit))
    assert client.get("/admin/categories/").status_code == 403
    assert client.post("/admin/categories/1/remove").status_code in (400, 403)
    assert db.session.get(ServiceCategory, 1) is not None


def test_post_and_activity_forms_carry_a_category(client, db):
    unit = f.unit()
    f.login(client, f.unit_admin(unit))
    form = client.get("/admin/posts/new").get_data(as_text=True)
    assert "服务类别" in form and "环境保护" in form
    made = f.post_form(client, "/admin/posts/new", {"unit_id": unit.id, "name": "河道巡护", "geofence_mode": "refuse",
                                                    "min_minutes": 10, "max_minutes": 240,
                                                    "category_id": _id("环境保护")})
    assert made.status_code == 302
    post = db.session.scalar(select(Post).where(Post.name == "河道巡护"))
    assert post.category_id == _id("环境保护")
    bad = f.post_form(client, f"/admin/posts/{post.id}", {"unit_id": unit.id, "name": "河道巡护", "geofence_mode": "refuse",
                                                          "min_minutes": 10, "max_minutes": 240, "category_id": 999999})
    assert bad.status_code == 200 and db.session.get(Post, post.id).category_id == _id("环境保护")
    start = local(now() + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    response = f.post_form(client, "/activities/", {
        "title": "河道清洁", "kind": "service", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "post_id": post.id,
        "category_id": 0, "weekly_count": 1})
    assert response.status_code == 302
    activity = db.session.scalar(select(Activity).where(Activity.title == "河道清洁"))
    assert activity.category_id == _id("环境保护")  # taken from its post
    assert "环境保护" in client.get("/activities/").get_data(as_text=True)


def test_list_categories_is_public_and_english_names_come_with_it(client, db):
    admin = f.platform_admin()
    categories.set_active(get_or_404(ServiceCategory, _id("应急救援")), False, by=admin)
    db.session.commit()
    answer = client.get("/api/v1/categories")
    assert answer.status_code == 200
    names = [c["name"] for c in answer.json["items"]]
    assert len(names) == 11 and "应急救援" not in names and names[0] == "扶老助残"
    assert answer.json["items"][0]["name_en"] == "Care for the elderly and disabled"
    everything = client.get("/api/v1/categories?include_inactive=true")
    assert len(everything.json["items"]) == 12
    assert client.get("/api/v1/categories?include_inactive=perhaps").status_code == 422
    spec = client.get("/api/v1/openapi.json").json
    assert any(op.get("operationId") == "listCategories" for path in spec["paths"].values() for op in path.values()
               if isinstance(op, dict))


def test_create_post_takes_a_category_id(client, db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    headers = f.api_token(client, admin.username)
    made = client.post(f"/api/v1/units/{unit.id}/posts", headers=headers,
                       json={"name": "科普角", "category_id": _id("科普宣传")})
    assert made.status_code == 201 and made.json["category_id"] == _id("科普宣传")
    bad = client.post(f"/api/v1/units/{unit.id}/posts", headers=headers, json={"name": "科普角2", "category_id": 999999})
    assert bad.status_code == 422 and "category_id" in bad.json["error"]["fields"]
    assert db.session.scalar(select(Post.id).where(Post.name == "科普角2")) is None


def test_platform_admin_keeps_the_skill_catalogue_the_same_way(client, db):
    from app.models import Skill
    from app.services import skills

    admin = f.platform_admin()
    f.login(client, admin)
    page = client.get("/admin/skills/")
    assert page.status_code == 200 and "驾驶员" in page.get_data(as_text=True) and "专业技能" in page.get_data(as_text=True)
    added = f.post_form(client, "/admin/skills/", {"name": "无人机操控", "name_en": "Drone pilot"})
    assert added.status_code == 302
    new_id = db.session.scalar(select(Skill.id).where(Skill.name == "无人机操控"))
    clash = f.post_form(client, "/admin/skills/", {"name": "驾驶员"})
    assert clash.status_code == 422 and "已有同名的专业技能" in clash.get_data(as_text=True)
    renamed = f.post_form(client, f"/admin/skills/{new_id}", {"name": "无人机飞手", "name_en": "Drone pilot"})
    assert renamed.status_code == 302 and db.session.get(Skill, new_id).name == "无人机飞手"

    volunteer = f.volunteer()
    skills.set_skills(volunteer, {new_id: "CAAC"}, by=None)
    db.session.commit()
    refused = f.post_form(client, f"/admin/skills/{new_id}/remove", {}, token_from="/admin/skills/",
                          follow_redirects=True)
    assert "专业技能“无人机飞手”已被志愿者或活动使用，不能删除" in refused.get_data(as_text=True)
    retired = f.post_form(client, f"/admin/skills/{new_id}/active", {"active": "0"}, token_from="/admin/skills/")
    assert retired.status_code == 302
    db.session.expire_all()
    assert not db.session.get(Skill, new_id).active
    assert new_id not in dict(skills.choices())  # retired: offered for nothing new
    assert new_id in dict(skills.choices(current=new_id))  # but kept where it is held

    other = client.application.test_client()
    f.login(other, f.unit_admin(f.unit()))
    assert other.get("/admin/skills/").status_code == 403
