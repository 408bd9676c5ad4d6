"""The themes' and campaigns' figures (主题 / 专项行动): activities, volunteers and hours per
campaign, for a month's bulletins (per unit and for the city) and for a campaign's period.

A record counts for a campaign when its activity is tagged with it, when it was made at a post
on a day given to the campaign, at a post of a project tagged with it, or when it fulfilled a
shift of the campaign's roster. A record counting for the campaign in several ways counts once
(a UNION of (record, campaign) pairs). Hours are approved hours; volunteers are counted by their
home unit, like every other figure of a unit's bulletin; activities by the organising unit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, union

from app.extensions import db
from app.hours import hours
from app.models import (
    Activity,
    Campaign,
    CampaignPostDay,
    Post,
    Project,
    ServiceRecord,
    Shift,
    ShiftAssignment,
    Volunteer,
)
from app.services.clock import start_of_day
from app.services.months import Month

CITY = "city"


def record_campaigns():
    """(record_id, campaign_id) of every record that counts for a campaign, each pair once."""
    record = ServiceRecord
    by_activity = (
        select(record.id.label("record_id"), Activity.campaign_id.label("campaign_id"))
        .join(Activity, Activity.id == record.activity_id)
        .where(Activity.campaign_id.is_not(None))
    )
    by_post_day = select(record.id, CampaignPostDay.campaign_id).join(
        CampaignPostDay,
        and_(
            CampaignPostDay.post_id == record.post_id,
            CampaignPostDay.starts_at <= record.started_at,
            CampaignPostDay.ends_at > record.started_at,
        ),
    )
    by_project = (
        select(record.id, Project.campaign_id)
        .join(Post, Post.id == record.post_id)
        .join(Project, Project.id == Post.project_id)
        .where(Project.campaign_id.is_not(None))
    )
    by_shift = (
        select(ShiftAssignment.record_id, Shift.campaign_id)
        .join(Shift, Shift.id == ShiftAssignment.shift_id)
        .where(ShiftAssignment.record_id.is_not(None))
    )
    return union(by_activity, by_post_day, by_project, by_shift).subquery("record_campaigns")


def _service(start: datetime, end: datetime):
    pairs = record_campaigns()
    return (
        select(
            pairs.c.campaign_id,
            Volunteer.unit_id,
            func.count(func.distinct(ServiceRecord.volunteer_id)),
            func.coalesce(func.sum(ServiceRecord.seconds), 0),
        )
        .join(ServiceRecord, ServiceRecord.id == pairs.c.record_id)
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(
            ServiceRecord.status == "approved",
            ServiceRecord.started_at >= start,
            ServiceRecord.started_at < end,
        )
        .group_by(pairs.c.campaign_id, Volunteer.unit_id)
    )


def _city_volunteers(start: datetime, end: datetime) -> dict[int, int]:
    """Distinct volunteers per campaign over every unit (a volunteer has one home unit, but
    counting distinct again keeps the city's figure honest)."""
    pairs = record_campaigns()
    rows = db.session.execute(
        select(pairs.c.campaign_id, func.count(func.distinct(ServiceRecord.volunteer_id)))
        .join(ServiceRecord, ServiceRecord.id == pairs.c.record_id)
        .where(
            ServiceRecord.status == "approved",
            ServiceRecord.started_at >= start,
            ServiceRecord.started_at < end,
        )
        .group_by(pairs.c.campaign_id)
    ).all()
    return {campaign_id: n for campaign_id, n in rows}


def _activities(start: datetime, end: datetime):
    return (
        select(Activity.campaign_id, Activity.unit_id, func.count(Activity.id))
        .where(
            Activity.campaign_id.is_not(None),
            Activity.is_cancelled.is_(False),
            Activity.starts_at >= start,
            Activity.starts_at < end,
        )
        .group_by(Activity.campaign_id, Activity.unit_id)
    )


def figures(start: datetime, end: datetime) -> dict[int | str, list[dict]]:
    """{unit_id: [rows], CITY: [rows]} for [start, end): each row {campaign_id, campaign,
    kind, starts_on, ends_on (the campaign's period, ISO dates), activities, volunteers, hours},
    campaigns by name; a unit
    lists only the campaigns it took part in. Four queries, whatever the data."""
    cells: dict[tuple[int, int | str], dict] = {}

    def cell(campaign_id: int, unit_id: int | str) -> dict:
        return cells.setdefault((campaign_id, unit_id), {"activities": 0, "volunteers": 0, "seconds": 0})

    for campaign_id, unit_id, volunteers, seconds in db.session.execute(_service(start, end)):
        for key in (unit_id, CITY):
            cell(campaign_id, key)["seconds"] += int(seconds)
        cell(campaign_id, unit_id)["volunteers"] += volunteers
    for campaign_id, volunteers in _city_volunteers(start, end).items():
        cell(campaign_id, CITY)["volunteers"] = volunteers
    for campaign_id, unit_id, count in db.session.execute(_activities(start, end)):
        cell(campaign_id, unit_id)["activities"] += count
        cell(campaign_id, CITY)["activities"] += count
    if not cells:
        return {}
    campaigns = {
        c.id: c for c in db.session.scalars(select(Campaign).where(Campaign.id.in_({k[0] for k in cells})))
    }
    result: dict[int | str, list[dict]] = {}
    for (campaign_id, unit_id), value in sorted(
        cells.items(), key=lambda item: (campaigns[item[0][0]].name, item[0][0])
    ):
        campaign = campaigns[campaign_id]
        result.setdefault(unit_id, []).append(
            {
                "campaign_id": campaign_id,
                "campaign": campaign.name,
                "kind": campaign.kind,
                **_period(campaign),
                "activities": value["activities"],
                "volunteers": value["volunteers"],
                "hours": hours(value["seconds"]),
            }
        )
    return result


def _period(campaign: Campaign) -> dict[str, str]:
    """The campaign's period as the snapshots keep it (JSON: ISO dates)."""
    return {"starts_on": campaign.starts_on.isoformat(), "ends_on": campaign.ends_on.isoformat()}


def month_figures(month: Month) -> dict[int | str, list[dict]]:
    return figures(*month.bounds())


def campaign_totals(campaign: Campaign) -> dict:
    """The campaign's figures over its whole period, for the city."""
    start, end = start_of_day(campaign.starts_on), start_of_day(campaign.ends_on + timedelta(days=1))
    for row in figures(start, end).get(CITY, []):
        if row["campaign_id"] == campaign.id:
            return row
    return {
        "campaign_id": campaign.id,
        "campaign": campaign.name,
        "kind": campaign.kind,
        **_period(campaign),
        "activities": 0,
        "volunteers": 0,
        "hours": 0.0,
    }
