"""Mailing each unit its monthly bulletin exactly once, and the monthly workflow (make the
month's bulletins, then mail them) that the scheduler's job and `flask bulletins generate` share.

Exactly once, even when two generators overlap (two commands, or a command and the job): each
bulletin's mail is claimed by a conditional UPDATE before it is sent, and its sending is
committed after each message. A claim left by a process that died mid-send is taken again once
it is STALE. Unlike most services this one commits: a message that left must be recorded at
once, whatever happens to the next.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_mailman import EmailMessage
from sqlalchemy import or_, select, update

from app.db_unavailable import safe_rollback
from app.extensions import db, execute_dml
from app.models import Bulletin, Unit
from app.services import mailer
from app.services.bulletins.exports import pdf_bytes
from app.services.bulletins.labels import title_of
from app.services.bulletins.snapshots import generate_bulletins
from app.services.clock import now
from app.services.months import Month

log = logging.getLogger(__name__)
STALE = timedelta(minutes=10)  # a claim older than this was left by a process that died


class MailFailed(Exception):
    """The month's bulletins were made but their mail failed; `counts` says what was done
    (the scheduler keeps them in the job log and tries again later)."""

    def __init__(self, message: str, counts: dict):
        super().__init__(message)
        self.counts = counts


def _claim(bulletin_id: int) -> bool:
    at = now()
    claimed = execute_dml(
        update(Bulletin)
        .where(
            Bulletin.id == bulletin_id,
            Bulletin.mailed_at.is_(None),
            or_(Bulletin.mailing_at.is_(None), Bulletin.mailing_at < at - STALE),
        )
        .values(mailing_at=at)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def _message(bulletin: Bulletin) -> EmailMessage:
    assert bulletin.unit is not None, "only units' bulletins are mailed"
    message = EmailMessage(
        subject=title_of(bulletin),
        body=_(
            "%(unit)s：\n\n附件是贵单位 %(m)s 的志愿服务月通报，请查收。\n\n志愿星",
            unit=bulletin.unit.name,
            m=bulletin.month,
        ),
        from_email=current_app.config["MAIL_SENDER"],
        to=[bulletin.unit.contact_email],
    )
    message.attach(
        f"bulletin-{bulletin.month}-unit-{bulletin.unit_id}.pdf", pdf_bytes(bulletin), "application/pdf"
    )
    return message


def mail_bulletins(month: Month, unit_id: int | None = None) -> int:
    """Send each unit's bulletin of the month to its contact address, once (when SMTP is set).
    Returns how many this call sent; raises the mail error after recording what was sent."""
    if not mailer.configured():
        return 0
    pending = list(
        db.session.scalars(
            select(Bulletin.id)
            .join(Unit, Unit.id == Bulletin.unit_id)
            .where(
                Bulletin.month == str(month),
                Bulletin.mailed_at.is_(None),
                Unit.contact_email.is_not(None),
                Bulletin.unit_id == unit_id if unit_id is not None else Bulletin.unit_id.is_not(None),
            )
            .order_by(Bulletin.id)
        )
    )
    sent = 0
    connection = None
    try:
        for bulletin_id in pending:
            if not _claim(bulletin_id):
                continue  # another process sends (or has sent) this one
            bulletin = db.session.get(Bulletin, bulletin_id)
            try:
                assert bulletin is not None, "claimed above, so it exists"
                message = _message(bulletin)
                db.session.commit()  # end the read before waiting on the network (on SQLite it locks)
                if connection is None:
                    connection = mailer.connection()
                    connection.open()
                message.connection = connection
                message.send()
            except Exception:
                safe_rollback()
                db.session.execute(
                    update(Bulletin)
                    .where(Bulletin.id == bulletin_id)
                    .values(mailing_at=None)
                    .execution_options(synchronize_session=False)
                )
                db.session.commit()  # free the claim: the next attempt sends it
                raise
            bulletin.mailed_at = now()
            db.session.commit()
            sent += 1
    finally:
        if connection is not None:
            connection.close()
    return sent


def publish_month(month: Month | None = None, unit_id: int | None = None, *, revise: bool = False) -> dict:
    """The monthly workflow: make the month's bulletins (default: last month; revise: a new
    revision of each) and mail each unit what it has not been sent. The snapshots are committed before any mail, so they stand if the mail
    server is down; then MailFailed carries the counts, and running this again makes none
    and mails only what is left."""
    month = month or Month.current().previous()
    created = generate_bulletins(month, unit_id, revise=revise)
    db.session.commit()
    counts = {"month": str(month), "created": created, "mailed": 0}
    try:
        counts["mailed"] = mail_bulletins(month, unit_id)
    except Exception as exc:
        log.warning("bulletins of %s kept, but mail failed: %s", month, exc)
        raise MailFailed(f"bulletins kept, but mail failed: {type(exc).__name__}: {exc}", counts) from exc
    return counts
