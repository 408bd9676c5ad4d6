"""The embedded default keeps keys and the SQLite database in instance/: owner only."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = """
from app import create_app
from app.extensions import db
app = create_app()
with app.app_context():
    db.session.execute(db.text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
    db.session.commit()
"""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _start_embedded(instance: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEY")}
    env.update(INSTANCE_PATH=str(instance), FLASK_CONFIG="development", SCHEDULER="off")
    subprocess.run([sys.executable, "-c", START], cwd=ROOT, env=env, check=True, timeout=60)


def test_instance_dir_keys_and_sqlite_database_are_private(tmp_path):
    instance = tmp_path / "instance"
    _start_embedded(instance)
    assert _mode(instance) == 0o700
    assert _mode(instance / "volunteer.db") == 0o600
    for name in ("secret_key", "field_encryption_key"):
        assert _mode(instance / name) == 0o600
    for suffix in ("-wal", "-shm"):
        extra = instance / f"volunteer.db{suffix}"
        if extra.exists():
            assert _mode(extra) & 0o077 == 0


def test_an_existing_open_instance_dir_is_closed(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    instance.chmod(0o755)
    _start_embedded(instance)
    assert _mode(instance) == 0o700
    assert _mode(instance / "volunteer.db") == 0o600
