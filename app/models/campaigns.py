"""Themes and campaigns (主题 / 专项行动), and their rosters (派驻 / 排班)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import counter, created, intpk, long_text, unit_fk, user_fk, utc_datetime
from app.models.checks import one_of, positive

if TYPE_CHECKING:
    from app.models.accounts import Volunteer
    from app.models.posts import Post
    from app.models.units import Unit

CAMPAIGN_KINDS = ("theme", "campaign")


class Campaign(Model):
    """A monthly theme (月度主题) or a named campaign (专项行动) with a period; activities,
    projects and posts' days are tagged with it, and its rosters belong to it."""

    __tablename__ = "campaigns"
    __table_args__ = (
        one_of("kind", CAMPAIGN_KINDS),
        CheckConstraint("ends_on >= starts_on", name="period"),
    )

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(10), default="campaign", server_default="campaign")
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[long_text | None]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_by_id: Mapped[user_fk | None]
    created_at: Mapped[created]


class CampaignPostDay(Model):
    """A post's day given to a campaign (e.g. 文明劝导 at a crossing on a festival day): the
    service at that post on that local day counts for the campaign. The day's UTC bounds are
    kept so that the figures stay plain comparisons on every database."""

    __tablename__ = "campaign_post_days"
    __table_args__ = (UniqueConstraint("post_id", "day", "campaign_id"),)

    id: Mapped[intpk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    day: Mapped[date]
    starts_at: Mapped[utc_datetime]
    ends_at: Mapped[utc_datetime]

    post: Mapped[Post] = relationship("Post")


class Shift(Model):
    """A unit's quota of people for an area or a post over one shift of a campaign."""

    __tablename__ = "shifts"
    __table_args__ = (
        positive("quota"),
        CheckConstraint("filled >= 0 AND filled <= quota", name="filled"),
        CheckConstraint("ends_at > starts_at", name="window"),
        Index("ix_shifts_campaign_unit", "campaign_id", "unit_id"),
        Index("ix_shifts_post_starts", "post_id", "starts_at"),
    )

    id: Mapped[intpk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    unit_id: Mapped[unit_fk]
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    area: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[utc_datetime]
    ends_at: Mapped[utc_datetime]
    quota: Mapped[int]
    filled: Mapped[counter]
    created_at: Mapped[created]

    campaign: Mapped[Campaign] = relationship("Campaign")
    unit: Mapped[Unit] = relationship("Unit")
    post: Mapped[Post | None] = relationship("Post")


class ShiftAssignment(Model):
    """A named volunteer on a shift. The database refuses the same volunteer twice on a shift
    and on two shifts starting at the same moment (the shift's start is copied here for that);
    the service refuses overlapping shifts under the volunteer's lock."""

    __tablename__ = "shift_assignments"
    __table_args__ = (
        UniqueConstraint("shift_id", "volunteer_id"),
        UniqueConstraint("volunteer_id", "starts_at", name="uq_shift_assignments_volunteer_start"),
    )

    id: Mapped[intpk]
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"))
    starts_at: Mapped[utc_datetime]
    ends_at: Mapped[utc_datetime]
    assigned_by_id: Mapped[user_fk | None]
    assigned_at: Mapped[created]
    # Set by the check-in at the shift's post during the shift: the shift is fulfilled.
    came_at: Mapped[utc_datetime | None]
    record_id: Mapped[int | None] = mapped_column(ForeignKey("service_records.id"), index=True)
    reminded_at: Mapped[utc_datetime | None]  # the day-before text, once

    shift: Mapped[Shift] = relationship("Shift")
    volunteer: Mapped[Volunteer] = relationship("Volunteer")
