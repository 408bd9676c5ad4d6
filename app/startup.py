"""What a process checks and starts before it serves or runs a command.

The database and FIELD_ENCRYPTION_KEY belong together: ID numbers are stored encrypted and
looked up by a keyed hash, so with another key (a restore without instance/, a mistyped
variable) they cannot be read and duplicate registrations are no longer caught. The database
keeps a keyed check value of the key (an HMAC, never the key), recorded at the first start,
and a process started with another key refuses to start.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from cryptography.fernet import InvalidToken
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from app.db_unavailable import safe_rollback
from app.extensions import db
from app.models import Setting, Volunteer
from app.services.clock import now

log = logging.getLogger(__name__)
KEY_CHECK_SETTING = "field_key_check"
KEY_CHECK_TEXT = b"volunteer-star key check"


class FieldKeyMismatch(RuntimeError):
    """FIELD_ENCRYPTION_KEY is not the key this database's personal data was encrypted with."""


MISMATCH = (
    "FIELD_ENCRYPTION_KEY does not match this database: its encrypted ID numbers were written "
    "with another key. Start with the key the database was made with (the FIELD_ENCRYPTION_KEY "
    "variable, or instance/field_encryption_key kept from the old installation). Refusing to start."
)


def key_check_value(key: str) -> str:
    return hmac.new(key.encode(), KEY_CHECK_TEXT, hashlib.sha256).hexdigest()


def _readable_with_this_key() -> bool:
    """For a database made before check values were kept: can this key read its ID numbers?"""
    from app.services import identity

    token = db.session.scalar(select(Volunteer.id_number_encrypted).limit(1))
    if token is None:
        return True
    try:
        identity.decrypt(token)
    except InvalidToken:
        return False
    return True


def check_field_key() -> None:
    """Raise FieldKeyMismatch when the database's check value is another key's; record it at
    the first start. A database not migrated yet (or unreachable) is left to `flask db`."""
    expected = key_check_value(current_app.config["FIELD_ENCRYPTION_KEY"])
    try:
        setting = db.session.get(Setting, KEY_CHECK_SETTING)
        if setting is None:
            if not _readable_with_this_key():
                db.session.rollback()
                raise FieldKeyMismatch(MISMATCH)
            db.session.add(Setting(key=KEY_CHECK_SETTING, value={"hmac_sha256": expected}, updated_at=now()))
            db.session.commit()
            return
    except IntegrityError:  # another process recorded it at the same moment
        db.session.rollback()
        setting = db.session.get(Setting, KEY_CHECK_SETTING)
        assert setting is not None, "the other process has recorded it"
    except (OperationalError, ProgrammingError) as exc:
        safe_rollback()
        log.warning("field key not checked (database not ready: %s)", type(exc).__name__)
        return
    matches = hmac.compare_digest(str(setting.value.get("hmac_sha256", "")), expected)
    db.session.rollback()  # end the read transaction (on SQLite it holds the write lock)
    if not matches:
        raise FieldKeyMismatch(MISMATCH)


def serve(app: Flask) -> None:
    """A serving process starts: check the key, then start the embedded scheduler
    (SCHEDULER=embedded). Called from gunicorn's post_worker_init and by `flask run`."""
    with app.app_context():
        try:
            check_field_key()
        finally:
            db.session.remove()
    from app.scheduling import start_embedded

    start_embedded(app)
