"""Time in one place: stored in UTC, days and months counted in the deployment's zone."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app

from app.services.inputs import SANE_MAX_YEAR, SANE_MIN_YEAR


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


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """UTC [start, end) of a calendar month 'YYYY-MM' in the deployment's zone."""
    year, mon = parse_month(month)
    first = date(year, mon, 1)
    nxt = date(year + (mon == 12), mon % 12 + 1, 1)
    return start_of_day(first), start_of_day(nxt)


def parse_month(month: str) -> tuple[int, int]:
    try:
        year_s, mon_s = month.split("-")
        year, mon = int(year_s), int(mon_s)
        if len(year_s) != 4 or len(mon_s) != 2 or not 1 <= mon <= 12 or not SANE_MIN_YEAR <= year <= SANE_MAX_YEAR:
            raise ValueError
    except ValueError:
        from flask_babel import gettext as _

        from app.services.errors import ValidationFailed
        raise ValidationFailed(fields={"month": [_("月份格式应为 YYYY-MM")]}) from None
    return year, mon


def month_of(dt: datetime) -> str:
    return local(dt).strftime("%Y-%m")


def previous_month(month: str | None = None) -> str:
    if month is None:
        month = month_of(now())
    year, mon = parse_month(month)
    return f"{year - (mon == 1):04d}-{(mon - 2) % 12 + 1:02d}"


def parse_local(value: str | datetime) -> datetime:
    """An ISO 8601 string or datetime; one without offset is taken as local time."""
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone())
    return dt.astimezone(UTC)


def iso(dt: datetime | None) -> str | None:
    return local(dt).isoformat(timespec="seconds") if dt else None


