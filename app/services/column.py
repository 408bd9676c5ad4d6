"""The public column (志愿风采): news of activities and volunteers' stories, with photos.

Units (and the office) draft items; only the office publishes them. A story may name one
volunteer: it is published, and stays public, only while that volunteer's consent (given on
the phone) stands; a volunteer who withdraws it takes the story off the column at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import ColumnItem, Photo, User, Volunteer
from app.services import audit, photos, units
from app.services.clock import now
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed, one_or_404
from app.services.inputs import Upload
from app.services.inputs import required_text as _text
from app.services.pages import Page, in_status, paginate

SUBJECT = "column"
KINDS = {"news": _l("活动动态"), "story": _l("志愿者故事")}
STATUS_LABELS = {
    "draft": _l("草稿"),
    "submitted": _l("待审核"),
    "published": _l("已发布"),
    "returned": _l("已退回"),
}
TITLE_MAX = 100
BODY_MAX = 10_000
REASON_MAX = 500
PUBLIC_PER_PAGE = 10
ADMIN_PER_PAGE = 30
OFFICE_ONLY = _l("只有文明办可以审核志愿风采稿件")


@dataclass(frozen=True)
class Draft:
    kind: str
    title: str
    body: str
    volunteer_no: str | None = None


def kind_label(kind: str) -> str:
    return str(KINDS.get(kind, kind))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def _named(draft: Draft) -> Volunteer | None:
    number = (draft.volunteer_no or "").strip()
    if not number:
        return None
    if draft.kind != "story":
        raise ValidationFailed(fields={"volunteer_no": [_("只有志愿者故事可以写明志愿者")]})
    volunteer = db.session.scalar(select(Volunteer).where(Volunteer.volunteer_no == number))
    if volunteer is None or volunteer.is_child:
        raise ValidationFailed(fields={"volunteer_no": [_("未找到该编号的志愿者")]})
    return volunteer


def _check(draft: Draft) -> tuple[str, str, Volunteer | None]:
    if draft.kind not in KINDS:
        raise ValidationFailed(fields={"kind": [_("请选择栏目")]})
    return _text(draft.title, TITLE_MAX, "title"), _text(draft.body, BODY_MAX, "body"), _named(draft)


def _may_edit(item: ColumnItem, by: User) -> None:
    if by.role == "platform_admin":
        return
    if by.role != "unit_admin" or item.unit_id is None or item.unit_id != by.unit_id:
        raise Forbidden(_("只能编辑本单位的稿件"))


def create_draft(draft: Draft, *, by: User, uploads: list[Upload] | None = None) -> ColumnItem:
    """A unit admin drafts for the unit, the office for itself."""
    if by.role not in ("platform_admin", "unit_admin"):
        raise Forbidden(_("只有管理员可以撰写志愿风采稿件"))
    title, body, volunteer = _check(draft)
    item = ColumnItem(
        kind=draft.kind,
        title=title,
        body=body,
        unit_id=by.unit_id if by.role == "unit_admin" else None,
        created_by_id=by.id,
        status="draft",
        volunteer_id=volunteer.id if volunteer else None,
        created_at=now(),
        updated_at=now(),
    )
    db.session.add(item)
    db.session.flush()
    photos.attach(SUBJECT, item.id, uploads or [], by=by, unit_id=item.unit_id)
    audit.log("column.drafted", item, by=by, unit_id=item.unit_id)
    return item


def update_draft(
    item: ColumnItem, draft: Draft, *, by: User, uploads: list[Upload] | None = None
) -> ColumnItem:
    """A draft or a returned item is edited; naming another volunteer asks that one again."""
    _may_edit(item, by)
    if item.status not in ("draft", "returned"):
        raise Conflict(_("已提交或已发布的稿件不能修改"))
    title, body, volunteer = _check(draft)
    new_id = volunteer.id if volunteer else None
    if new_id != item.volunteer_id:
        item.consent, item.consent_at = None, None
    item.kind, item.title, item.body, item.volunteer_id = draft.kind, title, body, new_id
    item.updated_at = now()
    photos.attach(SUBJECT, item.id, uploads or [], by=by, unit_id=item.unit_id)
    db.session.flush()
    audit.log("column.edited", item, by=by, unit_id=item.unit_id)
    return item


def submit(item: ColumnItem, *, by: User) -> ColumnItem:
    """Send the draft to the office; a named volunteer is asked for consent on the phone."""
    _may_edit(item, by)
    if item.status not in ("draft", "returned"):
        raise Conflict(_("该稿件已提交"))
    item.status = "submitted"
    item.submitted_at = item.updated_at = now()
    db.session.flush()
    audit.log("column.submitted", item, by=by, unit_id=item.unit_id)
    return item


def approve(item: ColumnItem, *, by: User) -> ColumnItem:
    """The office publishes a submitted item; a story naming a volunteer needs their consent."""
    units.ensure_office(by, OFFICE_ONLY)
    if item.status != "submitted":
        raise Conflict(_("只能发布待审核的稿件"))
    if item.volunteer_id is not None and item.consent != "given":
        raise Conflict(_("稿件写明的志愿者尚未同意公开，不能发布"))
    item.status = "published"
    item.published_at = item.updated_at = now()
    item.published_by_id = by.id
    item.return_reason = None
    db.session.flush()
    audit.log("column.published", item, by=by, unit_id=item.unit_id)
    return item


def return_item(item: ColumnItem, *, reason: str, by: User) -> ColumnItem:
    """The office sends a submitted item back, or takes a published one off the column."""
    units.ensure_office(by, OFFICE_ONLY)
    if item.status not in ("submitted", "published"):
        raise Conflict(_("只能退回待审核或已发布的稿件"))
    item.return_reason = _text(reason, REASON_MAX, "reason")
    item.status = "returned"
    item.updated_at = now()
    db.session.flush()
    audit.log("column.returned", item, by=by, unit_id=item.unit_id, reason=item.return_reason)
    return item


def answer_consent(item: ColumnItem, volunteer: Volunteer, *, agree: bool) -> ColumnItem:
    """The named volunteer agrees to be named, or declines (also later: the story leaves the
    column at once)."""
    if item.volunteer_id != volunteer.id:
        raise NotFound(_("稿件不存在"))
    item.consent = "given" if agree else "declined"
    item.consent_at = item.updated_at = now()
    db.session.flush()
    audit.log("column.consent", item, by=volunteer.user, unit_id=item.unit_id, agree=agree)
    return item


def consent_requests(volunteer: Volunteer) -> list[ColumnItem]:
    """Stories naming the volunteer, submitted or published (to agree, decline or withdraw)."""
    return list(
        db.session.scalars(
            select(ColumnItem)
            .where(ColumnItem.volunteer_id == volunteer.id, ColumnItem.status.in_(("submitted", "published")))
            .order_by(ColumnItem.consent.is_not(None), ColumnItem.submitted_at.desc())
        )
    )


def pending_consents(volunteer: Volunteer) -> int:
    return (
        db.session.scalar(
            select(func.count(ColumnItem.id)).where(
                ColumnItem.volunteer_id == volunteer.id,
                ColumnItem.status == "submitted",
                ColumnItem.consent.is_(None),
            )
        )
        or 0
    )


def _public():
    return select(ColumnItem).where(
        ColumnItem.status == "published",
        or_(ColumnItem.volunteer_id.is_(None), ColumnItem.consent == "given"),
    )


def public_page(page: int = 1, kind: str | None = None) -> Page:
    stmt = _public()
    if kind in KINDS:
        stmt = stmt.where(ColumnItem.kind == kind)
    return paginate(
        stmt,
        page=page,
        per_page=PUBLIC_PER_PAGE,
        order_by=(ColumnItem.published_at.desc(), ColumnItem.id.desc()),
        load=(selectinload(ColumnItem.unit), selectinload(ColumnItem.volunteer)),
    )


def public_item(item_id: int) -> ColumnItem:
    return one_or_404(_public().where(ColumnItem.id == item_id), _("文章不存在或未发布"))


def latest(limit: int = 20) -> list[ColumnItem]:
    return list(
        db.session.scalars(
            _public()
            .options(selectinload(ColumnItem.unit), selectinload(ColumnItem.volunteer))
            .order_by(ColumnItem.published_at.desc(), ColumnItem.id.desc())
            .limit(limit)
        )
    )


def version() -> str:
    """Changes whenever what the public sees may change (for ETags and the page cache)."""
    count, changed = db.session.execute(
        select(func.count(ColumnItem.id), func.max(ColumnItem.updated_at))
    ).one()
    stamp = changed.timestamp() if isinstance(changed, datetime) else 0
    return f"{count}-{stamp:.6f}"


def cover_photos(item_ids: list[int]) -> dict[int, int]:
    """The first photo's id of each item, in one query."""
    return photos.first_of(SUBJECT, item_ids)


