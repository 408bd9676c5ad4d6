from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.hours import hours
from app.masking import mask
from app.models.base import (
    created,
    intpk,
    long_text,
    on_by_default,
    unit_fk,
    utc_datetime,
    volunteer_fk,
)
from app.models.checks import not_negative, one_of

if TYPE_CHECKING:
    from app.models.catalogues import VolunteerSkill
    from app.models.incentives import Merchant
    from app.models.units import Unit

ROLES = ("platform_admin", "unit_admin", "merchant", "volunteer")


class User(UserMixin, Model):
    """A login: platform admin, unit admin (bound to one unit), merchant or volunteer."""

    __tablename__ = "users"
    __table_args__ = (one_of("role", ROLES),)

    id: Mapped[intpk]
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))
    unit_id: Mapped[unit_fk | None]
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    active: Mapped[on_by_default]
    created_at: Mapped[created]
    last_login_at: Mapped[utc_datetime | None]

    unit: Mapped[Unit | None] = relationship("Unit")
    merchant: Mapped[Merchant | None] = relationship("Merchant", foreign_keys=[merchant_id])
    volunteer: Mapped[Volunteer | None] = relationship("Volunteer", back_populates="user", uselist=False)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username} {self.role}>"


class LoginSession(Model):
    """A server-side record of one portal login, so logout ends it for real."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[created]
    last_seen_at: Mapped[utc_datetime | None]
    ended_at: Mapped[utc_datetime | None]


class ApiToken(Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[created]
    expires_at: Mapped[utc_datetime]
    revoked_at: Mapped[utc_datetime | None]

    user: Mapped[User] = relationship("User")


class Volunteer(Model):
    """A real-name registered volunteer. The ID number is kept encrypted, found by keyed hash."""

    __tablename__ = "volunteers"
    __table_args__ = (
        one_of("sex", ("M", "F")),
        CheckConstraint("star_level BETWEEN 0 AND 5", name="star_level"),
        not_negative("approved_seconds"),
        one_of("guardian_consent_method", ("sms", "paper"), nullable=True),
        one_of(
            "political_status",
            ("party_member", "probationary_member", "league_member", "democratic_party", "masses"),
            nullable=True,
        ),
        CheckConstraint(
            "political_status IS NULL OR political_consent_at IS NOT NULL", name="political_consent"
        ),
        CheckConstraint("phone IS NOT NULL OR guardian_id IS NOT NULL", name="phone_or_guardian"),
        Index("ix_volunteers_unit_star", "unit_id", "star_level"),
        # Search by a fragment of the name: a trigram GIN index on PostgreSQL (pg_trgm serves
        # LIKE '%…%' of three characters or more); a plain index on SQLite.
        Index("ix_volunteers_name", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    volunteer_no: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    id_number_encrypted: Mapped[long_text]
    id_number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_number_masked: Mapped[str] = mapped_column(String(18))
    # None only for a pupil under 14 added by a guardian (no login of their own).
    phone: Mapped[str | None] = mapped_column(String(11), unique=True)
    birth_date: Mapped[date]
    sex: Mapped[str] = mapped_column(String(1))
    unit_id: Mapped[unit_fk]
    guardian_name: Mapped[str | None] = mapped_column(String(50))
    guardian_phone: Mapped[str | None] = mapped_column(String(11))
    consent_at: Mapped[utc_datetime]
    # A 14–17-year-old checks in only once a guardian has agreed: by the link sent to the
    # guardian's phone ('sms') or by a signed paper form a unit admin records ('paper'; who
    # recorded it is in the audit trail).
    guardian_consent_at: Mapped[utc_datetime | None]
    guardian_consent_method: Mapped[str | None] = mapped_column(String(10))
    guardian_consent_note: Mapped[str | None] = mapped_column(String(500))
    # SHA-256 of the link last sent to the guardian; a new link retires the old one.
    guardian_token_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    guardian_token_sent_at: Mapped[utc_datetime | None]
    # Political status (政治面貌), optional and given by the volunteer with its own consent;
    # only the volunteer and their unit's admins see it (app.services.political).
    political_status: Mapped[str | None] = mapped_column(String(20))
    political_consent_at: Mapped[utc_datetime | None]
    # A pupil under 14 (红领巾 / 美德少年) belongs to the guardian volunteer who added them.
    guardian_id: Mapped[volunteer_fk | None]
    guardian_relationship: Mapped[str | None] = mapped_column(String(20))
    # Cached ledger total: always equal to the sum of approved records (flask hours verify).
    approved_seconds: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    star_level: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[created]

    user: Mapped[User] = relationship("User", back_populates="volunteer")
    unit: Mapped[Unit] = relationship("Unit")
    guardian: Mapped[Volunteer | None] = relationship("Volunteer", remote_side="Volunteer.id")
    skills: Mapped[list[VolunteerSkill]] = relationship(
        "VolunteerSkill",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="VolunteerSkill.skill_id",
    )

    @property
    def is_child(self) -> bool:
        return self.guardian_id is not None

    @property
    def hours(self) -> float:
        return hours(self.approved_seconds)

    @property
    def masked_name(self) -> str:
        return mask(self.name)

    def __repr__(self) -> str:
        return f"<Volunteer {self.volunteer_no}>"


ROLES_BY_NAME = {role: role for role in ROLES}
