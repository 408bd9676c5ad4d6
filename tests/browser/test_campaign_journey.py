"""The campaign journey on a phone, first part: a volunteer sees the shift the unit rostered,
checks in at its post (the shift is fulfilled), and reads a notice from the home page."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import NoticeRead, Shift, ShiftAssignment
from app.services import campaigns, notices, posts
from app.services.clock import local_today, now
from tests import factories as f
from tests.browser.helpers import assert_fits_phone, check_a11y, read, writing

pytestmark = pytest.mark.browser


def test_a_volunteer_sees_a_shift_checks_in_at_it_and_reads_a_notice(live_server, phone):
    with writing():
        office, unit = f.platform_admin(), f.unit("阳光街道")
        volunteer = f.volunteer(unit, name="王小明")
        post = posts.create_post(unit.id, posts.PostInput(name="火车站爱心驿站", address="火车站南广场"), by=office)
        campaign = campaigns.create_campaign(campaigns.CampaignInput(
            name="文明劝导专项行动", kind="campaign", starts_on=local_today() - timedelta(days=1),
            ends_on=local_today() + timedelta(days=10)), by=office)
        start = now() - timedelta(minutes=5)
        shift = Shift(campaign_id=campaign.id, unit_id=unit.id, post_id=post.id, area="火车站南广场",
                      starts_at=start, ends_at=start + timedelta(hours=2), quota=1, filled=1)
        db.session.add(shift)
        db.session.flush()
        db.session.add(ShiftAssignment(shift_id=shift.id, volunteer_id=volunteer.id, starts_at=shift.starts_at,
                                       ends_at=shift.ends_at))
        notice = notices.create_notice(audience="campaign", target_id=campaign.id, title="明早集合地点调整",
                                       body="请到南广场东侧集合。", by=office)
        username, poster_url, notice_id = volunteer.user.username, posts.scan_url(post), notice.id

    phone.goto("/login")
    phone.get_by_label("用户名或手机号").fill(username)
    phone.get_by_label("密码", exact=True).fill(f.PASSWORD)
    phone.get_by_role("button", name="登录").click()
    # the home page: the unread notice first, the shift below it
    expect(phone.locator("#unread-notices")).to_contain_text("明早集合地点调整")
    expect(phone.locator("#next-shifts")).to_contain_text("火车站南广场")
    phone.get_by_role("link", name="全部排班").click()
    expect(phone.locator("#my-shifts")).to_contain_text("文明劝导专项行动")
    expect(phone.locator("#my-shifts")).not_to_contain_text("已到岗")
    check_a11y(phone)
    assert_fits_phone(phone)

    # at the post: one scan checks in, and the shift is fulfilled
    phone.goto(poster_url)
    phone.get_by_role("button", name="签到").click()
    expect(phone.get_by_role("heading", name="签到成功")).to_be_visible()
    assert read(select(ShiftAssignment.came_at)) is not None
    phone.goto("/me/shifts/")
    expect(phone.locator("#my-shifts")).to_contain_text("已到岗")

    # the notice: opened from home, read with one tap, no longer unread
    phone.goto("/me/")
    phone.locator("#unread-notices").get_by_role("link", name="明早集合地点调整").click()
    expect(phone.get_by_text("请到南广场东侧集合。")).to_be_visible()
    check_a11y(phone)
    assert read(select(NoticeRead.id)) is None
    phone.get_by_role("button", name="我知道了").click()
    expect(phone.locator("#unread-notices")).to_have_count(0)
    assert read(select(NoticeRead.notice_id)) == notice_id
