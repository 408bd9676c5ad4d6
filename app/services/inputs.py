"""What every door checks before a value reaches the database: ids that fit an INTEGER column,
text without NUL or lone surrogates (no driver or encoder accepts them), and dates in a sane
range. The web forms, the API schemas and the services share these rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

INT_MAX = 2**31 - 1  # an INTEGER column (PostgreSQL int4)
# Dates a form or a body may carry at all; services narrow this further (records, bulletins).
SANE_MIN_YEAR, SANE_MAX_YEAR = 1900, 2100
# Service records and bulletins: from this year up to next year in the deployment's zone.
SERVICE_MIN_YEAR = 2000

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def has_bad_chars(text: str) -> bool:
    """NUL or a lone surrogate: no database or encoder takes them."""
    return bool(_BAD_TEXT.search(text))


def db_int(value) -> int:
    """An id or count from a URL or form, 1..INT_MAX; ValueError otherwise (so Werkzeug's
    `args.get(name, type=db_int)` falls back to the default)."""
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit():
            raise ValueError(value)
    number = int(value)
    if not 1 <= number <= INT_MAX:
        raise ValueError(value)
    return number


def sane_year(value: date | datetime) -> bool:
    return SANE_MIN_YEAR <= value.year <= SANE_MAX_YEAR


def service_year_ok(year: int) -> bool:
    """Service records and bulletins: 2000 up to next year in the deployment's zone."""
    from app.services.clock import local_today

    return SERVICE_MIN_YEAR <= year <= local_today().year + 1


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: the name the browser gave and the bytes (read up to the limit + 1)."""

    filename: str
    data: bytes


def safe_name(filename: str | None) -> str:
    """The last part of an uploaded file's name, without control characters, at most 100
    characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    return name[:100] or "file"


def clean_text(value: str | None, limit: int, field: str, *, required: bool = True) -> str | None:
    """A text a service stores, stripped: refused when required and empty, or longer than
    limit (the message goes beside `field`); None when empty and optional."""
    from flask_babel import gettext as _

    from app.services.errors import ValidationFailed

    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationFailed(fields={field: [_("请填写此项")]})
        return None
    if len(value) > limit:
        raise ValidationFailed(fields={field: [_("不能超过%(n)d个字", n=limit)]})
    return value


def required_text(value: str | None, limit: int, field: str) -> str:
    """clean_text for a text that must be there."""
    text = clean_text(value, limit, field)
    assert text is not None
    return text
