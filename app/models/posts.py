from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import (
    VolunteerEntry,
    counter,
    created,
    intpk,
    long_text,
    off_by_default,
    on_by_default,
    unit_fk,
    utc_datetime,
)
from app.models.catalogues import Categorised
from app.models.checks import not_negative, one_of, positive

if TYPE_CHECKING:
    from app.models.catalogues import Skill
    from app.models.units import Unit

ACTIVITY_KINDS = ("service", "training", "event")


class Post(Categorised, Model):
    """A service post (志愿服务岗): a place with a printed QR poster."""

    __tablename__ = "posts"
    __table_args__ = (
        one_of("geofence_mode", ("refuse", "flag")),
        not_negative("min_minutes"),
        positive("max_minutes"),
        positive("radius_m", nullable=True),
    )

    id: Mapped[intpk]
    unit_id: Mapped[unit_fk]
    name: Mapped[str] = mapped_column(String(100))
    # The practice station (实践站) the post sits at, if any.
    station_id: Mapped[int | None] = mapped_column(ForeignKey("practice_places.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[int | None]
    geofence_mode: Mapped[str] = mapped_column(String(10), default="refuse", server_default="refuse")
    auto_approve: Mapped[off_by_default]
    min_minutes: Mapped[int] = mapped_column(default=10, server_default="10")
    max_minutes: Mapped[int] = mapped_column(default=480, server_default="480")
    open_from: Mapped[time | None] = mapped_column(Time)
    open_until: Mapped[time | None] = mapped_column(Time)
    # Bumped when an admin rotates the code: posters printed before stop working.
    code_version: Mapped[int] = mapped_column(default=1, server_default="1")
    is_active: Mapped[on_by_default]
    created_at: Mapped[created]

    unit: Mapped[Unit] = relationship("Unit")

    @property
    def max_hours(self) -> float:
        return round(self.max_minutes / 60, 2)


class Activity(Categorised, Model):
    """A planned service, training or event with a time window and capacity."""

    __tablename__ = "activities"
    __table_args__ = (
        one_of("kind", ACTIVITY_KINDS),
        CheckConstraint("ends_at > starts_at", name="window"),
        positive("capacity", nullable=True),
        Index("ix_activities_unit_starts", "unit_id", "starts_at"),
    )

    id: Mapped[intpk]
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    # A skill the activity asks for: those who have it are listed first when staff are picked.
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skills.id"), index=True)
    # Sign-ups need a volunteer insurance cover on the activity's day.
    requires_cover: Mapped[off_by_default]
    # 适合未成年人: pupils under 14 can be signed up (by an admin) only for these.
    for_minors: Mapped[off_by_default]
    station_id: Mapped[int | None] = mapped_column(ForeignKey("practice_places.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    # The theme or campaign (主题 / 专项行动) the activity is part of.
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    # Selective recruitment: volunteers apply, an admin accepts (a place) or declines.
    requires_application: Mapped[off_by_default]
    description: Mapped[long_text | None]
    kind: Mapped[str] = mapped_column(String(10), default="service", server_default="service")
    starts_at: Mapped[utc_datetime]
    ends_at: Mapped[utc_datetime]
    capacity: Mapped[int | None]
    # People served (服务人次), entered by the unit admin as evidence for the ledger.
    beneficiaries: Mapped[int | None]
    signup_count: Mapped[counter]
    # Occurrences of a recurring activity share a series id (the first occurrence's id).
    series_id: Mapped[int | None] = mapped_column(index=True)
    recurrence: Mapped[str | None] = mapped_column(String(50))
    is_cancelled: Mapped[off_by_default]
    created_at: Mapped[created]

    unit: Mapped[Unit] = relationship("Unit")
    post: Mapped[Post | None] = relationship("Post")
    skill: Mapped[Skill | None] = relationship("Skill")


class ActivitySignup(VolunteerEntry, Model, subject="activity"):
    __tablename__ = "activity_signups"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    created_at: Mapped[created]
    # Attendance: set when the volunteer checks in at the activity's post during it, or when
    # the unit admin marks it; a training counts for the volunteer only when attended.
    attended_at: Mapped[utc_datetime | None]
    attendance_source: Mapped[str | None] = mapped_column(String(10))  # 'checkin' or 'admin'

    activity: Mapped[Activity] = relationship("Activity")
