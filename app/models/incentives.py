from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.accounts import User, Volunteer


class Merchant(Model):
    """A shop honouring volunteers' stars (商家礼遇)."""

    __tablename__ = "merchants"
    __table_args__ = (CheckConstraint("status IN ('pending','approved','suspended')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    address: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(50))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_mimetype: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Offer(Model):
    """A merchant's incentive for volunteers of at least a star level."""

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("min_star BETWEEN 0 AND 5", name="min_star"),
        CheckConstraint("quantity IS NULL OR quantity >= 0", name="quantity"),
        CheckConstraint("quantity IS NULL OR claimed_count <= quantity", name="quota"),
        CheckConstraint("per_volunteer_limit IS NULL OR per_volunteer_limit > 0", name="per_volunteer_limit"),
        CheckConstraint("limit_period IN ('total','month')", name="limit_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    min_star: Mapped[int] = mapped_column(default=1, server_default="1")
    quantity: Mapped[int | None] = mapped_column()  # total quota; None = unlimited
    claimed_count: Mapped[int] = mapped_column(default=0, server_default="0")
    per_volunteer_limit: Mapped[int | None] = mapped_column(default=1, server_default="1")
    limit_period: Mapped[str] = mapped_column(String(10), default="month", server_default="month")
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_active: Mapped[bool] = mapped_column(default=True, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    merchant: Mapped[Merchant] = relationship("Merchant")


class Coupon(Model):
    """One volunteer's right to one use of an offer; redeemed at most once."""

    __tablename__ = "coupons"
    __table_args__ = (
        CheckConstraint("status IN ('issued','redeemed','expired')", name="status"),
        CheckConstraint("(status = 'redeemed') = (redeemed_at IS NOT NULL)", name="redeemed_has_time"),
        Index("ix_coupons_volunteer_offer", "volunteer_id", "offer_id"),
        Index("ix_coupons_merchant_redeemed", "merchant_id", "redeemed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"))
    status: Mapped[str] = mapped_column(String(10), default="issued", server_default="issued")
    # The limit period this claim counts against, e.g. '2026-11' or 'total'.
    period_key: Mapped[str] = mapped_column(String(10), default="total", server_default="total")
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redeemed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    offer: Mapped[Offer] = relationship("Offer")
    merchant: Mapped[Merchant] = relationship("Merchant")
    volunteer: Mapped[Volunteer] = relationship("Volunteer")
    redeemed_by: Mapped[User | None] = relationship("User")
