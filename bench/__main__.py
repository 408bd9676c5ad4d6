"""Run the benchmarks on a throwaway database filled by `flask perf seed`'s service, print the
figures and write them to docs/benchmarks.md.

  python -m bench [--volunteers 20000] [--records 200000] [--units 20]
  BENCH_DATABASE_URL=postgresql://user@host:port/postgres python -m bench   # PostgreSQL too
  BENCH_DATABASE_URL=… python -m bench --scale city   # 1 M volunteers, 10 M records, PostgreSQL
  BENCH_DATABASE_URL=… python -m bench --scale city --database postgresql://…/seeded   # no seeding
  python -m bench --scale city --database postgresql://…/seeded --cases api   # some cases again

The small scale rewrites its section of docs/benchmarks.md, the city scale its own.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="vs-bench-"))

from sqlalchemy import create_engine, text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from bench import cases  # noqa: E402
from config import TestingConfig  # noqa: E402


def timed(fn, repeat: int = 1) -> dict:
    samples = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return {"median_ms": statistics.median(samples) * 1000, "max_ms": max(samples) * 1000,
            "runs": repeat, "result": result}


def make_database(backend: str) -> tuple[str, callable]:
    if backend == "sqlite":
        path = Path(os.environ["INSTANCE_PATH"]) / f"bench-{uuid.uuid4().hex[:6]}.db"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    admin_url = os.environ["BENCH_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"vs_bench_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + "/" + name, drop


def run_backend(backend: str, args) -> list[dict]:
    url, drop = make_database(backend)
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="bench",
                     FIELD_ENCRYPTION_KEY="bench", PASSWORD_HASH_COST=None, WTF_CSRF_ENABLED=False)
    rows = []
    try:
        with app.app_context():
            from flask_migrate import upgrade
            upgrade()
            from app import perf
            start = time.perf_counter()
            for _ in perf.seed(args.volunteers, args.records, args.units):
                pass
            db.session.commit()
            perf.vacuum()  # PostgreSQL: statistics and visibility map, as `flask perf seed` leaves them
            seed_s = time.perf_counter() - start
            rows.append({"backend": backend, "case": "seed (perf.seed)", "median_ms": seed_s * 1000,
                         "max_ms": seed_s * 1000, "runs": 1,
                         "note": f"{args.volunteers} volunteers, {args.records} records"})
            for name, fn, repeat, note in cases.all_cases(app):
                figures = timed(fn, repeat)
                db.session.rollback()
                rows.append({"backend": backend, "case": name, "note": note, **figures})
                print(f"{backend:8} {name:45} median {figures['median_ms']:9.1f} ms  max {figures['max_ms']:9.1f} ms")
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
    return rows


def write_report(rows: list[dict], args) -> None:
    lines = [
        "Measured by `make bench` (`python -m bench`) on a throwaway database filled by the same",
        "service as `flask perf seed`. Reproduce with:",
        "",
        "```sh",
        f"make bench   # = .venv/bin/python -m bench --volunteers {args.volunteers} --records {args.records} --units {args.units}",
        "BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres make bench   # adds PostgreSQL",
        "```",
        "",
        f"Last run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}.",
        "",
        "| backend | case | median ms | max ms | runs | what |",
        "|---|---|---:|---:|---:|---|",
    ]
    for row in rows:
        lines.append(f"| {row['backend']} | {row['case']} | {row['median_ms']:.1f} | {row['max_ms']:.1f} "
                     f"| {row['runs']} | {row.get('note', '')} |")
    lines += ["", "Every report in the cases above is one set-based SQL statement (or a fixed handful),",
              "so its time grows with the database's scan of the rows, not with Python work per row."]
    write_section("small", lines)


REPORT = ROOT / "docs" / "benchmarks.md"
SECTIONS = {"small": "## Small: 20 000 volunteers, 200 000 records (`make bench`)",
            "city": "## City scale: 1 M volunteers, 10 M records on PostgreSQL (`make bench SCALE=city`)"}


def write_section(name: str, lines: list[str]) -> None:
    """Replace one section of docs/benchmarks.md between its markers, keeping the others."""
    begin, end = f"<!-- {name}: written by python -m bench -->", f"<!-- end of {name} -->"
    text_ = REPORT.read_text() if REPORT.exists() else "# Benchmarks\n"
    block = "\n".join([begin, SECTIONS[name], "", *lines, end])
    if begin in text_ and end in text_:
        head, rest = text_.split(begin, 1)
        text_ = head + block + rest.split(end, 1)[1]
    else:
        text_ = text_.rstrip("\n") + "\n\n" + block + "\n"
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(text_)
    print(f"wrote {REPORT} ({name})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=("small", "city"), default=os.environ.get("SCALE") or "small")
    parser.add_argument("--volunteers", type=int)
    parser.add_argument("--records", type=int)
    parser.add_argument("--units", type=int)
    parser.add_argument("--database", help="city: an already seeded PostgreSQL database to use as it is")
    parser.add_argument("--keep", action="store_true", help="city: keep the database it seeded")
    parser.add_argument("--load-seconds", type=float, default=10.0, help="city: length of each API load run")
    parser.add_argument("--cases", help="city: only these case groups, comma-separated (bulletins, verify, "
                                        "history, pages, api); their rows of the city table are replaced, "
                                        "marked as rerun")
    args = parser.parse_args()
    if args.scale == "city":
        from bench import citymain
        citymain.main(args)
        return
    args.volunteers = args.volunteers or 20000
    args.records = args.records or 200000
    args.units = args.units or 20
    backends = ["sqlite"] + (["postgres"] if os.environ.get("BENCH_DATABASE_URL") else [])
    rows = []
    for backend in backends:
        rows += run_backend(backend, args)
    write_report(rows, args)


if __name__ == "__main__":
    main()
