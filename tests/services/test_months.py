"""Month: 'YYYY-MM' parsed once, counted in the deployment's zone (Asia/Shanghai in tests)."""
from datetime import UTC, date, datetime

import pytest

from app.services.errors import ValidationFailed
from app.services.months import Month


@pytest.mark.parametrize("text", ["2026-9", "26-10", "2026-13", "2026-00", "2026/10", "2026-10-01", "abcd-ef", "",
                                  "1899-12", "2101-01", " 2026-10", "2026-1a"])
def test_anything_but_yyyy_mm_is_a_field_error(text):
    with pytest.raises(ValidationFailed) as refused:
        Month.parse(text)
    assert set(refused.value.fields) == {"month"}


def test_text_round_trips_and_months_step_across_years():
    month = Month.parse("2026-01")
    assert month == Month(2026, 1) and str(month) == "2026-01"
    assert str(month.previous()) == "2025-12" and str(Month(2025, 12).next()) == "2026-01"
    assert [str(m) for m in Month(2026, 2).back(4)] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert [str(m) for m in Month.of_quarter(2026, 4)] == ["2026-10", "2026-11", "2026-12"]
    assert Month(2026, 9) < Month(2026, 10) < Month(2027, 1) and Month(2026, 10).january() == Month(2026, 1)
    assert Month(2026, 2).first_day() == date(2026, 2, 1)


def test_a_month_begins_and_ends_at_midnight_in_the_zone(app):
    october = Month(2026, 10)
    assert october.bounds() == (datetime(2026, 9, 30, 16, tzinfo=UTC), datetime(2026, 10, 31, 16, tzinfo=UTC))
    assert Month(2026, 12).end == datetime(2026, 12, 31, 16, tzinfo=UTC)  # the new year starts in the zone
    assert Month.of(datetime(2026, 9, 30, 16, tzinfo=UTC)) == october  # 00:00 on 1 October in Beijing
    assert Month.of(datetime(2026, 9, 30, 15, 59, tzinfo=UTC)) == Month(2026, 9)
