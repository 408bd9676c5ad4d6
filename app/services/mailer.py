"""The SMTP connection every outgoing mail uses, from the MAIL_* settings read at each use."""

from __future__ import annotations

from flask import current_app

from app.extensions import mail


def configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def connection():
    config = current_app.config  # read at each use, so MAIL_* set after start-up apply
    return mail.get_connection(
        backend="smtp",
        host=config["MAIL_SERVER"],
        port=config["MAIL_PORT"],
        username=config.get("MAIL_USERNAME") or "",
        password=config.get("MAIL_PASSWORD") or "",
        use_tls=bool(config.get("MAIL_USE_TLS")),
        timeout=30,
    )


def sender() -> str:
    return current_app.config["MAIL_SENDER"]
