"""Volunteer service teams (志愿服务队): 总队 → 大队 → 小队, and professional teams."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import VolunteerEntry, counter, created, intpk, off_by_default, on_by_default, unit_fk
from app.models.checks import one_of, positive

if TYPE_CHECKING:
    from app.models.places import PracticePlace
    from app.models.units import Unit

# corps 总队, brigade 大队, squad 小队; a professional team (专业志愿服务队) has a speciality.
TEAM_LEVELS = ("corps", "brigade", "squad", "professional")
# The level a team's parent must have (None: no parent allowed).
PARENT_LEVEL = {"corps": None, "brigade": "corps", "squad": "brigade", "professional": "corps"}


class Team(Model):
    """A team; it belongs to a unit or to a practice station (exactly one of them)."""

    __tablename__ = "teams"
    __table_args__ = (
        one_of("level", TEAM_LEVELS),
        CheckConstraint("(unit_id IS NULL) <> (station_id IS NULL)", name="one_owner"),
        CheckConstraint("level <> 'professional' OR speciality IS NOT NULL", name="speciality"),
        positive("capacity", nullable=True),
    )

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(15))
    speciality: Mapped[str | None] = mapped_column(String(50))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    unit_id: Mapped[unit_fk | None]
    station_id: Mapped[int | None] = mapped_column(ForeignKey("practice_places.id"), index=True)
    is_active: Mapped[on_by_default]
    # Selective recruitment: volunteers apply to join, an admin accepts (a place) or declines.
    requires_application: Mapped[off_by_default]
    capacity: Mapped[int | None]
    # Kept with every membership added or removed (app.services.teams), so that a place is
    # taken by one conditional UPDATE, as an activity's sign-up count.
    member_count: Mapped[counter]
    created_at: Mapped[created]

    parent: Mapped[Team | None] = relationship("Team", remote_side="Team.id")
    unit: Mapped[Unit | None] = relationship("Unit")
    station: Mapped[PracticePlace | None] = relationship("PracticePlace")

    def __repr__(self) -> str:
        return f"<Team {self.id} {self.level} {self.name}>"


class TeamMember(VolunteerEntry, Model, subject="team"):
    """A volunteer in a team (a volunteer can be in several); leaders record attendance."""

    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    is_leader: Mapped[off_by_default]
    created_at: Mapped[created]

    team: Mapped[Team] = relationship("Team")
