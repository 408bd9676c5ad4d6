"""The cases of the city-scale table (issue: 1 M volunteers, 10 M records), each with its
target and, where the target is a ratio, its reference measured in the same run.

PostgreSQL only (the production shape). Whole-command cases run the real `flask` command in a
child process and read its peak RSS from the kernel (os.wait4); page and API cases go through
the real app (test client, or gunicorn -w 2 with the load driver of bench.load)."""
from __future__ import annotations

import hashlib
import os
import resource
import secrets
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from app.extensions import db
from app.models import ApiToken, Post, ServiceRecord, User, Volunteer
from bench import load, plans

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "perf-password-1"  # the seeded volunteers' password (app.perf)


def own_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# Runs the command from a small process and prints the command's own peak RSS (KB) last: a
# child forked straight from the bench would count the bench's pages in its peak.
_RSS_WRAPPER = ("import resource, subprocess, sys\n"
                "code = subprocess.call(sys.argv[1:])\n"
                "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
                "sys.exit(code)\n")


def run_command(args: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """(wall s, peak RSS MB, exit status, output tail) of one command in a child process."""
    began = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _RSS_WRAPPER, *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, check=False)
    wall = time.perf_counter() - began
    *rest, peak = proc.stderr.decode().rstrip().splitlines() or ["0"]
    output = (proc.stdout.decode() + "\n".join(rest))[-500:]
    return wall, int(peak) / 1024, proc.returncode, output


def flask_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", *args]


def row(case, samples_s, *, target, met, reference=None, ratio=None, rss_mb=None, note="", extra=None):
    samples_ms = [s * 1000 for s in samples_s]
    r = {"case": case, "median_ms": statistics.median(samples_ms), "max_ms": max(samples_ms),
         "runs": len(samples_ms), "rss_mb": rss_mb, "reference": reference, "ratio": ratio,
         "target": target, "met": met, "note": note}
    r.update(extra or {})
    print(f"  {case:60} median {r['median_ms']:10.1f} ms  max {r['max_ms']:10.1f} ms"
          + (f"  ratio {ratio:.2f}" if ratio is not None else "") + (f"  rss {rss_mb:.0f} MB" if rss_mb else "")
          + ("" if met else "  TARGET MISSED"), flush=True)
    return r


def timed(fn) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def make_token(user_id: int) -> str:
    from app.services.clock import now
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user_id, token_hash=hashlib.sha256(token.encode()).hexdigest(),
                            created_at=now(), expires_at=now() + timedelta(hours=12)))
    return token


def call(app, fn):
    """Run a request in an app context of its own: a request inside the bench's long-lived
    context would share its `g`, and with it the user the previous request logged in."""
    with app.app_context():
        return fn()


def _seeded_volunteer_with(count: int) -> Volunteer:
    """The seed gives its first volunteer BUSIEST records and its second QUIET."""
    first = db.session.scalar(select(func.min(Volunteer.id)).where(Volunteer.volunteer_no.like("PF%")))
    for vid in range(first, first + 5):
        n = db.session.scalar(select(func.count()).select_from(ServiceRecord)
                              .where(ServiceRecord.volunteer_id == vid))
        if n == count:
            return db.session.get(Volunteer, vid)
    raise RuntimeError(f"no seeded volunteer with {count} records")


GROUPS = ("bulletins", "verify", "history", "pages", "api")


def all_cases(app, env: dict[str, str], *, load_seconds: float = 10.0, repeat: int = 20,
              groups: tuple[str, ...] = GROUPS) -> list[dict]:
    """The city table's cases, or only those of `groups` (each group keeps its references)."""
    rows: list[dict] = []
    if "bulletins" in groups:
        rows += bulletin_cases(app, env)
    if "verify" in groups:
        rows += verify_cases(env)
    if "history" in groups:
        rows += history_cases(app, repeat)
    if "pages" in groups:
        rows += page_cases(app, repeat)
    if "api" in groups:
        rows += api_load_cases(app, env, load_seconds)
    return rows


# Bulletins ---------------------------------------------------------------------------------

REFERENCE_SQL = text("SELECT unit_id, sum(seconds), count(*) FROM service_records "
                     "WHERE status = 'approved' AND started_at >= :start AND started_at < :end GROUP BY unit_id")


