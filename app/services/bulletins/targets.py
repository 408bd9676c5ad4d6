"""The targets a unit's bulletin flags are measured against (hours per volunteer and trainings
per year, pro-rated to the month), kept as a setting the platform admin changes."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.extensions import db
from app.models import Setting, User
from app.services import audit, settings
from app.services.errors import ValidationFailed

DEFAULT_TARGETS = {"hours_per_volunteer_year": 25, "trainings_per_year": 2}


def targets() -> dict:
    setting = db.session.get(Setting, "bulletin_targets")
    return {**DEFAULT_TARGETS, **(setting.value if setting else {})}


def set_targets(hours_per_volunteer_year: float, trainings_per_year: int, *, by: User) -> dict:
    fields = {}
    if not 0 <= hours_per_volunteer_year <= 1000:
        fields["hours_per_volunteer_year"] = [_("应在0到1000之间")]
    if not 0 <= trainings_per_year <= 100:
        fields["trainings_per_year"] = [_("应在0到100之间")]
    if fields:
        raise ValidationFailed(fields=fields)
    value: dict[str, Any] = {
        "hours_per_volunteer_year": hours_per_volunteer_year,
        "trainings_per_year": trainings_per_year,
    }
    settings.put("bulletin_targets", value)
    audit.log("bulletin.targets_set", None, by=by, **value)
    return value
