"""The ledger counts seconds; people read hours. One conversion, one rounding, for pages,
API answers, exports and the command line alike."""

from __future__ import annotations

SECONDS_PER_HOUR = 3600


def hours(seconds: int | float | None, places: int | None = 2) -> float:
    """Seconds as hours, rounded to two decimals as they are shown and sent everywhere
    (places=None: unrounded, for arithmetic such as a progress bar)."""
    value = (seconds or 0) / SECONDS_PER_HOUR
    return value if places is None else round(value, places)


def seconds(hours: int | float) -> int:
    """Whole hours (a star threshold, say) as seconds."""
    return round(hours * SECONDS_PER_HOUR)
