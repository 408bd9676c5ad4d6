"""Rectification items (整改): the office raises one at a unit, from a review's flag or on its
own; the unit admin replies with what was done, with files; the office closes it (销号) or
returns it. Every step is kept in the audit trail."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import Rectification, RectificationFile, Unit, User
from app.services import audit, evidence_files, units
from app.services.clock import local_today, now, start_of_day
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed, one_or_404
from app.services.inputs import Upload
from app.services.inputs import clean_text as _text
from app.services.pages import in_status

FINDING_MAX = 2000
REPLY_MAX = 2000
REASON_MAX = 500
SOURCE_MAX = 200
DEADLINE_MAX_DAYS = 366
FILE_MAX_BYTES = evidence_files.MAX_BYTES
FILES_MAX = evidence_files.MAX_FILES
STATUSES = ("open", "replied", "closed")
OFFICE_ONLY = _l("只有文明办可以审核整改事项")


def check_deadline(deadline: date | None, field: str = "deadline") -> date:
    """A deadline from today to a year ahead, counted in the deployment's zone."""
    today = local_today()
    if deadline is None:
        raise ValidationFailed(fields={field: [_("请填写截止日期")]})
    if deadline < today:
        raise ValidationFailed(fields={field: [_("截止日期不能早于今天")]})
    if deadline > today + timedelta(days=DEADLINE_MAX_DAYS):
        raise ValidationFailed(fields={field: [_("截止日期不能超过一年以后")]})
    return deadline


def raise_item(
    unit_id: int, *, finding: str, deadline: date | None, by: User, source: str | None = None
) -> Rectification:
    units.ensure_office(by, _("只有文明办可以下发整改事项"))
    unit = db.session.get(Unit, unit_id)
    if unit is None or not unit.is_active:
        raise ValidationFailed(fields={"unit_id": [_("请选择启用中的成员单位")]})
    item = Rectification(
        unit_id=unit.id,
        finding=_text(finding, FINDING_MAX, "finding"),
        source=_text(source, SOURCE_MAX, "source", required=False),
        deadline=check_deadline(deadline),
        status="open",
        raised_by_id=by.id,
        raised_at=now(),
    )
    item.due_at = start_of_day(item.deadline + timedelta(days=1))
    db.session.add(item)
    db.session.flush()
    audit.log("rectification.raised", item, by=by, unit_id=unit.id, deadline=item.deadline.isoformat())
    return item


def _visible(user: User):
    return units.visible_to_admin(Rectification, user)


def get_item(user: User, item_id: int) -> Rectification:
    """An item the user may see; another unit's reads as missing."""
    return one_or_404(_visible(user).where(Rectification.id == item_id), _("整改事项不存在"))


def list_items(user: User, *, status: str | None = None, limit: int = 500) -> list[Rectification]:
    """Open ones first, the nearest deadline first."""
    stmt = in_status(_visible(user), Rectification.status, status, STATUSES)
    return list(
        db.session.scalars(
            stmt.order_by((Rectification.status == "closed"), Rectification.deadline, Rectification.id).limit(
                limit
            )
        )
    )


def is_overdue(item: Rectification, today: date | None = None) -> bool:
    return item.status != "closed" and item.deadline < (today or local_today())


def overdue_count(unit_id: int | None = None) -> int:
    """Items not closed whose deadline has passed (the zone's today), for one unit or all."""
    stmt = select(func.count(Rectification.id)).where(
        Rectification.status != "closed", Rectification.deadline < local_today()
    )
    if unit_id is not None:
        stmt = stmt.where(Rectification.unit_id == unit_id)
    return db.session.scalar(stmt) or 0


def _files(item: Rectification, uploads: list[Upload], by: User) -> list[RectificationFile]:
    checked = evidence_files.check(
        uploads,
        already=len(item.files),
        max_files=FILES_MAX,
        message=_("每个整改事项最多%(n)d个附件", n=FILES_MAX),
    )
    return [
        RectificationFile(
            item=item,
            filename=f.filename,
            content_type=f.content_type,
            size=len(f.data),
            data=f.data,
            uploaded_by_id=by.id,
            uploaded_at=now(),
        )
        for f in checked
    ]


def reply(item: Rectification, *, text: str, by: User, files: list[Upload] | None = None) -> Rectification:
    """The unit admin says what was done (a returned item may be answered again)."""
    if by.role != "unit_admin" or by.unit_id != item.unit_id:
        raise Forbidden(_("只有该单位的管理员可以答复整改事项"))
    if item.status != "open":
        raise Conflict(
            _("该整改事项已答复，等待文明办审核") if item.status == "replied" else _("该整改事项已销号")
        )
    item.reply = _text(text, REPLY_MAX, "reply")
    added = _files(item, files or [], by)
    db.session.add_all(added)
    item.status = "replied"
    item.replied_at = now()
    db.session.flush()
    audit.log("rectification.replied", item, by=by, unit_id=item.unit_id, files=[f.filename for f in added])
    return item


def close(item: Rectification, *, by: User) -> Rectification:
    """The office accepts the reply: the item is closed (销号)."""
    units.ensure_office(by, OFFICE_ONLY)
    if item.status != "replied":
        raise Conflict(_("单位答复后才能销号") if item.status == "open" else _("该整改事项已销号"))
    item.status = "closed"
    item.closed_at = now()
    db.session.flush()
    audit.log("rectification.closed", item, by=by, unit_id=item.unit_id)
    return item


def return_item(item: Rectification, *, reason: str, by: User) -> Rectification:
    """The office does not accept the reply: the item is open again, with the reason."""
    units.ensure_office(by, OFFICE_ONLY)
    if item.status != "replied":
        raise Conflict(_("只能退回已答复的整改事项"))
    item.returned_reason = _text(reason, REASON_MAX, "reason")
    item.status = "open"
    db.session.flush()
    audit.log("rectification.returned", item, by=by, unit_id=item.unit_id, reason=item.returned_reason)
    return item


def get_file(user: User, item_id: int, file_id: int) -> RectificationFile:
    item = get_item(user, item_id)
    found = next((f for f in item.files if f.id == file_id), None)
    if found is None:
        raise NotFound(_("附件不存在"))
    return found
