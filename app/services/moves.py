"""A row's status change that races: one UPDATE guarded by the status it starts from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from app.extensions import db, execute_dml


def move(row: Any, sources: tuple[str, ...], **values) -> bool:
    """Set `values` on the row in one UPDATE guarded by the status it starts from, so that of
    two people acting at once only one moves it; False if it was not in `sources` (the row is
    read afresh either way)."""
    model = type(row)
    done = execute_dml(
        update(model)
        .where(model.id == row.id, model.status.in_(sources))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(row)
    return bool(done)
