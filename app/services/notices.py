"""Notices (通知公告): the office or a unit posts to its volunteers, a team, a campaign's roster
or (the office only) everyone; volunteers read them, unread first, and mark them read; the
sender sees how many have read each."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    Campaign,
    Notice,
    NoticeRead,
    Shift,
    ShiftAssignment,
    Team,
    TeamMember,
    Unit,
    User,
    Volunteer,
)
from app.models.notices import AUDIENCES
from app.services import audit, teams, units
from app.services.errors import Forbidden, ValidationFailed, one_or_404

TITLE_MAX = 100
BODY_MAX = 5000
HOME_NOTICES = 3


def _reaches(volunteer: Volunteer):
    """The SQL condition: the notice is addressed to this volunteer."""
    in_team = select(TeamMember.team_id).where(TeamMember.volunteer_id == volunteer.id)
    on_roster = exists().where(
        ShiftAssignment.volunteer_id == volunteer.id,
        Shift.id == ShiftAssignment.shift_id,
        Shift.campaign_id == Notice.target_id,
        or_(Notice.unit_id.is_(None), Shift.unit_id == Notice.unit_id),
    )
    return or_(
        Notice.audience == "all",
        and_(Notice.audience == "unit", Notice.target_id == volunteer.unit_id),
        and_(Notice.audience == "team", Notice.target_id.in_(in_team)),
        and_(Notice.audience == "campaign", on_roster),
    )


def _check_target(by: User, audience: str, target_id: int | None) -> int | None:
    """The target a sender may address, or a refusal: the office anyone; a unit its own
    volunteers, the teams it manages, and its own part of a campaign's roster."""
    office = by.role == "platform_admin"
    if audience == "all":
        if not office:
            raise Forbidden(_("只有文明办可以向全体志愿者发布通知"))
        return None
    if target_id is None:
        raise ValidationFailed(fields={"target_id": [_("请选择通知对象")]})
    if audience == "unit":
        if db.session.get(Unit, target_id) is None:
            raise ValidationFailed(fields={"target_id": [_("请选择通知对象")]})
        units.ensure_can_manage_unit(by, target_id)
    elif audience == "team":
        team = db.session.get(Team, target_id)
        if team is None:
            raise ValidationFailed(fields={"target_id": [_("请选择通知对象")]})
        teams.ensure_can_manage_team(by, team)
    elif db.session.get(Campaign, target_id) is None:
        raise ValidationFailed(fields={"target_id": [_("请选择通知对象")]})
    return target_id


def create_notice(*, audience: str, target_id: int | None, title: str, body: str, by: User) -> Notice:
    if by.role not in ("platform_admin", "unit_admin"):
        raise Forbidden(_("只有管理员可以发布通知"))
    title, body = (title or "").strip(), (body or "").strip()
    fields: dict[str, list[str]] = {}
    if audience not in AUDIENCES:
        fields["audience"] = [_("请选择通知对象")]
    if not title or len(title) > TITLE_MAX:
        fields["title"] = [_("请填写标题（不超过100字）")]
    if not body or len(body) > BODY_MAX:
        fields["body"] = [_("请填写内容（不超过5000字）")]
    if fields:
        raise ValidationFailed(fields=fields)
    target_id = _check_target(by, audience, target_id)
    notice = Notice(
        unit_id=None if by.role == "platform_admin" else by.unit_id,
        audience=audience,
        target_id=target_id,
        title=title,
        body=body,
        sent_by_id=by.id,
    )
    db.session.add(notice)
    db.session.flush()
    audit.log("notice.created", notice, by=by, unit_id=notice.unit_id, audience=audience, target_id=target_id)
    return notice


@dataclass
class ReceivedNotice:
    notice: Notice
    read: bool


def for_volunteer(volunteer: Volunteer, *, limit: int = 50) -> list[ReceivedNotice]:
    """The volunteer's notices, unread first, newest first within each. One query."""
    read = exists().where(NoticeRead.notice_id == Notice.id, NoticeRead.volunteer_id == volunteer.id)
    rows = db.session.execute(
        select(Notice, read.label("read"))
        .where(_reaches(volunteer))
        .order_by(read, Notice.created_at.desc(), Notice.id.desc())
        .limit(limit)
    ).all()
    return [ReceivedNotice(notice, bool(is_read)) for notice, is_read in rows]


def for_home(volunteer: Volunteer) -> tuple[list[ReceivedNotice], int]:
    """The unread notices for the phone's home (the first few) and how many are unread."""
    read = exists().where(NoticeRead.notice_id == Notice.id, NoticeRead.volunteer_id == volunteer.id)
    unread = db.session.scalar(select(func.count(Notice.id)).where(_reaches(volunteer), ~read)) or 0
    return [r for r in for_volunteer(volunteer, limit=HOME_NOTICES) if not r.read], unread


def notice_for(volunteer: Volunteer, notice_id: int) -> Notice:
    return one_or_404(select(Notice).where(Notice.id == notice_id, _reaches(volunteer)), _("通知不存在"))


def is_read(volunteer: Volunteer, notice: Notice) -> bool:
    return (
        db.session.scalar(
            select(NoticeRead.id).where(
                NoticeRead.notice_id == notice.id, NoticeRead.volunteer_id == volunteer.id
            )
        )
        is not None
    )


def mark_read(volunteer: Volunteer, notice_id: int) -> Notice:
    """Mark a notice addressed to the volunteer read; again changes nothing."""
    notice = notice_for(volunteer, notice_id)
    if not is_read(volunteer, notice):
        try:
            with db.session.begin_nested():
                db.session.add(NoticeRead(notice_id=notice.id, volunteer_id=volunteer.id))
        except IntegrityError:
            pass  # a second tap marked it at the same moment: read either way
    return notice


@dataclass
class SentNotice:
    notice: Notice
    read_count: int


def sent_by(user: User, *, limit: int = 100) -> list[SentNotice]:
    """The notices the office (all of them) or a unit (its own) sent, newest first, with how
    many volunteers have read each. One query."""
    reads = (
        select(NoticeRead.notice_id, func.count(NoticeRead.id).label("n"))
        .group_by(NoticeRead.notice_id)
        .subquery()
    )
    stmt = (
        select(Notice, func.coalesce(reads.c.n, 0))
        .outerjoin(reads, reads.c.notice_id == Notice.id)
        .options(selectinload(Notice.sent_by))
        .order_by(Notice.created_at.desc(), Notice.id.desc())
        .limit(limit)
    )
    if user.role != "platform_admin":
        stmt = stmt.where(Notice.unit_id == user.unit_id)
    return [SentNotice(notice, int(n)) for notice, n in db.session.execute(stmt)]


def read_count(notice: Notice) -> int:
    return db.session.scalar(select(func.count(NoticeRead.id)).where(NoticeRead.notice_id == notice.id)) or 0


def audience_label(notice: Notice) -> str:
    if notice.audience == "all":
        return _("全体志愿者")
    if notice.audience == "unit":
        unit = db.session.get(Unit, notice.target_id)
        return _("单位：%(n)s", n=unit.name if unit else "-")
    if notice.audience == "team":
        team = db.session.get(Team, notice.target_id)
        return _("服务队：%(n)s", n=team.name if team else "-")
    campaign = db.session.get(Campaign, notice.target_id)
    return _("排班人员：%(n)s", n=campaign.name if campaign else "-")
