"""Demo campaigns: this month's theme, a current 文明劝导 campaign with a unit's roster at the
railway station post, a selective training, and a notice to every volunteer."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from app.demo.activities import plan
from app.extensions import db
from app.models import Post, Unit, User, Volunteer
from app.services import campaigns, notices, rosters
from app.services.clock import local, local_today, now
from app.services.months import Month


def load(admin: User, unit_list: list[Unit], people: list[Volunteer]) -> None:
    today = local_today()
    month = Month.of(now())
    theme = campaigns.create_campaign(
        campaigns.CampaignInput(
            name="学雷锋志愿服务月",
            kind="theme",
            starts_on=local(month.start).date(),
            ends_on=local(month.end - timedelta(seconds=1)).date(),
            description="天天有活动，月月有主题。",
        ),
        by=admin,
    )
    drive = campaigns.create_campaign(
        campaigns.CampaignInput(
            name="文明劝导专项行动",
            kind="campaign",
            starts_on=today - timedelta(days=7),
            ends_on=today + timedelta(days=23),
            description="在重点路口、车站开展文明劝导。",
        ),
        by=admin,
    )
    station = db.session.scalar(select(Post).where(Post.name == "火车站爱心驿站"))
    park = db.session.scalar(select(Post).where(Post.name == "人民公园文明引导岗"))
    if park is not None:
        campaigns.tag_post_days(drive, park, today - timedelta(days=7), today + timedelta(days=6), by=admin)
    shifts = rosters.assign_quota(
        drive,
        rosters.QuotaInput(
            unit_id=unit_list[0].id,
            area="火车站南广场",
            first_day=today,
            last_day=today + timedelta(days=6),
            start=time(8),
            end=time(20),
            quota=2,
            post_id=station.id if station is not None else None,
        ),
        by=admin,
    )
    rosters.assign_quota(
        drive,
        rosters.QuotaInput(
            unit_id=unit_list[1].id,
            area="人民路口",
            first_day=today + timedelta(days=1),
            last_day=today + timedelta(days=3),
            start=time(7, 30),
            end=time(9, 30),
            quota=3,
        ),
        by=admin,
    )
    zhang = people[0]  # 张伟 (13800000001), of 市民政局
    for shift in shifts:
        if shift.ends_at > now():
            rosters.roster(shift, zhang, by=admin)
    start = now().replace(microsecond=0) + timedelta(days=5)
    plan(
        unit_list[0].id,
        "应急救护培训（需申请）",
        "training",
        start,
        hours=3,
        capacity=20,
        requires_application=True,
        campaign_id=theme.id,
        description="名额有限，请简述相关经历后提交申请。",
        by=admin,
    )
    notices.create_notice(
        audience="all",
        target_id=None,
        title="关于开展文明劝导专项行动的通知",
        body="各位志愿者：本月起在火车站、重点路口开展文明劝导专项行动，请留意本人排班并准时到岗扫码签到。",
        by=admin,
    )
