"""How the demo plans an activity: a title and a kind, a start and a length in hours."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.models import Activity, User
from app.services import posts


def plan(
    unit_id: int, title: str, kind: str, start: datetime, *, hours: float, by: User, **details
) -> list[Activity]:
    """The activities made (one, or one a week with `weekly_count`); `details` are the other
    fields of posts.ActivityInput."""
    return posts.create_activity(
        unit_id,
        posts.ActivityInput(
            title=title, kind=kind, starts_at=start, ends_at=start + timedelta(hours=hours), **details
        ),
        by=by,
    )
