"""The audit trail: who did what, when and why."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEntry, User
from app.services.clock import now


def log(
    action: str,
    obj=None,
    *,
    by: User | None = None,
    unit_id: int | None = None,
    reason: str | None = None,
    **data,
) -> AuditEntry:
    entry = AuditEntry(
        at=now(),
        actor_id=by.id if by else None,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "-",
        object_id=getattr(obj, "id", None),
        unit_id=unit_id,
        reason=reason,
        data=data,
    )
    db.session.add(entry)
    return entry


def added(action: str, obj, *, by: User | None, **data) -> AuditEntry:
    """A new row of a unit: add it, flush it for its id, and write its creation into the trail
    under the row's own unit."""
    db.session.add(obj)
    db.session.flush()
    return log(action, obj, by=by, unit_id=obj.unit_id, **data)


def changed(action: str, obj, *, by: User | None, reason: str | None = None, **data) -> AuditEntry:
    """A row of a unit has changed: flush the change and write it into the trail under the
    row's own unit."""
    db.session.flush()
    return log(action, obj, by=by, unit_id=obj.unit_id, reason=reason, **data)


def trail(obj) -> list[AuditEntry]:
    """Every audit entry of an object, oldest first."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    return list(
        db.session.scalars(
            select(AuditEntry)
            .options(selectinload(AuditEntry.actor))
            .where(AuditEntry.object_type == type(obj).__name__, AuditEntry.object_id == obj.id)
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    )
