"""Commendations (美德之星 / 文明使者): the office names the month's or the year's exemplary
volunteers and units, each with a short citation, and posts the list publicly (公示) for a set
number of days. Anyone may object during the posting (app.services.objections); residents may
vote where the office opens a vote (app.services.honour_votes). The list becomes final only
after the posting period, with every objection answered. A volunteer's full name is public
only with their consent, given on the phone; otherwise the public sees it masked."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Commendation, Nominee, Objection, Unit, User, Volunteer
from app.services import audit, units
from app.services.clock import now
from app.services.errors import Conflict, NotFound, ValidationFailed, add_or_conflict

HONOURS = {"美德之星": _l("美德之星"), "文明使者": _l("文明使者")}  # stored by the Chinese name
STATUS_LABELS = {"draft": _l("草稿"), "posted": _l("公示中"), "final": _l("已确定")}
CITATION_MAX = 300
DAYS_MIN, DAYS_MAX = 1, 30
NOMINEES_MAX = 100
OFFICE_ONLY = _l("只有文明办可以评选和公示")
log = logging.getLogger(__name__)


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def title(item: Commendation) -> str:
    honour = str(HONOURS.get(item.honour, item.honour))
    if item.period_kind == "year":
        return _("%(y)s年度%(h)s", y=item.period, h=honour)
    year, month = item.period.split("-")
    return _("%(y)s年%(m)d月%(h)s", y=year, m=int(month), h=honour)


def _period(kind: str, period: str) -> str:
    period = (period or "").strip()
    ok = (
        kind == "month"
        and len(period) == 7
        and period[4] == "-"
        and period[:4].isdigit()
        and period[5:].isdigit()
        and 1 <= int(period[5:]) <= 12
    ) or (kind == "year" and len(period) == 4 and period.isdigit())
    if not ok or not 2000 <= int(period[:4]) <= 2100:
        raise ValidationFailed(fields={"period": [_("月度填YYYY-MM，年度填YYYY")]})
    return period


def create(*, honour: str, period_kind: str, period: str, posting_days: int, by: User) -> Commendation:
    units.ensure_office(by, OFFICE_ONLY)
    if honour not in HONOURS:
        raise ValidationFailed(fields={"honour": [_("请选择称号")]})
    if period_kind not in ("month", "year"):
        raise ValidationFailed(fields={"period_kind": [_("请选择月度或年度")]})
    if not DAYS_MIN <= (posting_days or 0) <= DAYS_MAX:
        raise ValidationFailed(
            fields={"posting_days": [_("公示期应为%(a)d到%(b)d天", a=DAYS_MIN, b=DAYS_MAX)]}
        )
    item = Commendation(
        honour=honour,
        period_kind=period_kind,
        period=_period(period_kind, period),
        posting_days=posting_days,
        status="draft",
        created_by_id=by.id,
        created_at=now(),
    )
    db.session.add(item)
    db.session.flush()
    audit.log("commendation.created", item, by=by)
    return item


def _draft(item: Commendation) -> None:
    if item.status != "draft":
        raise Conflict(_("公示开始后不能再增加人选"))


def _citation(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(fields={"citation": [_("请填写事迹简介")]})
    if len(text) > CITATION_MAX:
        raise ValidationFailed(fields={"citation": [_("不能超过%(n)d个字", n=CITATION_MAX)]})
    return text


def add_nominee(
    item: Commendation,
    *,
    citation: str,
    by: User,
    volunteer: Volunteer | None = None,
    unit: Unit | None = None,
) -> Nominee:
    """A volunteer or a unit, once per list, while the list is a draft."""
    units.ensure_office(by, OFFICE_ONLY)
    _draft(item)
    if (volunteer is None) == (unit is None):
        raise ValidationFailed(fields={"volunteer_no": [_("请填写志愿者编号或选择单位（二选一）")]})
    if len(item.nominees) >= NOMINEES_MAX:
        raise ValidationFailed(fields={"volunteer_no": [_("每批最多%(n)d个人选", n=NOMINEES_MAX)]})
    nominee = Nominee(
        commendation_id=item.id,
        volunteer_id=volunteer.id if volunteer else None,
        unit_id=unit.id if unit else None,
        citation=_citation(citation),
        created_at=now(),
    )
    already = _("该人选已在名单中")
    add_or_conflict(nominee, Conflict(already, fields={"volunteer_no": [already]}))
    db.session.refresh(item)
    audit.log("commendation.nominee_added", item, by=by, nominee_id=nominee.id)
    return nominee


def remove_nominee(item: Commendation, nominee_id: int, *, by: User) -> None:
    """Before the list is final (an upheld objection takes a nominee off during the posting)."""
    units.ensure_office(by, OFFICE_ONLY)
    if item.status == "final":
        raise Conflict(_("名单已确定，不能再修改"))
    nominee = next((n for n in item.nominees if n.id == nominee_id), None)
    if nominee is None:
        raise NotFound(_("人选不存在"))
    item.nominees.remove(nominee)
    db.session.flush()
    audit.log("commendation.nominee_removed", item, by=by, nominee_id=nominee_id)


def post(item: Commendation, *, by: User, vote: bool = False, at: datetime | None = None) -> Commendation:
    """Start the public posting (公示) for the list's number of days; optionally with a vote."""
    units.ensure_office(by, OFFICE_ONLY)
    _draft(item)
    if not item.nominees:
        raise ValidationFailed(fields={"posting_days": [_("名单为空，不能公示")]})
    at = at or now()
    item.status = "posted"
    item.posted_at = at
    item.posted_until = at + timedelta(days=item.posting_days)
    item.vote_open = vote
    db.session.flush()
    audit.log("commendation.posted", item, by=by, days=item.posting_days, vote=vote)
    return item


