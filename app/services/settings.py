"""The office's settings (table settings): one JSON value per key, kept by the services that
own each key (registration target, report credit, bulletin targets, export profile)."""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.models import Setting
from app.services.clock import now


def put(key: str, value: dict[str, Any]) -> None:
    """Set a key's value (adding the key when it is new), stamped with the time."""
    setting = db.session.get(Setting, key)
    if setting is None:
        db.session.add(Setting(key=key, value=value, updated_at=now()))
    else:
        setting.value = value
        setting.updated_at = now()
    db.session.flush()
