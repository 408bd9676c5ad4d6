"""Themes and campaigns (主题 / 专项行动): the office sets them with a period; activities,
projects and posts' days are tagged with them, so that bulletins count per campaign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Activity, Campaign, CampaignPostDay, Post, Project, User
from app.models.campaigns import CAMPAIGN_KINDS
from app.services import audit, units
from app.services.clock import local_today, start_of_day
from app.services.errors import Conflict, ValidationFailed, get_or_404

NAME_MAX = 100
DESCRIPTION_MAX = 2000
LONGEST_DAYS = 366
POST_DAYS_MAX = 62  # posts' days tagged in one go


@dataclass
class CampaignInput:
    name: str
    kind: str
    starts_on: date
    ends_on: date
    description: str | None = None


def ensure_office(by: User | None) -> None:
    units.ensure_office(by, _("只有文明办管理员可以设置主题和专项行动"))


def get_campaign(campaign_id: int) -> Campaign:
    return get_or_404(Campaign, campaign_id, _("主题或专项行动不存在"))


def _validated(data: CampaignInput) -> CampaignInput:
    fields: dict[str, list[str]] = {}
    data.name = (data.name or "").strip()
    data.description = (data.description or "").strip() or None
    if not data.name or len(data.name) > NAME_MAX:
        fields["name"] = [_("请填写名称（不超过100字）")]
    if data.kind not in CAMPAIGN_KINDS:
        fields["kind"] = [_("请选择月度主题或专项行动")]
    if data.ends_on < data.starts_on:
        fields["ends_on"] = [_("结束日期不能早于开始日期")]
    elif (data.ends_on - data.starts_on).days >= LONGEST_DAYS:
        fields["ends_on"] = [_("期限不能超过一年")]
    if data.description and len(data.description) > DESCRIPTION_MAX:
        fields["description"] = [_("说明不能超过2000字")]
    if fields:
        raise ValidationFailed(fields=fields)
    return data


def create_campaign(data: CampaignInput, *, by: User) -> Campaign:
    """The office sets a monthly theme or a named campaign with its period."""
    ensure_office(by)
    data = _validated(data)
    campaign = Campaign(**data.__dict__, created_by_id=by.id)
    db.session.add(campaign)
    db.session.flush()
    audit.log("campaign.created", campaign, by=by, name=campaign.name, kind=campaign.kind)
    return campaign


def list_campaigns(*, current_only: bool = False) -> list[Campaign]:
    stmt = select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    if current_only:
        today = local_today()
        stmt = stmt.where(Campaign.starts_on <= today, Campaign.ends_on >= today)
    return list(db.session.scalars(stmt.limit(200)))


def choices(*, include: int | None = None) -> list[tuple[int, str]]:
    """Campaigns not yet over (and the one already chosen), for a form's select."""
    today = local_today()
    stmt = select(Campaign).where(Campaign.ends_on >= today)
    if include is not None:
        stmt = select(Campaign).where((Campaign.ends_on >= today) | (Campaign.id == include))
    return [(c.id, c.name) for c in db.session.scalars(stmt.order_by(Campaign.starts_on, Campaign.id))]


def check_choice(campaign_id: int | None) -> list[str]:
    """The field's problems when campaign_id names no campaign."""
    if campaign_id is None or db.session.get(Campaign, campaign_id) is not None:
        return []
    return [_("请选择有效的主题或专项行动")]


def _ensure_within(campaign: Campaign, first: date, last: date, field: str = "campaign_id") -> None:
    if first < campaign.starts_on or last > campaign.ends_on:
        raise ValidationFailed(fields={field: [_("日期不在“%(name)s”的期限内", name=campaign.name)]})


def tag_activity(activity: Activity, campaign: Campaign | None, *, by: User) -> Activity:
    """Tag an activity with a theme or campaign (None removes the tag)."""
    units.ensure_can_manage_unit(by, activity.unit_id)
    if campaign is not None:
        from app.services.clock import local

        _ensure_within(campaign, local(activity.starts_at).date(), local(activity.starts_at).date())
    activity.campaign_id = campaign.id if campaign else None
    db.session.flush()
    audit.log("activity.tagged", activity, by=by, unit_id=activity.unit_id, campaign_id=activity.campaign_id)
    return activity


def tag_project(project: Project, campaign: Campaign | None, *, by: User) -> Project:
    from app.services import projects

    projects.ensure_can_manage_project(by, project)
    project.campaign_id = campaign.id if campaign else None
    db.session.flush()
    audit.log("project.tagged", project, by=by, unit_id=project.unit_id, campaign_id=project.campaign_id)
    return project


def tag_post_days(campaign: Campaign, post: Post, first: date, last: date, *, by: User) -> int:
    """Give a post's days to a campaign: the service there on those days counts for it.
    Days already given are left as they are. Returns the days added."""
    units.ensure_can_manage_unit(by, post.unit_id)
    if last < first or (last - first).days >= POST_DAYS_MAX:
        raise ValidationFailed(fields={"last": [_("请填写有效的日期范围（不超过62天）")]})
    _ensure_within(campaign, first, last, "last")
    have = set(
        db.session.scalars(
            select(CampaignPostDay.day).where(
                CampaignPostDay.campaign_id == campaign.id,
                CampaignPostDay.post_id == post.id,
                CampaignPostDay.day.between(first, last),
            )
        )
    )
    added = 0
    day = first
    while day <= last:
        if day not in have:
            db.session.add(
                CampaignPostDay(
                    campaign_id=campaign.id,
                    post_id=post.id,
                    day=day,
                    starts_at=start_of_day(day),
                    ends_at=start_of_day(day + timedelta(days=1)),
                )
            )
            added += 1
        day += timedelta(days=1)
    db.session.flush()
    audit.log("campaign.post_days", campaign, by=by, unit_id=post.unit_id, post_id=post.id, added=added)
    return added


def ensure_not_over(campaign: Campaign) -> None:
    if campaign.ends_on < local_today():
        raise Conflict(_("“%(name)s”已结束", name=campaign.name))