def is_open(item: Commendation, at: datetime | None = None) -> bool:
    """Whether the posting period is running (objections and votes are taken)."""
    return item.status == "posted" and item.posted_until is not None and (at or now()) < item.posted_until


def unanswered(item: Commendation) -> int:
    return (
        db.session.scalar(
            select(func.count(Objection.id)).where(
                Objection.commendation_id == item.id, Objection.answered_at.is_(None)
            )
        )
        or 0
    )


def finalize(item: Commendation, *, by: User | None, at: datetime | None = None) -> Commendation:
    """Final only after the posting period, with every objection answered."""
    if by is not None:
        units.ensure_office(by, OFFICE_ONLY)
    if item.status != "posted":
        raise Conflict(_("只有公示中的名单可以确定") if item.status == "draft" else _("名单已确定"))
    if is_open(item, at):
        raise Conflict(_("公示期未满，不能确定名单"))
    if unanswered(item):
        raise Conflict(_("还有%(n)d条异议未答复", n=unanswered(item)))
    item.status = "final"
    item.vote_open = False
    item.finalized_at = at or now()
    db.session.flush()
    audit.log("commendation.finalized", item, by=by)
    return item


def finalize_due(at: datetime) -> dict:
    """The scheduler's daily run: every posted list whose posting period has ended becomes
    final, except one with objections still unanswered, which waits (logged) for the office's
    answers and a later run, or the office's button."""
    due = list(
        db.session.scalars(
            select(Commendation)
            .where(Commendation.status == "posted", Commendation.posted_until <= at)
            .order_by(Commendation.id)
        )
    )
    finalized, waiting = [], []
    for item in due:
        if unanswered(item):
            log.warning(
                "commendation %d not finalized: %d objection(s) unanswered", item.id, unanswered(item)
            )
            waiting.append(item.id)
            continue
        finalize(item, by=None, at=at)
        finalized.append(item.id)
    return {"finalized": finalized, "waiting_for_answers": waiting}


def answer_consent(nominee: Nominee, volunteer: Volunteer, *, agree: bool) -> Nominee:
    """The named volunteer agrees to have the full name shown publicly, or not."""
    if nominee.volunteer_id != volunteer.id:
        raise NotFound(_("人选不存在"))
    nominee.consent = "given" if agree else "declined"
    db.session.flush()
    audit.log("commendation.consent", nominee, by=volunteer.user, agree=agree)
    return nominee


def get(item_id: int, *, public: bool = False) -> Commendation:
    item = db.session.get(Commendation, item_id)
    if item is None or (public and item.status == "draft"):
        raise NotFound(_("名单不存在"))
    return item


def public_lists(limit: int = 50) -> list[Commendation]:
    return list(
        db.session.scalars(
            select(Commendation)
            .where(Commendation.status != "draft")
            .options(
                selectinload(Commendation.nominees).selectinload(Nominee.volunteer),
                selectinload(Commendation.nominees).selectinload(Nominee.unit),
            )
            .order_by(Commendation.posted_at.desc(), Commendation.id.desc())
            .limit(limit)
        )
    )


def all_lists(limit: int = 200) -> list[Commendation]:
    return list(db.session.scalars(select(Commendation).order_by(Commendation.id.desc()).limit(limit)))


def honours_of(volunteer: Volunteer) -> list[Nominee]:
    """The volunteer's places on posted or final lists (for the home page, with consent asks)."""
    return list(
        db.session.scalars(
            select(Nominee)
            .join(Commendation)
            .options(selectinload(Nominee.commendation))
            .where(Nominee.volunteer_id == volunteer.id, Commendation.status != "draft")
            .order_by(Commendation.posted_at.desc())
        )
    )
