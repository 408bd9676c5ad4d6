"""The office's half-year (半年) and annual (年度) reviews: one document per period and
revision, holding every unit's and the city's figures, the scores, the flags, the lagging
units and the office's comments. A draft may be refreshed; a published one never changes."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.base import counter, created, intpk, user_fk, utc_datetime


class PeriodReview(Model):
    """A review of a half-year ('2026-H1') or a year ('2026'). (period, revision) is unique: the
    original is revision 0, a correction of a published review is the next number."""

    __tablename__ = "period_reviews"
    __table_args__ = (UniqueConstraint("period", "revision", name="uq_period_reviews_period_revision"),)

    id: Mapped[intpk]
    period: Mapped[str] = mapped_column(String(10), index=True)
    revision: Mapped[counter]
    figures: Mapped[dict] = mapped_column(JSON)  # see app/services/reviews.py
    rule: Mapped[dict] = mapped_column(JSON)  # the lagging rule: {"kind": "bottom"|"below", "value": n}
    comments: Mapped[dict] = mapped_column(JSON)  # {"city": text, "unit:<id>": text}
    partial: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    computed_at: Mapped[created]
    published_at: Mapped[utc_datetime | None]
    published_by_id: Mapped[user_fk | None]
    created_by_id: Mapped[user_fk | None]
