"""Offline check-in: the devices whose keys sign taps made without signal, and the taps
they upload later (each kept once, with what became of it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import created, intpk, long_text, utc_datetime, volunteer_fk
from app.models.checks import one_of

if TYPE_CHECKING:
    from app.models.accounts import Volunteer
    from app.models.attendance import ServiceRecord


class TapDevice(Model):
    """A volunteer's phone browser: the public half of its ECDSA P-256 key (the private half
    never leaves the browser). A revoked device's taps are refused."""

    __tablename__ = "tap_devices"

    id: Mapped[intpk]
    volunteer_id: Mapped[volunteer_fk]
    # SubjectPublicKeyInfo (DER), base64
    public_key: Mapped[long_text]
    label: Mapped[str] = mapped_column(String(100), default="", server_default="")
    created_at: Mapped[created]
    last_used_at: Mapped[utc_datetime | None]
    revoked_at: Mapped[utc_datetime | None]

    volunteer: Mapped[Volunteer] = relationship("Volunteer")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class OfflineTap(Model):
    """One signed tap, uploaded once: its idempotency key is unique per device, so a second
    upload answers with the first one's result and counts nothing again."""

    __tablename__ = "offline_taps"
    __table_args__ = (
        UniqueConstraint("device_id", "tap_key"),
        one_of("outcome", ("accepted", "refused")),
    )

    id: Mapped[intpk]
    device_id: Mapped[int] = mapped_column(ForeignKey("tap_devices.id"))
    tap_key: Mapped[str] = mapped_column(String(64))
    volunteer_id: Mapped[volunteer_fk]
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    # the device's clock at the tap, and the moment taken for it (corrected by the offset)
    device_time: Mapped[utc_datetime]
    counted_at: Mapped[utc_datetime]
    received_at: Mapped[created]
    # server clock minus device clock, measured at upload
    clock_offset_seconds: Mapped[int] = mapped_column(default=0, server_default="0")
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    flags: Mapped[str] = mapped_column(String(100), default="", server_default="")
    outcome: Mapped[str] = mapped_column(String(10))
    action: Mapped[str | None] = mapped_column(String(10))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("service_records.id"), index=True)
    error_code: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(300))
    # what the device signed, and the signature: the evidence behind the record
    payload: Mapped[long_text]
    signature: Mapped[str] = mapped_column(String(200))

    device: Mapped[TapDevice] = relationship("TapDevice")
    record: Mapped[ServiceRecord | None] = relationship("ServiceRecord")

    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(",") if f]
