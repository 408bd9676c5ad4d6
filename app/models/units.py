from __future__ import annotations

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.base import created, intpk, on_by_default
from app.models.checks import one_of


class Unit(Model):
    """A member unit (成员单位) of the civilization office."""

    __tablename__ = "units"
    __table_args__ = (
        one_of(
            "kind",
            ("government", "institution", "enterprise", "school", "community", "organisation"),
            nullable=True,
        ),
        CheckConstraint("headcount IS NULL OR headcount >= 1", name="headcount"),
    )

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    contact_email: Mapped[str | None] = mapped_column(String(200))
    # 党政机关, 事业单位, 企业, 学校, 社区/村, 志愿服务组织 (app.services.headcounts.UNIT_KINDS);
    # None until set (units made before kinds existed).
    kind: Mapped[str | None] = mapped_column(String(20))
    # Staff on the books (在册人数): the base of the registration rate.
    headcount: Mapped[int | None]
    is_active: Mapped[on_by_default]
    created_at: Mapped[created]

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.name}>"
