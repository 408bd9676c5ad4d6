"""Contributions other than hours: recorded per unit with evidence, checked (kind, dates,
amounts, files), counted against pro-rated yearly targets in the reviews, and never as hours
or stars."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image

from app.extensions import db
from app.models import Volunteer
from app.services import contributions, reviews
from app.services.clock import local_today
from app.services.errors import Forbidden, NotFound, ValidationFailed
from app.services.inputs import Upload
from app.services.periods import Period
from tests import factories as f


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


PDF = Upload("收据.pdf", b"%PDF-1.4\n%%EOF\n")


@pytest.fixture
def units(db):
    office, a, b = f.platform_admin(), f.unit("甲"), f.unit("乙")
    a.created_at = b.created_at = datetime(2025, 1, 1, tzinfo=UTC)
    return {"office": office, "a": a, "b": b, "admin_a": f.unit_admin(a), "admin_b": f.unit_admin(b)}


def test_contributions_count_against_targets_in_the_review_and_never_as_hours(units):
    a, admin = units["a"], units["admin_a"]
    volunteer = f.volunteer(a)
    contributions.record(a.id, kind="money", day=date(2026, 3, 1), amount="1000.50", files=[PDF], by=admin)
    contributions.record(a.id, kind="goods", day=date(2026, 4, 1), description="棉被20床", amount=2000,
                         files=[Upload("清单.png", _png())], by=admin)
    contributions.record(a.id, kind="blood", day=date(2026, 6, 30), persons=12, files=[PDF], by=admin)
    contributions.record(a.id, kind="blood", day=date(2026, 7, 1), persons=5, files=[PDF], by=admin)  # H2
    contributions.set_target(a.id, 2026, donations=10000, blood=40, by=units["office"])
    db.session.commit()
    review = reviews.make_draft(Period.parse("2026-H1"), by=units["office"])
    row = next(r for r in review.figures["units"] if r["unit_id"] == a.id)
    assert (row["money"], row["goods"], row["donations"], row["blood"]) == (1000.5, 2000, 3000.5, 12)
    assert (row["donations_target"], row["blood_target"]) == (5000, 20)  # half the year's
    assert (row["donations_rate"], row["blood_rate"]) == (pytest.approx(0.6001), 0.6)
    other = next(r for r in review.figures["units"] if r["unit_id"] == units["b"].id)
    assert other["donations"] == 0 and other["donations_target"] is None
    assert review.figures["city"]["blood"] == 12 and review.figures["city"]["donations_target"] == 5000
    assert row["service_hours"] == 0 and row["records"] == 0
    db.session.refresh(volunteer)
    assert db.session.get(Volunteer, volunteer.id).approved_seconds == 0 and volunteer.star_level == 0
    year = contributions.overview(2026)
    assert next(r for r in year if r["unit_id"] == a.id)["blood"] == 17


@pytest.mark.parametrize("change, field", [
    ({"kind": "cash"}, "kind"),
    ({"day": None}, "day"),
    ({"day": "tomorrow"}, "day"),
    ({"day": date(1999, 12, 31)}, "day"),
    ({"amount": 0}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"amount": 10**9}, "amount"),
    ({"kind": "goods"}, "description"),
    ({"description": "长" * 201}, "description"),
    ({"kind": "blood", "persons": 0}, "persons"),
    ({"files": []}, "files"),
    ({"files": [Upload("x.pdf", b"MZ\x90\x00 not a pdf")]}, "files"),
    ({"files": [Upload("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024))]}, "files"),
    ({"files": [PDF] * 6}, "files"),
])
def test_bad_input_is_refused_field_by_field(units, change, field):
    args = {"kind": "money", "day": date(2026, 3, 1), "amount": 100, "files": [PDF], **change}
    if args["day"] == "tomorrow":
        args["day"] = local_today() + timedelta(days=1)
    with pytest.raises(ValidationFailed) as refused:
        contributions.record(units["a"].id, by=units["admin_a"], **args)
    assert field in refused.value.fields


def test_units_record_only_their_own_and_the_office_sets_targets(units):
    with pytest.raises(Forbidden):
        contributions.record(units["b"].id, kind="money", day=date(2026, 3, 1), amount=1, files=[PDF],
                             by=units["admin_a"])
    with pytest.raises(Forbidden):
        contributions.set_target(units["a"].id, 2026, donations=1, by=units["admin_a"])
    with pytest.raises(ValidationFailed):
        contributions.set_target(units["a"].id, 1990, donations=1, by=units["office"])
    with pytest.raises(ValidationFailed):
        contributions.set_target(units["a"].id, 2026, blood=-1, by=units["office"])
    item = contributions.record(units["a"].id, kind="money", day=date(2026, 3, 1), amount=1, files=[PDF],
                                by=units["admin_a"])
    db.session.commit()
    assert contributions.list_for(units["admin_b"], 2026) == []
    assert contributions.list_for(units["admin_a"], 2026) == [item]
    with pytest.raises(NotFound):
        contributions.get_file(units["admin_b"], item.id, item.files[0].id)
    assert contributions.get_file(units["office"], item.id, item.files[0].id).content_type == "application/pdf"
