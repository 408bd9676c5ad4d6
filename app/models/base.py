"""Column types and mixins shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from sqlalchemy import DateTime, ForeignKey, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

if TYPE_CHECKING:
    from app.models.accounts import Volunteer


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC on every backend and gives back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


# The column declarations every table repeats, named once (SQLAlchemy's Annotated types): a
# model writes `id: Mapped[intpk]`, `ended_at: Mapped[utc_datetime | None]` and the column gets
# its type and options from here; `| None` makes it nullable. A mapped_column() next to one of
# them adds options (e.g. `unique=True`).

# The table's integer primary key.
intpk = Annotated[int, mapped_column(primary_key=True)]
# A moment in time, stored as UTC (UTCDateTime).
utc_datetime = Annotated[datetime, mapped_column(UTCDateTime)]
# The moment the row was written (UTC), filled in on insert.
created = Annotated[datetime, mapped_column(UTCDateTime, default=utcnow)]
# A unit: the one a row belongs to, most often (indexed: rows are listed by unit).
unit_fk = Annotated[int, mapped_column(ForeignKey("units.id"), index=True)]
# A volunteer: the one a row is about, most often (indexed: rows are listed by volunteer).
volunteer_fk = Annotated[int, mapped_column(ForeignKey("volunteers.id"), index=True)]
# The user (a login) who did something to the row: created it, reviewed it, answered it…
user_fk = Annotated[int, mapped_column(ForeignKey("users.id"))]
# Free text without a length limit.
long_text = Annotated[str, mapped_column(Text)]
# A count kept on the row, starting at zero.
counter = Annotated[int, mapped_column(default=0, server_default="0")]
# A yes/no setting that starts as yes, or as no.
on_by_default = Annotated[bool, mapped_column(default=True, server_default="1")]
off_by_default = Annotated[bool, mapped_column(default=False, server_default="0")]


class VolunteerEntry:
    """A volunteer's entry under a subject: a sign-up to an activity, a project or a need, a
    membership of a team, a notice read… One per subject and volunteer. The class names its
    subject as a keyword (`class ActivitySignup(VolunteerEntry, Model, subject="activity")`)
    and declares the subject's key (`activity_id`) itself."""

    subject: ClassVar[str]

    def __init_subclass__(cls, subject: str | None = None, **kwargs: Any) -> None:
        if subject is not None:
            cls.subject = subject
        super().__init_subclass__(**kwargs)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (UniqueConstraint(f"{cls.subject}_id", "volunteer_id"),)

    @declared_attr
    def volunteer(cls) -> Mapped[Volunteer]:
        return relationship("Volunteer")

    id: Mapped[intpk]
    volunteer_id: Mapped[volunteer_fk]


class StoredFile:
    """The columns of a file kept in the database (a PDF or an image, checked by its content on
    upload): evidence of a rectification reply, of a contribution…"""

    id: Mapped[intpk]
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    data: Mapped[bytes]
    uploaded_at: Mapped[created]
