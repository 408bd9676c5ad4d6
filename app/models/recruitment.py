"""Selective recruitment: applications to activities and to teams that require one. Both kinds
share their columns (ApplicationColumns) and their rules (app.services.recruitment)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.extensions import Model
from app.models.base import VolunteerEntry, created, user_fk, utc_datetime
from app.models.checks import one_of

if TYPE_CHECKING:
    from app.models.posts import Activity
    from app.models.teams import Team

APPLICATION_STATUSES = ("pending", "accepted", "declined")


class ApplicationColumns(VolunteerEntry):
    """What every application has: who applied with what note, and the admin's decision; one
    per volunteer and subject (the `subject`_id column of the class)."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (
            UniqueConstraint(f"{cls.subject}_id", "volunteer_id"),
            one_of("status", APPLICATION_STATUSES),
        )

    note: Mapped[str] = mapped_column(String(300), default="", server_default="")
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    reason: Mapped[str | None] = mapped_column(String(300))
    decided_by_id: Mapped[user_fk | None]
    decided_at: Mapped[utc_datetime | None]
    created_at: Mapped[created]


class ActivityApplication(ApplicationColumns, Model, subject="activity"):
    """A volunteer's application: pending → accepted (a place is taken: a sign-up) or
    declined, with the admin's reason. One per volunteer and activity."""

    __tablename__ = "activity_applications"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)

    activity: Mapped[Activity] = relationship("Activity")


class TeamApplication(ApplicationColumns, Model, subject="team"):
    """An application to join a team: pending → accepted (a place is taken: a membership) or
    declined, with the admin's reason. One per volunteer and team."""

    __tablename__ = "team_applications"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)

    team: Mapped[Team] = relationship("Team")
