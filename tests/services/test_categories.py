"""The service-category catalogue: seeded, kept by the platform admin, chosen by posts and
activities; one in use cannot be removed."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Activity, Post, ServiceCategory
from app.models.catalogues import DEFAULT_CATEGORIES
from app.services import audit, categories, posts
from app.services.clock import now
from app.services.errors import Conflict, Forbidden, ValidationFailed
from tests import factories as f


def _by_name(name: str) -> ServiceCategory:
    return next(c for c in categories.list_categories() if c.name == name)


def test_the_migration_seeds_the_twelve_common_categories_in_order(db):
    names = [c.name for c in categories.list_categories()]
    assert names == [name for name, _ in DEFAULT_CATEGORIES]
    assert len(names) == 12 and all(c.active and c.name_en for c in categories.list_categories())


def test_platform_admin_creates_renames_retires_and_removes(db):
    admin = f.platform_admin()
    made = categories.create_category("  心理 疏导 ", "Counselling", by=admin)
    assert made.name == "心理 疏导" and made.position == 13 and made.active
    categories.rename_category(made, "心理疏导", "Psychological support", by=admin)
    assert (made.name, made.name_en) == ("心理疏导", "Psychological support")
    categories.set_active(made, False, by=admin)
    assert made not in categories.list_categories(active_only=True)
    categories.remove_category(made, by=admin)
    db.session.commit()
    assert db.session.get(ServiceCategory, made.id) is None
    actions = [e.action for e in audit.trail(made)]
    assert actions == ["category.created", "category.renamed", "category.disabled", "category.removed"]


@pytest.mark.parametrize("name, name_en, field", [
    ("", None, "name"), ("   ", None, "name"), ("类" * 31, None, "name"),
    ("医疗卫生", None, "name"), ("x", "e" * 61, "name_en"),
])
def test_bad_names_are_refused_per_field(db, name, name_en, field):
    with pytest.raises(ValidationFailed) as refused:
        categories.create_category(name, name_en, by=f.platform_admin())
    assert field in refused.value.fields


def test_renaming_to_another_categorys_name_is_refused_but_keeping_ones_own_is_fine(db):
    admin = f.platform_admin()
    law = _by_name("法律服务")
    with pytest.raises(ValidationFailed):
        categories.rename_category(law, "医疗卫生", by=admin)
    categories.rename_category(law, "法律服务", "Legal aid", by=admin)
    assert law.name_en == "Legal aid"


def test_only_the_platform_admin_keeps_the_catalogue(db):
    unit = f.unit()
    with pytest.raises(Forbidden):
        categories.create_category("新类别", by=f.unit_admin(unit))
    with pytest.raises(Forbidden):
        categories.remove_category(_by_name("无偿献血"), by=f.unit_admin(unit))


def test_a_category_in_use_by_a_post_or_an_activity_cannot_be_removed(db):
    admin, unit = f.platform_admin(), f.unit()
    health, blood = _by_name("医疗卫生"), _by_name("无偿献血")
    post = posts.create_post(unit.id, posts.PostInput(name="社区卫生站", category_id=health.id), by=admin)
    posts.create_activity(unit.id, posts.ActivityInput(
        title="献血日", kind="event", starts_at=now() + timedelta(days=1), ends_at=now() + timedelta(days=1, hours=2),
        category_id=blood.id), by=admin)
    db.session.commit()
    for used in (health, blood):
        with pytest.raises(Conflict) as refused:
            categories.remove_category(used, by=admin)
        assert used.name in refused.value.message and "停用" in refused.value.message
    assert db.session.get(ServiceCategory, health.id) is not None
    # retired, it stays on the post; the post can still be saved with it
    categories.set_active(health, False, by=admin)
    posts.update_post(post, posts.PostInput(name="社区卫生服务站", category_id=health.id), by=admin)
    assert post.category_id == health.id


def test_posts_and_activities_choose_an_active_category_from_the_catalogue(db):
    admin, unit = f.platform_admin(), f.unit()
    retired = _by_name("交通劝导")
    categories.set_active(retired, False, by=admin)
    for bad in (retired.id, 999_999):
        with pytest.raises(ValidationFailed) as refused:
            posts.create_post(unit.id, posts.PostInput(name="岗", category_id=bad), by=admin)
        assert "category_id" in refused.value.fields
        with pytest.raises(ValidationFailed) as refused:
            posts.create_activity(unit.id, posts.ActivityInput(
                title="活动", kind="service", starts_at=now() + timedelta(hours=1),
                ends_at=now() + timedelta(hours=2), category_id=bad), by=admin)
        assert "category_id" in refused.value.fields
    uncategorised = posts.create_post(unit.id, posts.PostInput(name="无类别岗"), by=admin)
    assert uncategorised.category_id is None


def test_an_activity_at_a_post_takes_the_posts_category_unless_it_names_one(db):
    admin, unit = f.platform_admin(), f.unit()
    civility, culture = _by_name("文明劝导"), _by_name("文化体育")
    post = posts.create_post(unit.id, posts.PostInput(name="路口", category_id=civility.id), by=admin)
    start = now() + timedelta(days=1)
    series = posts.create_activity(unit.id, posts.ActivityInput(
        title="路口引导", kind="service", starts_at=start, ends_at=start + timedelta(hours=1), post_id=post.id,
        weekly_count=2), by=admin)
    own = posts.create_activity(unit.id, posts.ActivityInput(
        title="广场舞", kind="event", starts_at=start, ends_at=start + timedelta(hours=1), post_id=post.id,
        category_id=culture.id), by=admin)[0]
    assert [a.category_id for a in series] == [civility.id, civility.id] and own.category_id == culture.id
    db.session.commit()
    assert db.session.scalar(select(Activity.category_id).where(Activity.id == own.id)) == culture.id
    assert db.session.scalar(select(Post.category_id).where(Post.id == post.id)) == civility.id


def test_the_demo_posts_and_weekly_activities_carry_categories(db):
    from app import demo
    demo.load()
    db.session.commit()
    assert all(p.category_id is not None for p in db.session.scalars(select(Post)))
    weekly = db.session.scalars(select(Activity).where(Activity.recurrence == "weekly")).all()
    assert weekly and {a.category.name for a in weekly} == {"文明劝导"}
