"""Periods the office reviews and scores: a month (2026-10), a quarter (2026-Q3), a half-year
(2026-H1) or a year (2026), counted in the deployment's zone like every month of the product."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _

from app.services.clock import now, start_of_day
from app.services.errors import ValidationFailed
from app.services.inputs import SANE_MAX_YEAR, SANE_MIN_YEAR
from app.services.months import Month

_PATTERN = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])|H([12])))?$")
_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | half | year
    year: int
    number: int  # the month, quarter or half within the year; 1 for a year

    @classmethod
    def parse(cls, text: str | None, field: str = "period") -> Period:
        match = _PATTERN.match((text or "").strip())
        if not match:
            raise ValidationFailed(fields={field: [_("期间的格式应为 2026-10、2026-Q3、2026-H1 或 2026")]})
        year = int(match.group(1))
        if not SANE_MIN_YEAR <= year <= SANE_MAX_YEAR:
            raise ValidationFailed(
                fields={field: [_("日期超出合理范围（%(a)d–%(b)d年）", a=SANE_MIN_YEAR, b=SANE_MAX_YEAR)]}
            )
        month, quarter, half = match.group(2), match.group(3), match.group(4)
        if month is not None:
            if not 1 <= int(month) <= 12:
                raise ValidationFailed(fields={field: [_("月份应在1到12之间")]})
            return cls("month", year, int(month))
        if quarter is not None:
            return cls("quarter", year, int(quarter))
        if half is not None:
            return cls("half", year, int(half))
        return cls("year", year, 1)

    def __str__(self) -> str:
        return {
            "month": f"{self.year}-{self.number:02d}",
            "quarter": f"{self.year}-Q{self.number}",
            "half": f"{self.year}-H{self.number}",
            "year": f"{self.year}",
        }[self.kind]

    @property
    def months(self) -> int:
        return _MONTHS[self.kind]

    def first_day(self) -> date:
        return date(self.year, (self.number - 1) * self.months + 1, 1)

    def next_first_day(self) -> date:
        month = (self.number - 1) * self.months + 1 + self.months
        return date(self.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    def month_list(self) -> list[Month]:
        """The period's months, in order."""
        first = self.first_day()
        return [Month(first.year, first.month + i) for i in range(self.months)]

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: midnight in the zone on the first day, and on the day after."""
        return start_of_day(self.first_day()), start_of_day(self.next_first_day())

    def has_ended(self, at: datetime | None = None) -> bool:
        return self.bounds()[1] <= (at or now())

    def label(self) -> str:
        if self.kind == "month":
            return _("%(y)d年%(m)d月", y=self.year, m=self.number)
        if self.kind == "quarter":
            return _("%(y)d年第%(q)d季度", y=self.year, q=self.number)
        if self.kind == "half":
            return _("%(y)d年上半年", y=self.year) if self.number == 1 else _("%(y)d年下半年", y=self.year)
        return _("%(y)d年度", y=self.year)
