"""A consistent copy of the embedded SQLite database, taken while the application runs."""

from __future__ import annotations

import os
import sqlite3

from app.extensions import db


class BackupRefused(Exception):
    pass


def backup_sqlite(path: str) -> int:
    """Copy the database to `path` with SQLite's online backup API (a consistent snapshot even
    while writers run); returns the number of pages copied."""
    if db.engine.dialect.name != "sqlite":
        raise BackupRefused(
            "flask db backup copies the SQLite database; for PostgreSQL use "
            "pg_dump -Fc (see the README's Backup and restore)"
        )
    if os.path.exists(path):
        raise BackupRefused(f"{path} exists; give a new file")
    pages = 0

    def progress(_status, remaining, total):
        nonlocal pages
        pages = total - remaining

    raw = db.engine.raw_connection()
    try:
        target = sqlite3.connect(path)
        try:
            assert raw.driver_connection is not None, "a raw connection just opened has its driver connection"
            raw.driver_connection.backup(target, pages=1024, progress=progress)
        finally:
            target.close()
    finally:
        raw.close()
    return pages
