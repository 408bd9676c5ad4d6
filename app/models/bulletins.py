from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class Bulletin(db.Model):
    """A monthly, immutable snapshot of a unit's (or the city's) figures (月通报).

    scope is 'unit:<id>' or 'city'; (scope, month) is unique, so a second generator —
    another run, another process — cannot make a second copy.
    """

    __tablename__ = "bulletins"
    __table_args__ = (UniqueConstraint("scope", "month", name="uq_bulletins_scope_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM in the deployment's zone
    figures: Mapped[dict] = mapped_column(JSON)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mailing_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # claimed for sending; see bulletin_mail

    unit = relationship("Unit")
