"""Supervisors (义务监督员): volunteers the office names to report uncivil acts and problems
(随手拍). Only the platform admin names or removes one; both steps are in the audit trail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Supervisor, User, Volunteer
from app.services import audit, units
from app.services.clock import now

OFFICE_ONLY = _l("只有文明办可以任命义务监督员")


def is_supervisor(volunteer: Volunteer | None) -> bool:
    return volunteer is not None and db.session.get(Supervisor, volunteer.id) is not None


def appoint(volunteer: Volunteer, *, by: User) -> Supervisor:
    """Name the volunteer a supervisor (a second time changes nothing)."""
    units.ensure_office(by, OFFICE_ONLY)
    found = db.session.get(Supervisor, volunteer.id)
    if found is not None:
        return found
    supervisor = Supervisor(volunteer_id=volunteer.id, appointed_by_id=by.id, appointed_at=now())
    db.session.add(supervisor)
    db.session.flush()
    audit.log("supervisor.appointed", volunteer, by=by, unit_id=volunteer.unit_id)
    return supervisor


def dismiss(volunteer: Volunteer, *, by: User) -> None:
    """The volunteer is no longer a supervisor; their past reports stay."""
    units.ensure_office(by, OFFICE_ONLY)
    found = db.session.get(Supervisor, volunteer.id)
    if found is None:
        return
    db.session.delete(found)
    db.session.flush()
    audit.log("supervisor.dismissed", volunteer, by=by, unit_id=volunteer.unit_id)


def list_supervisors() -> list[Supervisor]:
    return list(
        db.session.scalars(
            select(Supervisor).options(selectinload(Supervisor.volunteer)).order_by(Supervisor.appointed_at)
        )
    )
