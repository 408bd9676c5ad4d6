"""Bulk synthetic data for benchmarks, with no ORM objects per row.

PostgreSQL: COPY FROM STDIN (psycopg 3's cursor.copy) into tables whose secondary indexes and
foreign keys are dropped first and rebuilt after, in the same transaction. SQLite: batched
multi-row INSERTs. Either way the cached totals and star levels are set by set-based
statements at the end.

The shape of the data:
- records spread over the last 24 months;
- a Pareto skew of records per volunteer (most have a few, a few have thousands); the first
  volunteer seeded has exactly BUSIEST records and the second exactly QUIET (when the total
  allows), so benchmarks can compare a long history with a short one;
- one volunteer's records never overlap: a volunteer with k records has the 24 months cut into
  k equal slots and one record inside each slot;
- every ID number is really encrypted (Fernet, about 11 µs a row) and its keyed hash is unique.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select, text, update

from app.extensions import db
from app.models import Post, ServiceRecord, Unit, User, Volunteer
from app.services import accounts, identity, rollups
from app.services.clock import now

BATCH = 2000
COPY_BLOCK = 20000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
MONTHS = 24
SPAN_SECONDS = 730 * 86400  # 24 months
BUSIEST = 10_000  # records of the first volunteer seeded
QUIET = 10  # records of the second
PARETO_ALPHA = 1.16  # the 80/20 shape
MAX_PER_VOLUNTEER = 10_000  # slots of 1.75 h over 24 months: records of up to 1.5 h still fit
# Tables whose secondary indexes and foreign keys COPY skips and which are rebuilt after.
BULK_TABLES = ("users", "volunteers", "service_records")


def _id_number(n: int) -> str:
    birth = date(1960, 1, 1) + timedelta(days=n % 15000)
    # day of birth, then sequence, then region vary with n: unique for n below 15 000 000 × 100
    first17 = f"{310101 + n // 15_000_000:06d}{birth:%Y%m%d}{n // 15000 % 1000:03d}"
    return first17 + identity.id_check_char(first17)


def record_counts(volunteers: int, records: int, rng: random.Random) -> list[int]:
    """How many records each volunteer gets: exactly `records` in all, Pareto-skewed, the
    first BUSIEST and the second QUIET when there are enough, none above MAX_PER_VOLUNTEER."""
    counts = [0] * volunteers
    left = records
    fixed = 0
    for i, want in enumerate((BUSIEST, QUIET)[:volunteers]):
        if left >= want and volunteers > 1:
            counts[i] = want
            left -= want
            fixed = i + 1
    rest = volunteers - fixed
    if rest and left:
        weights = [rng.paretovariate(PARETO_ALPHA) for _ in range(rest)]
        scale = left / sum(weights)
        for j, w in enumerate(weights):
            counts[fixed + j] = min(MAX_PER_VOLUNTEER, int(w * scale))
        left -= sum(counts[fixed:])
        while left > 0:  # the remainder of the rounding, one record at a time
            j = fixed + rng.randrange(rest)
            if counts[j] < MAX_PER_VOLUNTEER:
                counts[j] += 1
                left -= 1
    elif left:  # a single volunteer: all of it, up to what fits
        counts[0] = min(MAX_PER_VOLUNTEER, records)
    return counts


def _records_of(count: int, end_ts: int, rng: random.Random) -> Iterator[tuple[int, int, int]]:
    """(start, end, seconds) of one volunteer's `count` records in the SPAN before end_ts: one
    record inside each of `count` equal slots, so that none overlap."""
    slot = SPAN_SECONDS // count
    longest = max(600, int(slot * 0.9)) // 60 * 60
    begin = end_ts - SPAN_SECONDS
    for j in range(count):
        seconds = min(rng.randrange(1, 17) * 1800, longest)
        start = begin + j * slot + rng.randrange(0, max(1, slot - seconds))
        yield start, start + seconds, seconds


def seed(
    volunteers: int, records: int, units: int = 5, seed_value: int = 1
) -> Iterator[tuple[str, int, int]]:
    """Insert units, posts, volunteers and approved records; yields (stage, done, of) as it
    goes, so a command can show progress. The caller commits (then may call vacuum())."""
    rng = random.Random(seed_value)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    start_unit = db.session.execute(select(func.coalesce(func.max(Unit.id), 0))).scalar_one() + 1
    db.session.execute(
        insert(Unit),
        [{"name": f"压测单位{start_unit + i}", "is_active": True, "created_at": now()} for i in range(units)],
    )
    unit_ids = list(db.session.scalars(select(Unit.id).where(Unit.id >= start_unit).order_by(Unit.id)))
    db.session.execute(
        insert(Post),
        [
            {
                "unit_id": u,
                "name": f"服务岗{u}-{k}",
                "min_minutes": 10,
                "max_minutes": 480,
                "created_at": now(),
            }
            for u in unit_ids
            for k in range(3)
        ],
    )
    post_rows = db.session.execute(
        select(Post.unit_id, Post.id).where(Post.unit_id >= start_unit).order_by(Post.id)
    ).all()
    post_ids: dict[int, list[int]] = {}
    for unit_id, post_id in post_rows:
        post_ids.setdefault(unit_id, []).append(post_id)
    yield "units", units, units

    first_user = db.session.execute(select(func.coalesce(func.max(User.id), 0))).scalar_one() + 1
    first_volunteer = db.session.execute(select(func.coalesce(func.max(Volunteer.id), 0))).scalar_one() + 1
    counts = record_counts(volunteers, records, rng)
    end_ts = int(now().timestamp()) - 7200  # every record ended at least two hours ago
    plan = Plan(rng, unit_ids, post_ids, first_user, first_volunteer, counts, end_ts)
    if not postgres:
        yield from _seed_batched(plan, volunteers, records)
        _set_totals(first_volunteer, postgres)
        yield "totals", volunteers, volunteers
        rollups.rebuild()
        yield "rollups", 1, 1
        return
    from app.perf.copy import bulk_ddl, copy_postgres

    # PostgreSQL: indexes, unique and foreign keys off while COPY loads and the totals are set,
    # rebuilt after, all in the caller's transaction.
    conn = db.session.connection()
    drop, create = bulk_ddl(conn, BULK_TABLES)
    for statement in drop:
        conn.execute(text(statement))
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    yield from copy_postgres(plan, volunteers, records)
    _set_totals(first_volunteer, postgres)
    yield "totals", volunteers, volunteers
    for i, statement in enumerate(create):
        conn.execute(text(statement))
        yield "indexes", i + 1, len(create)
    rollups.rebuild()  # the ledger's monthly rollups, set-based (the rows bypassed the ledger)
    yield "rollups", 1, 1


def _set_totals(first_volunteer: int, postgres: bool) -> None:
    """Cached totals from the ledger, then star levels: set-based statements."""
    totals = (
        select(ServiceRecord.volunteer_id, func.sum(ServiceRecord.seconds).label("total"))
        .where(ServiceRecord.status == "approved", ServiceRecord.volunteer_id >= first_volunteer)
        .group_by(ServiceRecord.volunteer_id)
        .subquery()
    )
    if postgres:  # one pass over the records, joined to the volunteers by hash
        for table in BULK_TABLES:  # statistics first, for the plans of what follows
            db.session.execute(text(f"ANALYZE {table}"))
        db.session.execute(
            update(Volunteer)
            .where(Volunteer.id == totals.c.volunteer_id)
            .values(approved_seconds=totals.c.total)
        )
    else:
        total = (
            select(func.sum(ServiceRecord.seconds))
            .where(ServiceRecord.volunteer_id == Volunteer.id, ServiceRecord.status == "approved")
            .scalar_subquery()
        )
        db.session.execute(
            update(Volunteer)
            .where(Volunteer.id >= first_volunteer)
            .values(approved_seconds=func.coalesce(total, 0))
        )
    from app.services import stars

    stars.regrade_all(by=None)


class Plan:
    """What to seed, and the generators of its rows."""

    def __init__(self, rng, unit_ids, post_ids, first_user, first_volunteer, counts, end_ts):
        self.rng, self.unit_ids, self.post_ids = rng, unit_ids, post_ids
        self.first_user, self.first_volunteer, self.counts, self.end_ts = (
            first_user,
            first_volunteer,
            counts,
            end_ts,
        )

    def people(self, start: int, size: int) -> Iterator[tuple]:
        """(volunteer_id, user_id, phone, name, encrypted, keyed hash, masked, birth day index,
        sex, unit_id, days since registering) of volunteers start … start + size."""
        rng = self.rng
        fernet = identity._fernet()  # one key derivation for all rows, not one per row
        lookup_key = identity._derived(b"lookup-hash")
        for i in range(start, start + size):
            n = self.first_volunteer + i
            number = _id_number(n)
            yield (
                n,
                self.first_user + i,
                f"17{n:09d}",
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                fernet.encrypt(number.encode()).decode(),
                hmac.new(lookup_key, number.encode(), hashlib.sha256).hexdigest(),
                identity.mask_id_number(number),
                n % 15000,
                "MF"[n % 2],
                self.unit_ids[n % len(self.unit_ids)],
                rng.randrange(0, 730),
            )

    def records(self) -> Iterator[tuple[int, int, int, int, int, int]]:
        """(volunteer_id, unit_id, post_id, start, end, seconds), volunteer after volunteer."""
        rng, unit_ids, post_ids = self.rng, self.unit_ids, self.post_ids
        for i, count in enumerate(self.counts):
            if not count:
                continue
            vid = self.first_volunteer + i
            unit_id = unit_ids[vid % len(unit_ids)]
            posts = post_ids[unit_id]
            for start, end, seconds in _records_of(count, self.end_ts, rng):
                yield vid, unit_id, posts[rng.randrange(len(posts))], start, end, seconds


def _seed_batched(plan: Plan, volunteers: int, records: int) -> Iterator[tuple[str, int, int]]:
    password_hash = accounts.hash_password("perf-password-1")  # one hash for every synthetic login
    at, born = now(), date(1960, 1, 1)
    done = 0
    while done < volunteers:
        size = min(BATCH, volunteers - done)
        users, people = [], []
        for n, uid, phone, name, encrypted, hashed, masked, birth, sex, unit_id, days in plan.people(
            done, size
        ):
            users.append(
                {
                    "id": uid,
                    "username": phone,
                    "password_hash": password_hash,
                    "role": "volunteer",
                    "name": "志愿者",
                    "active": True,
                    "created_at": at,
                }
            )
            people.append(
                {
                    "id": n,
                    "user_id": uid,
                    "volunteer_no": f"PF{n:010d}",
                    "name": name,
                    "id_number_encrypted": encrypted,
                    "id_number_hash": hashed,
                    "id_number_masked": masked,
                    "phone": phone,
                    "birth_date": born + timedelta(days=birth),
                    "sex": sex,
                    "unit_id": unit_id,
                    "consent_at": at,
                    "created_at": at - timedelta(days=days),
                    "approved_seconds": 0,
                    "star_level": 0,
                }
            )
        db.session.execute(insert(User), users)
        db.session.execute(insert(Volunteer), people)
        done += size
        yield "volunteers", done, volunteers
    rows, done = [], 0
    for vid, unit_id, post_id, start, end, seconds in plan.records():
        ended = datetime.fromtimestamp(end, UTC)
        rows.append(
            {
                "volunteer_id": vid,
                "unit_id": unit_id,
                "post_id": post_id,
                "started_at": datetime.fromtimestamp(start, UTC),
                "ended_at": ended,
                "seconds": seconds,
                "status": "approved",
                "source": "import",
                "flags": "",
                "created_at": ended,
            }
        )
        if len(rows) == BATCH:
            db.session.execute(insert(ServiceRecord), rows)
            done += len(rows)
            rows = []
            yield "records", done, records
    if rows:
        db.session.execute(insert(ServiceRecord), rows)
        done += len(rows)
    yield "records", done, records


def vacuum() -> None:
    """VACUUM ANALYZE the bulk tables (PostgreSQL): planner statistics, and a visibility map so
    that index-only scans need not visit the heap. After the seed's commit."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in BULK_TABLES + ("star_events", "volunteer_months", "service_months"):
            conn.execute(text(f"VACUUM (ANALYZE) {table}"))
