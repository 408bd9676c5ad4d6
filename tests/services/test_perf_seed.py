"""The synthetic data of `flask perf seed`: exact totals, a Pareto skew, 24 months, no overlaps,
cached totals and star levels equal to the ledger's."""
from __future__ import annotations

import random
import statistics
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app import perf
from app.models import ServiceRecord, Volunteer
from app.services import ledger, stars
from app.services.clock import now


def test_record_counts_are_exact_and_skewed():
    counts = perf.record_counts(5000, 100_000, random.Random(3))
    assert sum(counts) == 100_000
    assert counts[0] == perf.BUSIEST and counts[1] == perf.QUIET
    assert max(counts) <= perf.MAX_PER_VOLUNTEER
    rest = counts[2:]
    mean = statistics.mean(rest)
    assert statistics.median(rest) <= mean / 2  # most volunteers have a few records …
    assert max(rest) >= 10 * mean  # … a few have many
    assert sum(perf.record_counts(3, 5, random.Random(1))) == 5  # too few for the fixed histories


def test_seed_spreads_records_over_24_months_without_overlap(app, db):
    for _ in perf.seed(40, 3000, units=3):
        pass
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ServiceRecord)) == 3000
    first, last = db.session.execute(select(func.min(ServiceRecord.started_at),
                                            func.max(ServiceRecord.ended_at))).one()
    assert last <= now()
    span = last - first
    assert timedelta(days=700) <= span <= timedelta(days=731)
    other = aliased(ServiceRecord)
    overlaps = db.session.scalar(
        select(func.count()).select_from(ServiceRecord).join(other, (other.volunteer_id == ServiceRecord.volunteer_id)
                                                             & (other.id > ServiceRecord.id))
        .where(ServiceRecord.started_at < other.ended_at, other.started_at < ServiceRecord.ended_at))
    assert overlaps == 0
    assert ledger.ledger_mismatches() == []
    table = stars.thresholds()
    for volunteer in db.session.scalars(select(Volunteer)):
        assert volunteer.star_level == stars.level_for_seconds(volunteer.approved_seconds, table)
    per_volunteer = sorted(db.session.scalars(
        select(func.count()).select_from(ServiceRecord).group_by(ServiceRecord.volunteer_id)), reverse=True)
    assert per_volunteer[0] >= 5 * statistics.median(per_volunteer)
