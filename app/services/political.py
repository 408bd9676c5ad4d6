"""Political status (政治面貌): optional personal data the volunteer gives with its own consent.

Only the volunteer and the admins of the volunteer's own unit see it. It never appears on a
public page, in a merchant's answer or in an export of single people; bulletins count
Party-member volunteers (党员志愿者) and their hours only as aggregates.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import ServiceRecord, User, Volunteer
from app.services import audit
from app.services.clock import now
from app.services.errors import Forbidden, ValidationFailed

STATUSES = {
    "party_member": _l("中共党员"),
    "probationary_member": _l("中共预备党员"),
    "league_member": _l("共青团员"),
    "democratic_party": _l("民主党派成员"),
    "masses": _l("群众"),
}
PARTY = ("party_member", "probationary_member")


def set_status(volunteer: Volunteer, status: str | None, *, consent: bool, by: User) -> Volunteer:
    """The volunteer's own choice: a status needs the consent line ticked; None withdraws it
    (and the consent with it)."""
    if by.id != volunteer.user_id:
        raise Forbidden(_("政治面貌只能由志愿者本人填写"))
    if status is not None and status not in STATUSES:
        raise ValidationFailed(fields={"political_status": [_("请从列表中选择政治面貌")]})
    if status is not None and not consent:
        raise ValidationFailed(fields={"political_consent": [_("填写政治面貌需要您同意本单位管理员查看")]})
    if status == volunteer.political_status:
        return volunteer
    volunteer.political_status = status
    volunteer.political_consent_at = now() if status is not None else None
    db.session.flush()
    audit.log(
        "volunteer.political_status_set" if status else "volunteer.political_status_withdrawn",
        volunteer,
        by=by,
        unit_id=volunteer.unit_id,
    )  # the value itself stays out of the audit trail
    return volunteer


def form_data(volunteer: Volunteer) -> dict:
    """The volunteer's political status and consent as the profile form shows them."""
    return {
        "political_status": volunteer.political_status or "",
        "political_consent": volunteer.political_consent_at is not None,
    }


def can_see(viewer: User | None, volunteer: Volunteer) -> bool:
    """The volunteer and the admins of the volunteer's own unit; nobody else (not the platform admin)."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    return viewer.id == volunteer.user_id or (
        viewer.role == "unit_admin" and viewer.unit_id == volunteer.unit_id
    )


def status_for(viewer: User | None, volunteer: Volunteer) -> str | None:
    """The label the viewer may see, or None."""
    if not can_see(viewer, volunteer) or volunteer.political_status not in STATUSES:
        return None
    return str(STATUSES[volunteer.political_status])


def party_figures(unit_id: int | None, start: datetime, end: datetime) -> dict:
    """Aggregates only: Party-member volunteers (registered by `end`) and their approved hours
    in [start, end), for a unit or the city."""
    members = select(func.count(Volunteer.id)).where(
        Volunteer.political_status.in_(PARTY), Volunteer.created_at < end
    )
    seconds = (
        select(func.coalesce(func.sum(ServiceRecord.seconds), 0))
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(
            Volunteer.political_status.in_(PARTY),
            ServiceRecord.status == "approved",
            ServiceRecord.started_at >= start,
            ServiceRecord.started_at < end,
        )
    )
    if unit_id is not None:
        members = members.where(Volunteer.unit_id == unit_id)
        seconds = seconds.where(ServiceRecord.unit_id == unit_id)
    return {
        "party_members": db.session.scalar(members) or 0,
        "party_member_hours": round((db.session.scalar(seconds) or 0) / 3600, 2),
    }
