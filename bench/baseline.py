"""The yardstick of the API load cases: a bare Flask endpoint that does one authenticated INSERT.

It checks a bearer token the way the product does (SHA-256 of the token looked up in
api_tokens, not revoked, not expired, active user), inserts one row and commits: no ORM, no
schema validation, no audit. Served by the same `gunicorn -w 2` against the same database as
the product, so the ratio of the two throughputs says what the product's own work costs.

  BASELINE_DATABASE_URL=postgresql://… gunicorn -w 2 bench.baseline:app
"""
from __future__ import annotations

import hashlib
import os

import psycopg
from flask import Flask, abort, jsonify, request

app = Flask(__name__)
_connection: psycopg.Connection | None = None

TABLE = "bench_baseline"
CREATE = f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, user_id integer NOT NULL, at timestamp NOT NULL)"


def _db() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["BASELINE_DATABASE_URL"])
    return _connection


@app.post("/insert")
def insert():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(401)
    digest = hashlib.sha256(token.strip().encode()).hexdigest()
    conn = _db()
    with conn.cursor() as cur:
        cur.execute("SELECT t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id "
                    "WHERE t.token_hash = %s AND t.revoked_at IS NULL "
                    "AND t.expires_at > (now() AT TIME ZONE 'UTC') AND u.active", (digest,))
        row = cur.fetchone()
        if row is None:
            conn.rollback()
            abort(401)
        cur.execute(f"INSERT INTO {TABLE} (user_id, at) VALUES (%s, now() AT TIME ZONE 'UTC') RETURNING id",
                    (row[0],))
        new_id = cur.fetchone()[0]
    conn.commit()
    return jsonify(id=new_id), 201
