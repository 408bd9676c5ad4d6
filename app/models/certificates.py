from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import created, intpk, user_fk, volunteer_fk

if TYPE_CHECKING:
    from app.models.accounts import Volunteer
    from app.models.units import Unit


class Certificate(Model):
    """A service certificate (志愿服务记录证明): what was certified is kept as issued."""

    __tablename__ = "certificates"

    id: Mapped[intpk]
    cert_no: Mapped[str] = mapped_column(String(30), unique=True)
    verify_token: Mapped[str] = mapped_column(String(64), unique=True)
    volunteer_id: Mapped[volunteer_fk]
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    date_from: Mapped[date | None]
    date_to: Mapped[date | None]
    total_seconds: Mapped[int]
    star_level: Mapped[int]
    records: Mapped[list] = mapped_column(JSON)
    issued_at: Mapped[created]
    issued_by_id: Mapped[user_fk | None]

    volunteer: Mapped[Volunteer] = relationship("Volunteer")
    unit: Mapped[Unit] = relationship("Unit")
