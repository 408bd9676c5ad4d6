"""Themes and campaigns: the office sets them with a period; activities, projects and posts'
days are tagged; the bulletins count activities, volunteers and hours per campaign, each
record once however many tags it meets."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.models import ServiceRecord
from app.services import campaigns, posts, projects
from app.services.bulletins import campaigns as campaign_figures
from app.services.bulletins import figures
from app.services.clock import local, local_today, now, start_of_day
from app.services.errors import Forbidden, ValidationFailed
from app.services.months import Month
from tests import factories as f


def make_campaign(by, name="学雷锋月", kind="campaign", first=None, last=None):
    first = first or local_today() - timedelta(days=10)
    last = last or local_today() + timedelta(days=20)
    return campaigns.create_campaign(campaigns.CampaignInput(name=name, kind=kind, starts_on=first, ends_on=last),
                                     by=by)


def test_only_the_office_sets_themes_and_campaigns_with_a_valid_period(db):
    office, unit = f.platform_admin(), f.unit()
    with pytest.raises(Forbidden):
        make_campaign(f.unit_admin(unit))
    theme = make_campaign(office, "我们的节日·春节", "theme")
    assert theme.kind == "theme" and theme in campaigns.list_campaigns(current_only=True)
    for bad, field in (({"name": " "}, "name"), ({"kind": "other"}, "kind"),
                       ({"ends_on": local_today() - timedelta(days=30)}, "ends_on"),
                       ({"ends_on": local_today() + timedelta(days=400)}, "ends_on")):
        data = {"name": "x", "kind": "campaign", "starts_on": local_today(), "ends_on": local_today()} | bad
        with pytest.raises(ValidationFailed) as refused:
            campaigns.create_campaign(campaigns.CampaignInput(**data), by=office)
        assert field in refused.value.fields


def test_activities_projects_and_post_days_are_tagged_by_their_managers(db):
    office, unit, other = f.platform_admin(), f.unit(), f.unit()
    admin = f.unit_admin(unit)
    campaign = make_campaign(office)
    post = posts.create_post(unit.id, posts.PostInput(name="十字路口"), by=admin)
    start = now() + timedelta(days=1)
    activity = posts.create_activity(unit.id, posts.ActivityInput(
        title="文明劝导", kind="service", starts_at=start, ends_at=start + timedelta(hours=2),
        campaign_id=campaign.id), by=admin)[0]
    assert activity.campaign_id == campaign.id
    with pytest.raises(ValidationFailed):
        posts.create_activity(unit.id, posts.ActivityInput(
            title="x", kind="service", starts_at=start, ends_at=start + timedelta(hours=1), campaign_id=999999),
            by=admin)
    with pytest.raises(Forbidden):
        campaigns.tag_activity(activity, None, by=f.unit_admin(other))
    assert campaigns.tag_activity(activity, None, by=admin).campaign_id is None
    project = projects.create_project(projects.ProjectInput(
        title="礼让斑马线", purpose="劝导", starts_on=local_today(), ends_on=local_today() + timedelta(days=9),
        unit_id=unit.id), by=admin)
    assert campaigns.tag_project(project, campaign, by=admin).campaign_id == campaign.id
    today = local_today()
    assert campaigns.tag_post_days(campaign, post, today, today + timedelta(days=2), by=admin) == 3
    assert campaigns.tag_post_days(campaign, post, today, today + timedelta(days=3), by=admin) == 1
    with pytest.raises(ValidationFailed):  # outside the campaign's period
        campaigns.tag_post_days(campaign, post, today + timedelta(days=25), today + timedelta(days=26), by=admin)
    with pytest.raises(Forbidden):
        campaigns.tag_post_days(campaign, post, today, today, by=f.unit_admin(other))


def test_figures_count_activities_volunteers_and_hours_per_campaign_once(db):
    office, unit, other = f.platform_admin(), f.unit(), f.unit()
    admin = f.unit_admin(unit)
    month = Month.of(now())
    first, last = local(month.start).date(), date(month.year, month.number, 28)
    drive = make_campaign(office, "文明劝导", first=first, last=last)
    theme = make_campaign(office, "学雷锋月", "theme", first=first, last=last)
    post = posts.create_post(unit.id, posts.PostInput(name="路口"), by=admin)
    quiet = posts.create_post(unit.id, posts.PostInput(name="社区"), by=admin)
    day = first + timedelta(days=1)
    campaigns.tag_post_days(drive, post, day, day, by=admin)
    noon = start_of_day(day) + timedelta(hours=4)
    activity = posts.create_activity(unit.id, posts.ActivityInput(
        title="劝导", kind="service", starts_at=noon - timedelta(hours=1), ends_at=noon + timedelta(hours=3),
        post_id=post.id, campaign_id=drive.id), by=admin)[0]
    posts.create_activity(unit.id, posts.ActivityInput(
        title="学雷锋", kind="service", starts_at=noon, ends_at=noon + timedelta(hours=1), campaign_id=theme.id),
        by=admin)
    a, b, c = f.volunteer(unit), f.volunteer(unit), f.volunteer(other)
    # a's record is on the drive's post day AND in its activity: it counts once
    record = f.give_hours(a, 2, post=post, end=noon + timedelta(hours=2))
    record.activity_id = activity.id
    f.give_hours(b, 1, post=post, end=noon + timedelta(hours=1))     # post day only
    f.give_hours(c, 3, post=quiet, end=noon + timedelta(hours=3))    # no campaign
    pending = f.give_hours(c, 1, post=post, end=noon - timedelta(hours=2))
    pending.status = "pending"
    db.session.flush()
    result = campaign_figures.month_figures(month)
    city = {row["campaign"]: row for row in result[campaign_figures.CITY]}
    assert city["文明劝导"] == {"campaign_id": drive.id, "campaign": "文明劝导", "kind": "campaign",
                                 "starts_on": first.isoformat(), "ends_on": last.isoformat(),
                                 "activities": 1, "volunteers": 2, "hours": 3.0}
    assert city["学雷锋月"]["activities"] == 1 and city["学雷锋月"]["hours"] == 0
    assert [r["campaign"] for r in result[unit.id]] == sorted(city)
    assert other.id not in result
    assert campaign_figures.campaign_totals(drive)["hours"] == 3.0
    # the month's bulletin figures carry them
    computed = figures.compute(month)
    assert computed[unit.id]["campaigns"] == result[unit.id]
    assert computed[other.id]["campaigns"] == []
    assert db.session.scalar(select(func.count(ServiceRecord.id))) == 4


def test_the_bulletin_and_the_review_pages_show_the_campaigns_figures(db, client):
    from app.models import Bulletin
    from app.services import reviews
    from app.services.bulletins.snapshots import generate_bulletins
    from app.services.periods import Period

    office, unit = f.platform_admin(), f.unit()
    admin = f.unit_admin(unit)
    month = Month.of(now()).previous()
    first, last = local(month.start).date(), local(month.end - timedelta(seconds=1)).date()
    drive = make_campaign(office, "文明劝导", first=first, last=last)
    post = posts.create_post(unit.id, posts.PostInput(name="路口"), by=admin)
    day = first + timedelta(days=2)
    campaigns.tag_post_days(drive, post, day, day, by=admin)
    f.give_hours(f.volunteer(unit), 2, post=post, end=start_of_day(day) + timedelta(hours=12))
    db.session.commit()
    expected = campaign_figures.month_figures(month)
    assert expected[unit.id][0]["hours"] == 2.0

    # the review of the year the month is in carries the same rows, for the unit and the city
    review = reviews.make_draft(Period.parse(str(month.year)), by=office)
    row = next(r for r in review.figures["units"] if r["unit_id"] == unit.id)
    assert row["campaigns"] == expected[unit.id]
    assert review.figures["campaigns"] == expected[campaign_figures.CITY]
    generate_bulletins(month)
    db.session.commit()

    f.login(client, office)
    city_bulletin = db.session.scalar(select(Bulletin.id).where(Bulletin.month == str(month), Bulletin.unit_id.is_(None)))
    for url in (f"/bulletins/{city_bulletin}", f"/reviews/{review.id}", f"/reviews/{review.id}?unit_id={unit.id}"):
        page = client.get(url)
        text = page.get_data(as_text=True)
        assert page.status_code == 200, url
        assert 'id="campaign-figures"' in text and "文明劝导" in text, url
        assert f"{first} – {last}" in text, url  # the campaign's period, as in the files
