"""`python -m bench --scale city`: seed 1 M volunteers and 10 M records on PostgreSQL with the
real `flask perf seed` command (timed, peak RSS read from the kernel), run every case of the
city table (bench.city) and write the city section of docs/benchmarks.md."""
from __future__ import annotations

import os
import platform
import sys
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import city

TARGET_SEED_S = 15 * 60


def main(args) -> None:
    admin_url = os.environ.get("BENCH_DATABASE_URL")
    if not args.database and not admin_url:
        sys.exit("the city scale runs on PostgreSQL: set BENCH_DATABASE_URL=postgresql://user@host:port/postgres")
    volunteers = args.volunteers or 1_000_000
    records = args.records or 10_000_000
    units = args.units or 1000
    drop = None
    if args.database:
        url = args.database
    else:
        admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
                              isolation_level="AUTOCOMMIT")
        name = f"vs_bench_city_{uuid.uuid4().hex[:6]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

        def drop():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    sa_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    env = {"FLASK_APP": "wsgi", "DATABASE_URL": sa_url, "SECRET_KEY": "bench", "FIELD_ENCRYPTION_KEY": "bench",
           "SCHEDULER": "off", "INSTANCE_PATH": os.environ["INSTANCE_PATH"], "FLASK_CONFIG": "development"}
    rows = []
    started = datetime.now(UTC)
    try:
        if not args.database:
            wall, _rss, code, out = city.run_command(city.flask_command("db", "upgrade"), env)
            assert code == 0, out
            print(f"seeding {volunteers} volunteers, {records} records, {units} units …", flush=True)
            wall, rss, code, out = city.run_command(city.flask_command(
                "perf", "seed", "--volunteers", str(volunteers), "--records", str(records), "--units", str(units)), env)
            assert code == 0, out
            rows.append(city.row("`flask perf seed` (COPY, indexes rebuilt, totals, VACUUM ANALYZE)", [wall],
                                 target="≤ 15 min", met=wall <= TARGET_SEED_S, rss_mb=rss,
                                 note=f"{volunteers} volunteers, {records} records, {units} units"))
        from app import create_app
        from app.extensions import db
        from config import TestingConfig
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=sa_url, SECRET_KEY="bench",
                         FIELD_ENCRYPTION_KEY="bench", PASSWORD_HASH_COST=None, WTF_CSRF_ENABLED=False)
        with app.app_context():
            sizes = db.session.execute(text(
                "SELECT (SELECT count(*) FROM volunteers), (SELECT count(*) FROM service_records), "
                "(SELECT count(*) FROM units), pg_size_pretty(pg_database_size(current_database())), "
                "pg_size_pretty(pg_total_relation_size('service_records'))")).one()
            db.session.rollback()
            print(f"database: {sizes[0]} volunteers, {sizes[1]} records, {sizes[2]} units, {sizes[3]} "
                  f"(service_records with its indexes {sizes[4]})", flush=True)
            rows += city.all_cases(app, env, load_seconds=args.load_seconds, groups=groups(args))
            db.session.remove()
            db.engine.dispose()
    finally:
        if drop is not None and not args.keep:
            drop()
    if groups(args) != city.GROUPS:
        rerun(rows, started)
    else:
        write(rows, args, sizes, started)


def groups(args) -> tuple[str, ...]:
    chosen = tuple(g.strip() for g in (getattr(args, "cases", None) or "").split(",") if g.strip())
    unknown = set(chosen) - set(city.GROUPS)
    if unknown:
        sys.exit(f"unknown case groups {sorted(unknown)}: choose among {', '.join(city.GROUPS)}")
    return chosen or city.GROUPS


def table_line(r) -> str:
    ratio = f"{r['ratio']:.2f}× {r['reference']}" if r.get("ratio") is not None else ""
    rss = f"{r['rss_mb']:.0f}" if r.get("rss_mb") else ""
    met = "yes" if r["met"] else "**no**"
    return (f"| {r['case']} | {r['median_ms']:.1f} | {r['max_ms']:.1f} | {r['runs']} | {rss} | {ratio} "
            f"| {r['target']} | {met} | {r['note']} |")


def rerun(rows, started) -> None:
    """Some groups only (--cases): their rows replace the same cases' rows of the city table,
    each marked as rerun; the other rows stay as the last full run left them."""
    from bench.__main__ import REPORT
    text_ = REPORT.read_text()
    begin, end = "<!-- city: written by python -m bench -->", "<!-- end of city -->"
    if begin not in text_ or end not in text_:
        sys.exit("no city section in docs/benchmarks.md to update: run every case first")
    head, rest = text_.split(begin, 1)
    section, tail = rest.split(end, 1)
    lines = section.split("\n")
    mark = f"rerun {started:%Y-%m-%d %H:%M} UTC (`--cases`), side by side with its reference"
    for r in rows:
        r = {**r, "case": f"{r['case']} (rerun)", "note": f"{r['note']}; {mark}" if r["note"] else mark}
        prefixes = (f"| {r['case'][:-len(' (rerun)')]} |", f"| {r['case']} |")
        at = next((i for i, line in enumerate(lines) if line.startswith(prefixes)), None)
        if at is None:  # a case the table does not have yet: after the table's last row
            at = max(i for i, line in enumerate(lines) if line.startswith("| ")) + 1
            lines.insert(at, table_line(r))
        else:
            lines[at] = table_line(r)
    REPORT.write_text(head + begin + "\n".join(lines) + end + tail)
    print(f"updated {len(rows)} rows of {REPORT} (city)")


def write(rows, args, sizes, started) -> None:
    from bench.__main__ import write_section
    lines = [
        "Reproduce (PostgreSQL; `BENCH_DATABASE_URL` names a server where a database may be created):",
        "",
        "```sh",
        "BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres make bench SCALE=city",
        "```",
        "",
        f"Last run: {started:%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; database of {sizes[0]:,} volunteers, {sizes[1]:,} records, "
        f"{sizes[2]:,} units, {sizes[3]} on disk (service_records with its indexes: {sizes[4]}).",
        "" if not args.database else "The database was seeded beforehand by the same command; the seed row is "
                                     "from that run.",
        "",
        "| case | median ms | max ms | runs | peak RSS MB | ratio | target | met | what |",
        "|---|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for r in rows:
        lines.append(table_line(r))
    lines += ["", f"Written {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC."]
    write_section("city", lines)
