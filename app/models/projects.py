"""Service projects (志愿服务项目): a purpose, a period, an owner, targets and a budget source;
activities and posts belong to a project and volunteers sign up on its public page."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.accounts import Volunteer
    from app.models.catalogues import ServiceCategory
    from app.models.teams import Team
    from app.models.units import Unit


class Project(Model):
    """A project owned by a unit or by a team (exactly one of them)."""

    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("(unit_id IS NULL) <> (team_id IS NULL)", name="one_owner"),
        CheckConstraint("ends_on >= starts_on", name="period"),
        CheckConstraint("target_volunteers IS NULL OR target_volunteers > 0", name="target_volunteers"),
        CheckConstraint(
            "target_beneficiaries IS NULL OR target_beneficiaries > 0", name="target_beneficiaries"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("service_categories.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    target_volunteers: Mapped[int | None] = mapped_column()
    target_beneficiaries: Mapped[int | None] = mapped_column()
    budget_source: Mapped[str | None] = mapped_column(String(50))  # e.g. 政府购买服务
    signup_count: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[ServiceCategory | None] = relationship("ServiceCategory")
    unit: Mapped[Unit | None] = relationship("Unit")
    team: Mapped[Team | None] = relationship("Team")


class ProjectSignup(Model):
    """A volunteer recruited by a project (signed up on its public page)."""

    __tablename__ = "project_signups"
    __table_args__ = (UniqueConstraint("project_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship("Project")
    volunteer: Mapped[Volunteer] = relationship("Volunteer")