def bulletin_cases(app, env) -> list[dict]:
    from app.models import Bulletin
    from app.services.bulletins import snapshots
    from app.services.months import Month
    month = str(Month.current().previous())
    start, end = (d.replace(tzinfo=None) for d in Month.parse(month).bounds())

    def clear():
        db.session.execute(Bulletin.__table__.delete().where(Bulletin.month == month))
        db.session.commit()

    def reference():
        db.session.execute(REFERENCE_SQL, {"start": start, "end": end}).all()
        db.session.rollback()

    def product():
        snapshots.generate_bulletins(Month.parse(month))
        db.session.commit()

    reference()  # a first read of the month's pages, for both
    ref, prod = [], []
    for _ in range(3):  # interleaved: drift of the machine hits both alike
        ref.append(timed(reference))
        clear()
        prod.append(timed(product))
    clear()
    wall, rss, code, out = run_command(flask_command("bulletins", "generate", "--month", month), env)
    assert code == 0, out
    clear()
    ratio = statistics.median(prod) / statistics.median(ref)
    return [
        row(f"reference: hand-written GROUP BY unit over {month}'s records", ref, target="reference", met=True),
        row(f"bulletins of every unit and the city for {month}, computed and stored", prod,
            target="≤ 2× reference, ≤ 60 s, RSS ≤ 300 MB",
            met=ratio <= 2 and max(prod) <= 60 and rss <= 300, reference="GROUP BY unit", ratio=ratio,
            rss_mb=rss, note=f"`flask bulletins generate --month {month}` as a command: {wall:.1f} s, "
                             f"peak RSS {rss:.0f} MB"),
    ]


# flask hours verify ------------------------------------------------------------------------

def verify_cases(env) -> list[dict]:
    walls, peaks = [], []
    for _ in range(3):
        wall, rss, code, out = run_command(flask_command("hours", "verify"), env)
        assert code == 0, out
        walls.append(wall)
        peaks.append(rss)
    return [row("`flask hours verify` over every record (whole command)", walls, target="≤ 60 s, RSS ≤ 300 MB",
                met=max(walls) <= 60 and max(peaks) <= 300, rss_mb=max(peaks),
                note="one GROUP BY volunteer joined to the cached totals; rows stream from the database")]


# getMe and the volunteer home: a short history against a long one ---------------------------

def history_cases(app, repeat: int) -> list[dict]:
    quiet, busiest = _seeded_volunteer_with(10), _seeded_volunteer_with(10_000)
    tokens = {v.id: make_token(v.user_id) for v in (quiet, busiest)}
    db.session.commit()
    clients = {}
    for v in (quiet, busiest):
        client = app.test_client()
        response = call(app, lambda c=client, v=v: c.post("/login", data={"username": v.user.username,
                                                                         "password": PASSWORD}))
        assert response.status_code in (302, 303), response.status_code
        clients[v.id] = client

    def get_me(v):
        response = call(app, lambda: app.test_client().get("/api/v1/me",
                                                           headers={"Authorization": f"Bearer {tokens[v.id]}"}))
        assert response.json["volunteer_id"] == v.id
        assert response.status_code == 200, response.status_code

    def home(v):
        response = call(app, lambda: clients[v.id].get("/me/"))
        assert response.status_code == 200, response.status_code

    rows = []
    for name, fn in (("getMe (GET /api/v1/me)", get_me), ("volunteer home (GET /me/)", home)):
        samples = {quiet.id: [], busiest.id: []}
        for v in (quiet, busiest):
            fn(v)  # warm
        for _ in range(repeat):
            for v in (quiet, busiest):
                samples[v.id].append(timed(lambda v=v, fn=fn: fn(v)))
        ratio = statistics.median(samples[busiest.id]) / statistics.median(samples[quiet.id])
        rows.append(row(f"{name}, volunteer with 10 records", samples[quiet.id], target="reference", met=True))
        rows.append(row(f"{name}, volunteer with 10,000 records", samples[busiest.id],
                        target="within 1.2× of 10 records", met=ratio <= 1.2, reference="10 records",
                        ratio=ratio, rss_mb=own_peak_rss_mb()))
    return rows


# Admin pages ------------------------------------------------------------------------------

def _admin_client(app, username="benchadmin", role="platform_admin", unit_id=None):
    from app.services import accounts
    admin = db.session.scalar(select(User).where(User.username == username))
    if admin is None:
        accounts.create_user(username=username, password="bench-pass-1", role=role, name="bench", unit_id=unit_id)
        db.session.commit()
    client = app.test_client()
    response = call(app, lambda: client.post("/login", data={"username": username, "password": "bench-pass-1"}))
    assert response.status_code in (302, 303), response.status_code
    return client


