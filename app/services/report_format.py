"""How reports write numbers: hours without a needless ".0", and ranks that ties share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def hours_text(value: float | int | None) -> str:
    """60 → "60", 60.5 → "60.5", 1234.25 → "1,234.25"."""
    if value is None:
        return ""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def shared_ranks(values: Sequence[Any]) -> list[int]:
    """Ranks of values already sorted from the most: equal values share a rank and the next
    rank skips as many places (60, 60, 50 → 1, 1, 3)."""
    ranks: list[int] = []
    for index, value in enumerate(values):
        ranks.append(ranks[-1] if index and value == values[index - 1] else index + 1)
    return ranks


def rank_of(value: Any, values: Sequence[Any]) -> int:
    """The shared rank a value takes among values: one more than the number of larger ones."""
    return 1 + sum(1 for other in values if other > value)
