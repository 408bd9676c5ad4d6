"""Time in one place: stored in UTC, days and months counted in the deployment's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app

from app.services.months import Month


def now() -> datetime:
    return datetime.now(UTC)


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local(dt: datetime) -> datetime:
    return dt.astimezone(zone())


def local_today() -> date:
    return local(now()).date()


def start_of_day(day: date) -> datetime:
    """The UTC instant at which a local calendar day begins."""
    return datetime.combine(day, time.min, tzinfo=zone()).astimezone(UTC)


# Months as text, for callers that keep 'YYYY-MM' strings; app.services.months.Month is the value.


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """UTC [start, end) of a calendar month 'YYYY-MM' in the deployment's zone."""
    return Month.parse(month).bounds()


def parse_month(month: str) -> tuple[int, int]:
    parsed = Month.parse(month)
    return parsed.year, parsed.number


def month_of(dt: datetime) -> str:
    return str(Month.of(dt))


def previous_month(month: str | None = None) -> str:
    return str((Month.parse(month) if month is not None else Month.current()).previous())


def parse_local(value: str | datetime) -> datetime:
    """An ISO 8601 string or datetime; one without offset is taken as local time."""
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone())
    return dt.astimezone(UTC)


def iso(dt: datetime | None) -> str | None:
    return local(dt).isoformat(timespec="seconds") if dt else None