def page_cases(app, repeat: int) -> list[dict]:
    from app.services.clock import local_today
    client = _admin_client(app)
    some = db.session.scalar(select(Volunteer).where(Volunteer.volunteer_no.like("PF%"))
                             .order_by(Volunteer.id.desc()).limit(1).offset(1234))
    unit_client = _admin_client(app, f"benchunit{some.unit_id}", "unit_admin", some.unit_id)
    since = (local_today() - timedelta(days=90)).isoformat()
    pages = [
        ("records review list: one unit, approved, last 90 days, page 1",
         f"/admin/records/?unit_id={some.unit_id}&status=approved&from={since}"),
        ("records review list: one unit, pending (default), page 1", f"/admin/records/?unit_id={some.unit_id}"),
        ("volunteer search by name (3 characters), city-wide, page 1", f"/admin/volunteers?q={some.name}"),
        ("volunteer search by volunteer number, city-wide", f"/admin/volunteers?q={some.volunteer_no}"),
        ("volunteer search by phone, city-wide", f"/admin/volunteers?q={some.phone}"),
        ("admin overview, city (GET /admin/)", "/admin/"),
        ("admin overview, one unit (a unit admin's GET /admin/)", "/admin/", unit_client),
    ]
    rows = []
    for name, url, *who in pages:
        def get(url=url, client=(who or [client])[0]):
            response = call(app, lambda: client.get(url))
            assert response.status_code == 200, (url, response.status_code)
        get()  # warm
        samples = [timed(get) for _ in range(repeat)]
        with plans.recording(db.engine) as seen:
            get()
        summaries = plans.explain(db.engine, seen)
        scanned = plans.seq_scanned(summaries, "service_records")
        slowest = max(summaries, key=lambda s: s["ms"] or 0) if summaries else None
        note = (f"{len(summaries)} SELECTs; slowest {slowest['ms']:.1f} ms ({', '.join(slowest['index_scans']) or 'no index'}"
                f"{'; seq scan of ' + ', '.join(slowest['seq_scans']) if slowest['seq_scans'] else ''})"
                if slowest else "")
        if scanned:
            note += f"; SEQ SCAN of service_records in {len(scanned)} statement(s)"
        rows.append(row(name, samples, target="p50 < 100 ms", met=statistics.median(samples) < 0.1,
                        rss_mb=own_peak_rss_mb(), note=note, extra={"seq_scan_records": bool(scanned)}))
    return rows


# The JSON API under gunicorn -w 2, 50 clients ---------------------------------------------------

CLIENTS = 50
VOLUNTEERS_PER_CLIENT = 120  # check-ins a client can send in one run
COUPONS_PER_CLIENT = 60


def api_load_cases(app, env: dict[str, str], seconds: float) -> list[dict]:
    server_env = {**env, "FLASK_CONFIG": "production", "SCHEDULER": "off", "TRUSTED_PROXY_COUNT": "1"}
    db.session.execute(text("CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial PRIMARY KEY, "
                            "user_id integer NOT NULL, at timestamp NOT NULL)"))
    # 50 clients, each with volunteers of its own (no two clients lock the same volunteer)
    people = list(db.session.scalars(
        select(Volunteer).where(Volunteer.volunteer_no.like("PF%")).order_by(Volunteer.id.desc())
        .limit(CLIENTS * VOLUNTEERS_PER_CLIENT)))
    tokens = {v.id: make_token(v.user_id) for v in people}
    db.session.commit()
    rows = []
    results = {}
    with load.gunicorn("bench.baseline:app", {"BASELINE_DATABASE_URL": env["DATABASE_URL"].replace(
            "postgresql+psycopg://", "postgresql://", 1)}, config=str(ROOT / "bench" / "gunicorn_bare.py")) as server:
        baseline_token = tokens[people[0].id]
        scripts = [load.repeat(lambda: ("POST", "/insert", baseline_token, {}, 201)) for _ in range(CLIENTS)]
        load.run(server.port, scripts, 2)  # warm-up
        results["baseline"] = load.run(server.port, scripts, seconds)
        results["baseline"]["rss_mb"] = server.workers_peak_rss_mb()
    with load.gunicorn("wsgi:app", server_env) as server:
        base_url = f"http://127.0.0.1:{server.port}"
        with app.app_context():
            app.config["BASE_URL"] = base_url
            results["scan"] = _scan_load(server, people, tokens, seconds)
            results["merchant"] = _merchant_load(app, server, people, seconds)
        rss = server.workers_peak_rss_mb()
    db.session.execute(text("DROP TABLE IF EXISTS bench_baseline"))
    db.session.commit()
    base = results["baseline"]
    rows.append(_load_row("baseline: bare Flask endpoint, one authenticated INSERT (bench/baseline.py)", base,
                          base, target="reference", met=True))
    for key, name in (("scan", "scan: check-in then check-out, POST /api/v1/scan"),
                      ("merchant", "merchant: verifyCode then redeemCoupon")):
        r = results[key]
        r["rss_mb"] = rss
        ratio = r["throughput"] / base["throughput"]
        met = ratio >= 0.5 and (key != "scan" or r["p99_ms"] < 100)
        rows.append(_load_row(name, r, base, target="≥ 0.5× baseline throughput" + (", p99 < 100 ms" if key == "scan" else ""),
                              met=met, ratio=ratio))
    return rows


