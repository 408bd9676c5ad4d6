"""A calendar month, `YYYY-MM`, counted in the deployment's zone.

Doors (the page, the API, the CLI, the scheduler's job) parse the text once with
`Month.parse`, and services pass the value on; `str(month)` gives the text back for storage
(a bulletin's `month` column, its figures' JSON) and for every format the contract fixes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.services.inputs import SANE_MAX_YEAR, SANE_MIN_YEAR


@dataclass(frozen=True, order=True)
class Month:
    year: int
    number: int  # 1..12

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 12 or not SANE_MIN_YEAR <= self.year <= SANE_MAX_YEAR:
            raise ValueError(f"no such month: {self.year}-{self.number}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """'YYYY-MM' exactly (two-digit month, a sane year); anything else is a ValidationFailed
        on the field `month`."""
        try:
            year_s, number_s = text.split("-")
            if len(year_s) != 4 or len(number_s) != 2 or not (year_s + number_s).isdigit():
                raise ValueError
            return cls(int(year_s), int(number_s))
        except (ValueError, AttributeError):
            from flask_babel import gettext as _

            from app.services.errors import ValidationFailed

            raise ValidationFailed(fields={"month": [_("月份格式应为 YYYY-MM")]}) from None

    @classmethod
    def of(cls, moment: datetime) -> Month:
        """The month a moment falls in, in the deployment's zone."""
        from app.services.clock import local

        day = local(moment)
        return cls(day.year, day.month)

    @classmethod
    def current(cls) -> Month:
        from app.services.clock import now

        return cls.of(now())

    @classmethod
    def of_quarter(cls, year: int, quarter: int) -> list[Month]:
        """The three months of a quarter (1..4)."""
        return [cls(year, number) for number in range(3 * quarter - 2, 3 * quarter + 1)]

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.number:02d}"

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.number == 1 else Month(self.year, self.number - 1)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.number == 12 else Month(self.year, self.number + 1)

    def first_day(self) -> date:
        return date(self.year, self.number, 1)

    def january(self) -> Month:
        return Month(self.year, 1)

    @property
    def start(self) -> datetime:
        """The UTC instant the month begins in the deployment's zone."""
        from app.services.clock import start_of_day

        return start_of_day(self.first_day())

    @property
    def end(self) -> datetime:
        """The UTC instant the next month begins (the month is [start, end))."""
        return self.next().start

    def bounds(self) -> tuple[datetime, datetime]:
        return self.start, self.end

    def back(self, count: int) -> list[Month]:
        """`count` months ending with this one, oldest first."""
        months = [self]
        while len(months) < count:
            months.insert(0, months[0].previous())
        return months
