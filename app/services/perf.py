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
import os
import random
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select, text, update

from app.extensions import db
from app.models import Post, ServiceRecord, Unit, User, Volunteer
from app.services import accounts, identity
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
    plan = _Plan(rng, unit_ids, post_ids, first_user, first_volunteer, counts, end_ts)
    if not postgres:
        yield from _seed_batched(plan, volunteers, records)
        _set_totals(first_volunteer, postgres)
        yield "totals", volunteers, volunteers
        return
    # PostgreSQL: indexes, unique and foreign keys off while COPY loads and the totals are set,
    # rebuilt after, all in the caller's transaction.
    conn = db.session.connection()
    drop, create = _bulk_ddl(conn)
    for statement in drop:
        conn.execute(text(statement))
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    yield from _copy_postgres(plan, volunteers, records)
    _set_totals(first_volunteer, postgres)
    yield "totals", volunteers, volunteers
    for i, statement in enumerate(create):
        conn.execute(text(statement))
        yield "indexes", i + 1, len(create)


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


class _Plan:
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


def _seed_batched(plan: _Plan, volunteers: int, records: int) -> Iterator[tuple[str, int, int]]:
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


# PostgreSQL ----------------------------------------------------------------------------------


class _Timestamps:
    """Naive-UTC text of epoch seconds, fast: a day's date text and a second-of-day table."""

    def __init__(self):
        self.days: dict[int, str] = {}
        self.clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]

    def __call__(self, ts: int) -> str:
        day = ts // 86400
        text_ = self.days.get(day)
        if text_ is None:
            text_ = self.days[day] = (date(1970, 1, 1) + timedelta(days=day)).isoformat()
        return f"{text_} {self.clock[ts % 86400]}"


def _bulk_ddl(conn) -> tuple[list[str], list[str]]:
    """(drop, create) statements of the foreign keys, the unique constraints and the indexes that
    back no constraint on BULK_TABLES (the primary keys stay), read from the catalog so that new migrations are covered too."""
    tables = ", ".join(f"'{t}'::regclass" for t in BULK_TABLES)
    fks = conn.execute(
        text(
            f"SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            f"WHERE contype IN ('f', 'u') AND conrelid IN ({tables}) "
            f"ORDER BY contype, conrelid::regclass::text, conname"
        )
    ).all()
    indexes = conn.execute(
        text(
            f"SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            f"WHERE i.indrelid IN ({tables}) AND NOT EXISTS "
            f"(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1"
        )
    ).all()
    drop = [f'ALTER TABLE {t} DROP CONSTRAINT "{name}"' for t, name, _d in fks]
    drop += [f'DROP INDEX "{name}"' for name, _d in indexes]
    create = [definition for _n, definition in indexes]
    create += [
        f'ALTER TABLE {t} ADD CONSTRAINT "{name}" {definition}' for t, name, definition in reversed(fks)
    ]
    return drop, create


def _copy_postgres(plan: _Plan, volunteers: int, records: int) -> Iterator[tuple[str, int, int]]:
    password_hash = accounts.hash_password("perf-password-1")  # one hash for every synthetic login
    raw = db.session.connection().connection.driver_connection  # psycopg 3, in the session's transaction
    assert raw is not None, "the session's connection is open"
    at = now().astimezone(UTC).replace(tzinfo=None)
    at_text = at.isoformat(sep=" ")
    births = [(date(1960, 1, 1) + timedelta(days=d)).isoformat() for d in range(15000)]
    registered = [(at - timedelta(days=d)).isoformat(sep=" ") for d in range(730)]
    with raw.cursor() as cur:
        done = 0
        while done < volunteers:
            size = min(COPY_BLOCK, volunteers - done)
            users, people = [], []
            for n, uid, phone, name, encrypted, hashed, masked, birth, sex, unit_id, days in plan.people(
                done, size
            ):
                users.append(f"{uid}\t{phone}\t{password_hash}\tvolunteer\t志愿者\tt\t{at_text}\n")
                people.append(
                    f"{n}\t{uid}\tPF{n:010d}\t{name}\t{encrypted}\t{hashed}\t{masked}\t{phone}\t"
                    f"{births[birth]}\t{sex}\t{unit_id}\t{at_text}\t{registered[days]}\t0\t0\n"
                )
            with cur.copy(
                "COPY users (id, username, password_hash, role, name, active, created_at) FROM STDIN"
            ) as copy:
                copy.write("".join(users))
            with cur.copy(
                "COPY volunteers (id, user_id, volunteer_no, name, id_number_encrypted, "
                "id_number_hash, id_number_masked, phone, birth_date, sex, unit_id, consent_at, "
                "created_at, approved_seconds, star_level) FROM STDIN"
            ) as copy:
                copy.write("".join(people))
            done += size
            yield "volunteers", done, volunteers
        for table in ("users", "volunteers"):  # rows came with explicit ids
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )

        # Records are generated volunteer after volunteer, spooled by month and loaded month
        # after month, so the table's physical order follows time as a live ledger's does.
        stamp = _Timestamps()
        with tempfile.TemporaryDirectory(prefix="vs-seed-") as spool:
            paths = [os.path.join(spool, f"{m:02d}.tsv") for m in range(MONTHS + 1)]
            files = [open(p, "w", buffering=1 << 20) for p in paths]  # noqa: SIM115
            begin = plan.end_ts - SPAN_SECONDS
            month_len = SPAN_SECONDS // MONTHS
            written = 0
            try:
                for vid, unit_id, post_id, start, end, seconds in plan.records():
                    ended = stamp(end)
                    files[(start - begin) // month_len].write(
                        f"{vid}\t{unit_id}\t{post_id}\t{stamp(start)}\t{ended}\t{seconds}\t"
                        f"approved\timport\t\t{ended}\n"
                    )
                    written += 1
                    if written % 200_000 == 0:
                        yield "generate", written, records
            finally:
                for f in files:
                    f.close()
            yield "generate", written, records
            columns = "volunteer_id, unit_id, post_id, started_at, ended_at, seconds, status, source, flags, created_at"
            loaded = 0
            for path in paths:
                with open(path) as f, cur.copy(f"COPY service_records ({columns}) FROM STDIN") as copy:
                    while block := f.readlines(1 << 20):
                        copy.write("".join(block))
                        loaded += len(block)
                        yield "records", loaded, records
                os.unlink(path)


def vacuum() -> None:
    """VACUUM ANALYZE the bulk tables (PostgreSQL): planner statistics, and a visibility map so
    that index-only scans need not visit the heap. After the seed's commit."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in BULK_TABLES + ("star_events",):
            conn.execute(text(f"VACUUM (ANALYZE) {table}"))
