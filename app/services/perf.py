"""Bulk synthetic data for benchmarks: set-based inserts in batches, no ORM objects per row."""
from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import func, insert, select, text, update

from app.extensions import db
from app.models import Post, ServiceRecord, Unit, User, Volunteer
from app.services import accounts, identity
from app.services.clock import now

BATCH = 2000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def _id_number(n: int) -> str:
    birth = date(1960, 1, 1) + timedelta(days=n % 15000)
    # day of birth, then sequence, then region vary with n: unique for n below 15 000 000 × 100
    first17 = f"{310101 + n // 15_000_000:06d}{birth:%Y%m%d}{n // 15000 % 1000:03d}"
    return first17 + identity.id_check_char(first17)


def seed(volunteers: int, records: int, units: int = 5, seed_value: int = 1) -> Iterator[tuple[str, int]]:
    """Insert units, posts, volunteers and approved records; yields (stage, rows done) as it goes,
    so a command can show progress. Cached totals and star levels are set from the ledger by
    set-based UPDATEs at the end."""
    rng = random.Random(seed_value)
    start_unit = db.session.scalar(select(func.coalesce(func.max(Unit.id), 0))) + 1
    db.session.execute(insert(Unit), [{"name": f"压测单位{start_unit + i}", "is_active": True,
                                       "created_at": now()} for i in range(units)])
    unit_ids = list(db.session.scalars(select(Unit.id).where(Unit.id >= start_unit)))
    db.session.execute(insert(Post), [
        {"unit_id": u, "name": f"服务岗{u}-{k}", "min_minutes": 10, "max_minutes": 480, "created_at": now()}
        for u in unit_ids for k in range(3)])
    post_ids = {u: list(db.session.scalars(select(Post.id).where(Post.unit_id == u))) for u in unit_ids}
    yield "units", units

    password_hash = accounts.hash_password("perf-password-1")  # one hash for every synthetic login
    first_user = db.session.scalar(select(func.coalesce(func.max(User.id), 0))) + 1
    first_volunteer = db.session.scalar(select(func.coalesce(func.max(Volunteer.id), 0))) + 1
    done = 0
    while done < volunteers:
        size = min(BATCH, volunteers - done)
        users, people = [], []
        for i in range(done, done + size):
            n = first_volunteer + i
            phone = f"17{n:09d}"
            users.append({"id": first_user + i, "username": phone, "password_hash": password_hash,
                          "role": "volunteer", "name": "志愿者", "active": True, "created_at": now()})
            number = _id_number(n)
            people.append({
                "id": n, "user_id": first_user + i, "volunteer_no": f"PF{n:010d}",
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "id_number_encrypted": identity.encrypt(number), "id_number_hash": identity.keyed_hash(number),
                "id_number_masked": identity.mask_id_number(number), "phone": phone,
                "birth_date": date(1960, 1, 1) + timedelta(days=n % 15000), "sex": "MF"[n % 2],
                "unit_id": unit_ids[n % len(unit_ids)], "consent_at": now(),
                "created_at": now() - timedelta(days=rng.randrange(0, 730)),
                "approved_seconds": 0, "star_level": 0})
        db.session.execute(insert(User), users)
        db.session.execute(insert(Volunteer), people)
        done += size
        yield "volunteers", done

    # Each volunteer's records are laid back to back into the past, so none overlap.
    per_volunteer = max(1, records // max(1, volunteers))
    cursor = {first_volunteer + i: now() - timedelta(hours=1) for i in range(volunteers)}
    done = 0
    ids = list(cursor)
    while done < records:
        size = min(BATCH, records - done)
        rows = []
        for i in range(done, done + size):
            vid = ids[(i // per_volunteer) % len(ids)]
            seconds = rng.randrange(1, 17) * 1800
            end = cursor[vid]
            start = end - timedelta(seconds=seconds)
            cursor[vid] = start - timedelta(minutes=rng.randrange(60, 60 * 24 * 3))
            unit_id = unit_ids[vid % len(unit_ids)]
            rows.append({"volunteer_id": vid, "unit_id": unit_id, "post_id": rng.choice(post_ids[unit_id]),
                         "started_at": start, "ended_at": end, "seconds": seconds, "status": "approved",
                         "source": "import", "flags": "", "created_at": end})
        db.session.execute(insert(ServiceRecord), rows)
        done += size
        yield "records", done

    if db.session.get_bind().dialect.name == "postgresql":
        # rows were inserted with explicit ids: move the sequences past them
        for table in ("users", "volunteers"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT max(id) FROM {table}))"))
    totals = (select(func.sum(ServiceRecord.seconds)).where(
        ServiceRecord.volunteer_id == Volunteer.id, ServiceRecord.status == "approved")
        .scalar_subquery())
    db.session.execute(update(Volunteer).where(Volunteer.id >= first_volunteer)
                       .values(approved_seconds=func.coalesce(totals, 0)))
    from app.services import stars
    stars.regrade_all(by=None)
    yield "totals", volunteers
