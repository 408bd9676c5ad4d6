"""Helpers shared by the portal's forms."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash
from flask_wtf import FlaskForm

from app.services.errors import DomainError


def apply_errors(form: FlaskForm, exc: DomainError) -> None:
    """Show a service's per-field messages beside the fields; the rest as a flash."""
    shown = False
    for name, messages in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            if isinstance(field.errors, tuple):
                field.errors = list(field.errors)
            field.errors.extend(messages)
            shown = True
    if not shown or not exc.fields:
        flash(exc.message, "danger")


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def send_bytes(data: bytes, filename: str, *, inline: bool = True):
    """Stream bytes a pure helper made (PDF, PNG, XLSX), typed by the file name's extension."""
    import io
    import mimetypes

    from flask import send_file
    mimetype = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}.get(
        filename[filename.rfind("."):], mimetypes.guess_type(filename)[0] or "application/octet-stream")
    return send_file(io.BytesIO(data), mimetype=mimetype, download_name=filename, as_attachment=not inline)