def _load_row(name, r, base, *, target, met, ratio=None):
    line = (f"{r['requests']} requests in {r['wall_s']:.1f} s = {r['throughput']:.0f}/s; p50 {r['p50_ms']:.0f} ms, "
            f"p99 {r['p99_ms']:.0f} ms; {r['errors']} unexpected answers")
    if r["errors"]:
        line += f" (e.g. {r['error_sample'][0][:120]})"
    print(f"  {name:60} {line}" + (f"  ratio {ratio:.2f}" if ratio is not None else ""), flush=True)
    return {"case": name, "median_ms": r["p50_ms"], "max_ms": r["max_ms"], "runs": r["requests"],
            "rss_mb": r.get("rss_mb"), "reference": "baseline" if ratio is not None else None, "ratio": ratio,
            "target": target, "met": met and not r["errors"], "note": line, "throughput": r["throughput"],
            "p99_ms": r["p99_ms"]}


def _scan_load(server, people, tokens, seconds) -> dict:
    """Check-ins, then — once a minute has passed, as a second scan sooner is taken for a
    repeated tap — the check-outs of the same volunteers at the same post."""
    from app.services import posts
    post = db.session.scalar(select(Post).where(Post.is_active.is_(True)).order_by(Post.id).limit(1))
    code = posts.scan_url(post)
    ids = [v.id for v in people]  # plain values: the client threads have no app context
    per_client = [ids[i::CLIENTS] for i in range(CLIENTS)]
    done: list[list[int]] = [[] for _ in range(CLIENTS)]

    def check_ins(i):
        for vid in per_client[i]:
            done[i].append(vid)
            yield ("POST", "/api/v1/scan", tokens[vid], {"code": code}, 200)

    began = time.perf_counter()
    first = load.run(server.port, [check_ins(i) for i in range(CLIENTS)], seconds)
    # the last one counted did not necessarily get sent: a client stops before sending when time is up
    wait = 61 - (time.perf_counter() - began)
    if wait > 0:
        time.sleep(wait)

    def check_outs(i):
        for vid in done[i]:
            yield ("POST", "/api/v1/scan", tokens[vid], {"code": code}, 200)

    second = load.run(server.port, [check_outs(i) for i in range(CLIENTS)], seconds * 2)
    return load.combine([first, second])


def _merchant_load(app, server, people, seconds) -> dict:
    from app.services.incentives import merchants, offers
    merchant = merchants.create_merchant(name=f"压测商家{secrets.token_hex(3)}", by=None, approved=True)
    # a cashier per client: the counter's rate limits are per account, as at real tills
    cashiers = [merchants.create_merchant_account(merchant, username=f"cashier{secrets.token_hex(4)}",
                                                  password="bench-pass-1", name="cashier", by=None)
                for _ in range(CLIENTS)]
    offer = offers.create_offer(merchant, offers.OfferInput(title="压测优惠", min_star=0, quantity=None,
                                                            per_volunteer_limit=None), by=None)
    db.session.flush()
    tokens = [make_token(cashier.id) for cashier in cashiers]
    # Coupons as claim_coupon leaves them, inserted in one statement (claiming is not what is measured).
    from sqlalchemy import insert

    from app.models import Coupon
    from app.services import qr
    from app.services.clock import now
    at = now()
    ids = db.session.scalars(insert(Coupon).returning(Coupon.id), [
        {"offer_id": offer.id, "merchant_id": merchant.id, "volunteer_id": v.id, "status": "issued",
         "period_key": "total", "claimed_at": at, "expires_at": at + timedelta(days=30)}
        for v in people[: CLIENTS * COUPONS_PER_CLIENT]]).all()
    db.session.commit()
    codes = [(cid, qr.make_url("coupon", {"c": cid})[0]) for cid in ids]
    per_client = [codes[i::CLIENTS] for i in range(CLIENTS)]

    def script(i):
        for coupon_id, code in per_client[i]:
            yield ("POST", "/api/v1/merchant/verify", tokens[i], {"code": code}, 200)
            yield ("POST", f"/api/v1/coupons/{coupon_id}/redeem", tokens[i], {"code": code}, 200)

    return load.run(server.port, [script(i) for i in range(CLIENTS)], seconds)
