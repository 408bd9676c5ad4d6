"""Demo data for the ledger's evidence: people served (服务人次) on a recent activity of the
first project, held at a station, and on a post's day, so the project's page, the station's
figures and the bulletins show the count at once (no photos: the demo keeps no images)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from app.demo.activities import plan
from app.models import Post, PracticePlace, Project, Unit, User
from app.services import evidence
from app.services.clock import local_today, zone


def load_evidence(
    admin: User, unit: Unit, project: Project, post: Post | None, station: PracticePlace
) -> None:
    day = local_today() - timedelta(days=3)
    start = datetime.combine(day, time(9, 0), tzinfo=zone())
    [activity] = plan(
        unit.id,
        "上门探访空巢老人",
        "service",
        start,
        hours=3,
        project_id=project.id,
        station_id=station.id,
        by=admin,
    )
    evidence.keep_activity_evidence(activity, beneficiaries=36, by=admin)
    if post is not None:
        evidence.keep_post_day(
            post, local_today() - timedelta(days=1), beneficiaries=120, note="早高峰文明引导", by=admin
        )