def _visible(user: User):
    return units.visible_to_admin(ColumnItem, user)


def get_for_admin(user: User, item_id: int) -> ColumnItem:
    return one_or_404(_visible(user).where(ColumnItem.id == item_id), _("稿件不存在"))


def get_for_volunteer(volunteer: Volunteer, item_id: int) -> ColumnItem:
    item = db.session.get(ColumnItem, item_id)
    if item is None or item.volunteer_id != volunteer.id or item.status == "draft":
        raise NotFound(_("稿件不存在"))
    return item


def admin_page(user: User, *, status: str | None = None, page: int = 1) -> Page:
    return paginate(
        in_status(_visible(user), ColumnItem.status, status, STATUS_LABELS),
        page=page,
        per_page=ADMIN_PER_PAGE,
        order_by=(ColumnItem.status != "submitted", ColumnItem.updated_at.desc(), ColumnItem.id.desc()),
        load=(selectinload(ColumnItem.unit), selectinload(ColumnItem.volunteer)),
    )


def _can_view_photo(user: User | None, photo: Photo) -> bool:
    item = db.session.get(ColumnItem, photo.subject_id)
    if item is None:
        return False
    if item.status == "published" and (item.volunteer_id is None or item.consent == "given"):
        return True
    if user is None:
        return False
    if user.role == "volunteer":
        return user.volunteer is not None and item.volunteer_id == user.volunteer.id
    return units.can_manage_unit(user, item.unit_id) if item.unit_id else user.role == "platform_admin"


photos.register_subject(SUBJECT, _can_view_photo)
