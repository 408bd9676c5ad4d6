from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import counter, created, intpk, long_text, on_by_default, user_fk, utc_datetime
from app.models.checks import not_negative, one_of, positive

if TYPE_CHECKING:
    from app.models.accounts import User, Volunteer


class Merchant(Model):
    """A shop honouring volunteers' stars (商家礼遇)."""

    __tablename__ = "merchants"
    __table_args__ = (one_of("status", ("pending", "approved", "suspended")),)

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    address: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(50))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    logo: Mapped[bytes | None]
    logo_mimetype: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    created_at: Mapped[created]


class Offer(Model):
    """A merchant's incentive for volunteers of at least a star level."""

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("min_star BETWEEN 0 AND 5", name="min_star"),
        not_negative("quantity", nullable=True),
        CheckConstraint("quantity IS NULL OR claimed_count <= quantity", name="quota"),
        positive("per_volunteer_limit", nullable=True),
        one_of("limit_period", ("total", "month")),
    )

    id: Mapped[intpk]
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[long_text | None]
    min_star: Mapped[int] = mapped_column(default=1, server_default="1")
    quantity: Mapped[int | None]  # total quota; None = unlimited
    claimed_count: Mapped[counter]
    per_volunteer_limit: Mapped[int | None] = mapped_column(default=1, server_default="1")
    limit_period: Mapped[str] = mapped_column(String(10), default="month", server_default="month")
    valid_from: Mapped[utc_datetime | None]
    valid_until: Mapped[utc_datetime | None]
    is_active: Mapped[on_by_default]
    created_at: Mapped[created]

    merchant: Mapped[Merchant] = relationship("Merchant")


class Coupon(Model):
    """One volunteer's right to one use of an offer; redeemed at most once."""

    __tablename__ = "coupons"
    __table_args__ = (
        one_of("status", ("issued", "redeemed", "expired")),
        CheckConstraint("(status = 'redeemed') = (redeemed_at IS NOT NULL)", name="redeemed_has_time"),
        Index("ix_coupons_volunteer_offer", "volunteer_id", "offer_id"),
        Index("ix_coupons_merchant_redeemed", "merchant_id", "redeemed_at"),
    )

    id: Mapped[intpk]
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"))
    status: Mapped[str] = mapped_column(String(10), default="issued", server_default="issued")
    # The limit period this claim counts against, e.g. '2026-11' or 'total'.
    period_key: Mapped[str] = mapped_column(String(10), default="total", server_default="total")
    claimed_at: Mapped[created]
    expires_at: Mapped[utc_datetime]
    redeemed_at: Mapped[utc_datetime | None]
    redeemed_by_id: Mapped[user_fk | None]

    offer: Mapped[Offer] = relationship("Offer")
    merchant: Mapped[Merchant] = relationship("Merchant")
    volunteer: Mapped[Volunteer] = relationship("Volunteer")
    redeemed_by: Mapped[User | None] = relationship("User")
