from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.accounts import Volunteer
    from app.models.units import Unit


class Certificate(Model):
    """A service certificate (志愿服务记录证明): what was certified is kept as issued."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    cert_no: Mapped[str] = mapped_column(String(30), unique=True)
    verify_token: Mapped[str] = mapped_column(String(64), unique=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    date_from: Mapped[date | None] = mapped_column(Date)
    date_to: Mapped[date | None] = mapped_column(Date)
    total_seconds: Mapped[int] = mapped_column()
    star_level: Mapped[int] = mapped_column()
    records: Mapped[list] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    volunteer: Mapped[Volunteer] = relationship("Volunteer")
    unit: Mapped[Unit] = relationship("Unit")
