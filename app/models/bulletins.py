from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import counter, created, intpk, long_text, unit_fk, user_fk, utc_datetime

if TYPE_CHECKING:
    from app.models.accounts import User
    from app.models.units import Unit


class Bulletin(Model):
    """A monthly, immutable snapshot of a unit's (or the city's) figures (月通报).

    scope is 'unit:<id>' or 'city'; (scope, month, revision) is unique, so a second generator —
    another run, another process — cannot make a second copy. The original is revision 0;
    a revision (修订版 1, 2, …) is a new snapshot of the same month that keeps the original.
    """

    __tablename__ = "bulletins"
    __table_args__ = (
        UniqueConstraint("scope", "month", "revision", name="uq_bulletins_scope_month_revision"),
    )

    id: Mapped[intpk]
    scope: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[unit_fk | None]
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM in the deployment's zone
    revision: Mapped[counter]
    figures: Mapped[dict] = mapped_column(JSON)
    generated_at: Mapped[created]
    mailed_at: Mapped[utc_datetime | None]
    mailing_at: Mapped[utc_datetime | None]  # claimed for sending; see bulletin_mail

    unit: Mapped[Unit | None] = relationship("Unit")


class QuarterReview(Model):
    """The civilization office's written review (季点评) of a unit's (or the city's) quarter:
    one per (scope, year, quarter), written by the platform admin, read by the unit's admins."""

    __tablename__ = "quarter_reviews"
    __table_args__ = (
        UniqueConstraint("scope", "year", "quarter", name="uq_quarter_reviews_scope_year_quarter"),
    )

    id: Mapped[intpk]
    scope: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[unit_fk | None]
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    comment: Mapped[long_text]
    updated_at: Mapped[created]
    updated_by_id: Mapped[user_fk | None]

    updated_by: Mapped[User | None] = relationship("User")
