"""Service projects (志愿服务项目): a purpose, a period, an owner, targets and a budget source;
activities and posts belong to a project and volunteers sign up on its public page."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import VolunteerEntry, counter, created, intpk, long_text, unit_fk
from app.models.catalogues import Categorised
from app.models.checks import positive

if TYPE_CHECKING:
    from app.models.teams import Team
    from app.models.units import Unit


class Project(Categorised, Model):
    """A project owned by a unit or by a team (exactly one of them)."""

    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("(unit_id IS NULL) <> (team_id IS NULL)", name="one_owner"),
        CheckConstraint("ends_on >= starts_on", name="period"),
        positive("target_volunteers", nullable=True),
        positive("target_beneficiaries", nullable=True),
    )

    id: Mapped[intpk]
    title: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[long_text]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    unit_id: Mapped[unit_fk | None]
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    target_volunteers: Mapped[int | None]
    target_beneficiaries: Mapped[int | None]
    budget_source: Mapped[str | None] = mapped_column(String(50))  # e.g. 政府购买服务
    signup_count: Mapped[counter]
    created_at: Mapped[created]

    unit: Mapped[Unit | None] = relationship("Unit")
    team: Mapped[Team | None] = relationship("Team")


class ProjectSignup(VolunteerEntry, Model, subject="project"):
    """A volunteer recruited by a project (signed up on its public page)."""

    __tablename__ = "project_signups"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    created_at: Mapped[created]

    project: Mapped[Project] = relationship("Project")
