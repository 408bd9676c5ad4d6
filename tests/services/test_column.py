"""The public column (志愿风采): units draft, the office publishes or returns, a story names a
volunteer only with their consent, and the public sees only what is published."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.services import audit, column, photos
from app.services.column import Draft
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.services.inputs import Upload
from tests import factories as f
from tests.services.test_photos import jpeg_with_gps


@pytest.fixture
def scene(db):
    boss = f.platform_admin()
    street, school = f.unit("街道办"), f.unit("实验小学")
    return SimpleNamespace(boss=boss, street=street, street_admin=f.unit_admin(street),
                           school_admin=f.unit_admin(school), hero=f.volunteer(street, name="王好人"))


def story(s, **changes):
    data = dict(kind="story", title="王好人十年如一日", body="他每天清晨在路口劝导。", volunteer_no=s.hero.volunteer_no)
    data.update(changes)
    return column.create_draft(Draft(**data), by=s.street_admin, uploads=[Upload("a.jpg", jpeg_with_gps((300, 200)))])


def test_a_news_item_goes_from_draft_to_published(scene, db):
    item = column.create_draft(Draft("news", "学雷锋活动", "三百人参加"), by=scene.street_admin)
    assert (item.status, item.unit_id) == ("draft", scene.street.id)
    assert column.public_page().total == 0
    column.submit(item, by=scene.street_admin)
    with pytest.raises(NotFound):
        column.public_item(item.id)
    column.approve(item, by=scene.boss)
    assert column.public_item(item.id) is item
    assert [i.id for i in column.public_page().items] == [item.id]
    assert [e.action for e in audit.trail(item)] == ["column.drafted", "column.submitted", "column.published"]


def test_a_story_is_published_only_with_the_named_volunteers_consent(scene, db):
    item = story(scene)
    column.submit(item, by=scene.street_admin)
    assert column.pending_consents(scene.hero) == 1
    with pytest.raises(Conflict):
        column.approve(item, by=scene.boss)
    column.answer_consent(item, scene.hero, agree=False)
    with pytest.raises(Conflict):
        column.approve(item, by=scene.boss)
    column.answer_consent(item, scene.hero, agree=True)
    column.approve(item, by=scene.boss)
    assert column.public_item(item.id).names_volunteer
    [photo] = photos.photos_of("column", item.id)
    assert photos.is_public(photo)

    column.answer_consent(item, scene.hero, agree=False)  # withdrawn later: off the column at once
    with pytest.raises(NotFound):
        column.public_item(item.id)
    assert column.public_page().total == 0 and column.latest() == []
    assert not photos.is_public(photo)
    with pytest.raises(NotFound):
        photos.visible(None, photo.id)


def test_only_the_named_volunteer_answers(scene, db):
    item = story(scene)
    column.submit(item, by=scene.street_admin)
    with pytest.raises(NotFound):
        column.answer_consent(item, f.volunteer(scene.street, name="别人"), agree=True)


def test_naming_another_volunteer_asks_again(scene, db):
    item = story(scene)
    column.submit(item, by=scene.street_admin)
    column.answer_consent(item, scene.hero, agree=True)
    column.return_item(item, reason="请补充照片", by=scene.boss)
    other = f.volunteer(scene.street, name="李热心")
    column.update_draft(item, Draft("story", item.title, item.body, other.volunteer_no), by=scene.street_admin)
    assert (item.volunteer_id, item.consent) == (other.id, None)


@pytest.mark.parametrize("changes, field", [
    ({"title": " "}, "title"),
    ({"title": "标" * (column.TITLE_MAX + 1)}, "title"),
    ({"body": ""}, "body"),
    ({"kind": "ads"}, "kind"),
    ({"volunteer_no": "NOPE"}, "volunteer_no"),
    ({"kind": "news"}, "volunteer_no"),  # news names nobody
])
def test_bad_drafts_are_refused_per_field(scene, db, changes, field):
    with pytest.raises(ValidationFailed) as refused:
        story(scene, **changes)
    assert field in refused.value.fields


def test_refusals_and_access(scene, db):
    item = story(scene)
    with pytest.raises(Forbidden):
        column.submit(item, by=scene.school_admin)
    with pytest.raises(NotFound):
        column.get_for_admin(scene.school_admin, item.id)
    with pytest.raises(Forbidden):
        column.create_draft(Draft("news", "x", "y"), by=scene.hero.user)
    with pytest.raises(Conflict):
        column.approve(item, by=scene.boss)  # a draft, not submitted
    column.submit(item, by=scene.street_admin)
    with pytest.raises(Conflict):
        column.submit(item, by=scene.street_admin)
    with pytest.raises(Conflict):
        column.update_draft(item, Draft("news", "x", "y"), by=scene.street_admin)
    with pytest.raises(Forbidden):
        column.approve(item, by=scene.street_admin)
    with pytest.raises(Forbidden):
        column.return_item(item, reason="x", by=scene.street_admin)
    with pytest.raises(ValidationFailed):
        column.return_item(item, reason=" ", by=scene.boss)
    [photo] = photos.photos_of("column", item.id)
    assert photos.visible(scene.street_admin, photo.id) and photos.visible(scene.hero.user, photo.id)
    with pytest.raises(NotFound):
        photos.visible(scene.school_admin, photo.id)


def test_the_office_may_take_a_published_item_off(scene, db):
    item = column.create_draft(Draft("news", "活动", "内容"), by=scene.boss)
    column.submit(item, by=scene.boss)
    column.approve(item, by=scene.boss)
    before = column.version()
    column.return_item(item, reason="信息有误", by=scene.boss)
    assert column.public_page().total == 0 and column.version() != before


def test_the_admin_list_filters_by_a_known_status_tab_only(scene, db):
    draft, sent = story(scene), story(scene, title="第二篇")
    column.submit(sent, by=scene.street_admin)
    assert [i.id for i in column.admin_page(scene.boss, status="submitted").items] == [sent.id]
    assert {i.id for i in column.admin_page(scene.boss, status="draft").items} == {draft.id}
    assert column.admin_page(scene.boss, status="no-such-tab").total == 2
    assert column.admin_page(scene.boss).total == 2
    with pytest.raises(Forbidden) as refused:
        column.approve(sent, by=scene.street_admin)
    assert refused.value.message == "只有文明办可以审核志愿风采稿件"
