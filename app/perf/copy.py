"""The PostgreSQL path of the benchmark seed: COPY FROM STDIN (psycopg 3's cursor.copy) into
tables whose secondary indexes and foreign keys the caller dropped first (bulk_ddl)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, timedelta

from sqlalchemy import text

from app.extensions import db
from app.perf import COPY_BLOCK, MONTHS, SPAN_SECONDS, Plan
from app.services import accounts
from app.services.clock import now


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


def bulk_ddl(conn, bulk_tables: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(drop, create) statements of the foreign keys, the unique constraints and the indexes that
    back no constraint on the bulk tables (the primary keys stay), read from the catalog so that new migrations are covered too."""
    tables = ", ".join(f"'{t}'::regclass" for t in bulk_tables)
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


def copy_postgres(plan: Plan, volunteers: int, records: int) -> Iterator[tuple[str, int, int]]:
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
