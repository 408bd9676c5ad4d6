"""Evidence kept for the ledger (台账) on a post's day: how many people the post served that
day (服务人次) and a note; its photos are photos of subject "post_day". An activity keeps its
count on the activity itself."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import created, intpk, user_fk
from app.models.checks import not_negative

if TYPE_CHECKING:
    from app.models.posts import Post


class PostDay(Model):
    """One local day at a post: people served and a note (one row per post and day)."""

    __tablename__ = "post_days"
    __table_args__ = (
        UniqueConstraint("post_id", "day"),
        not_negative("beneficiaries", nullable=True),
    )

    id: Mapped[intpk]
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date, index=True)
    beneficiaries: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(String(200))
    updated_by_id: Mapped[user_fk | None]
    updated_at: Mapped[created]

    post: Mapped[Post] = relationship("Post")
