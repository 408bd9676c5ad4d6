"""新时代文明实践 places: the centre (中心), institutes (所) and stations (站), and the units
that pair with (结对包保) institutes and stations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import created, intpk, on_by_default, unit_fk
from app.models.checks import one_of

if TYPE_CHECKING:
    from app.models.units import Unit

PLACE_LEVELS = ("centre", "institute", "station")
# The level a place's parent must have (None: a top-level place).
PLACE_PARENT = {"centre": None, "institute": "centre", "station": "institute"}


class PracticePlace(Model):
    """A practice centre, institute or station; posts, activities and teams can sit at a station."""

    __tablename__ = "practice_places"
    __table_args__ = (
        one_of("level", PLACE_LEVELS),
        CheckConstraint("(level = 'centre') = (parent_id IS NULL)", name="parent"),
    )

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    level: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("practice_places.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[on_by_default]
    created_at: Mapped[created]

    parent: Mapped[PracticePlace | None] = relationship("PracticePlace", remote_side="PracticePlace.id")

    def __repr__(self) -> str:
        return f"<PracticePlace {self.id} {self.level} {self.name}>"


class PlacePairing(Model):
    """A unit paired with (结对包保) an institute or a station: it sees the place's figures."""

    __tablename__ = "place_pairings"
    __table_args__ = (UniqueConstraint("place_id", "unit_id"),)

    id: Mapped[intpk]
    place_id: Mapped[int] = mapped_column(ForeignKey("practice_places.id", ondelete="CASCADE"))
    unit_id: Mapped[unit_fk]
    created_at: Mapped[created]

    place: Mapped[PracticePlace] = relationship("PracticePlace")
    unit: Mapped[Unit] = relationship("Unit")
