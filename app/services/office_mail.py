"""Mail to member units about the office's follow-up: a notice when a rectification item or a
task is raised, and one reminder before its deadline (REMIND_DAYS ahead), each sent once.

Each message is claimed by a conditional UPDATE of its `notified_at` / `reminded_at` and
committed before it is sent, so two schedulers never send it twice; a message whose sending
fails is released for the next run. A process killed between the claim and the send loses that
one message rather than sending it twice. Like the bulletins' mail, this service commits."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_mailman import EmailMessage
from sqlalchemy import select, update

from app.db_unavailable import safe_rollback
from app.extensions import db, execute_dml
from app.models import OfficeTask, OfficeTaskUnit, Rectification, Unit
from app.services import mailer, office_tasks
from app.services.clock import local, local_today

log = logging.getLogger(__name__)
REMIND_DAYS = 3


def _claim(model, row_id: int, column: str, at: datetime) -> bool:
    claimed = execute_dml(
        update(model)
        .where(model.id == row_id, getattr(model, column).is_(None))
        .values({column: at})
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def _release(model, row_id: int, column: str) -> None:
    safe_rollback()
    execute_dml(
        update(model)
        .where(model.id == row_id)
        .values({column: None})
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _item_text(item: Rectification, reminder: bool) -> tuple[str, str]:
    subject = (
        _("整改事项即将到期：%(d)s", d=item.deadline.isoformat())
        if reminder
        else _("文明办下发整改事项（截止 %(d)s）", d=item.deadline.isoformat())
    )
    body = _(
        "%(unit)s：\n\n%(finding)s\n\n请在 %(d)s 前登录志愿星答复整改情况。\n\n志愿星",
        unit=item.unit.name,
        finding=item.finding,
        d=item.deadline.isoformat(),
    )
    return subject, body


def _task_text(assignment: OfficeTaskUnit, reminder: bool) -> tuple[str, str]:
    task = assignment.task
    subject = (
        _("任务即将到期：%(t)s", t=task.title)
        if reminder
        else _("文明办派发任务：%(t)s（截止 %(d)s）", t=task.title, d=task.deadline.isoformat())
    )
    body = _(
        "%(unit)s：\n\n%(text)s\n\n完成标准：%(m)s%(target)s\n截止日期：%(d)s\n\n志愿星",
        unit=assignment.unit.name,
        text=task.text,
        m=office_tasks.MEASURES[task.measure],
        target=f" {task.target}" if task.target else "",
        d=task.deadline.isoformat(),
    )
    return subject, body


def _send_each(
    model, ids: list[int], column: str, at: datetime, compose: Callable[[object], tuple[str, str, str]]
) -> int:
    sent = 0
    connection = None
    try:
        for row_id in ids:
            if not _claim(model, row_id, column, at):
                continue
            try:
                subject, body, to = compose(db.session.get(model, row_id))
                db.session.commit()  # end the read before waiting on the network
                if connection is None:
                    connection = mailer.connection()
                    connection.open()
                EmailMessage(
                    subject=subject, body=body, from_email=mailer.sender(), to=[to], connection=connection
                ).send()
            except Exception:
                _release(model, row_id, column)
                raise
            sent += 1
    finally:
        if connection is not None:
            connection.close()
    return sent


def send_due(at: datetime) -> dict:
    """Every notice not yet sent, and every reminder now due; counts for the job log."""
    if not mailer.configured():
        return {"notices": 0, "reminders": 0}
    soon = local(at).date() + timedelta(days=REMIND_DAYS)
    today = local_today()
    with_mail = Unit.contact_email.is_not(None)
    items = (
        select(Rectification.id)
        .join(Unit, Unit.id == Rectification.unit_id)
        .where(with_mail, Rectification.status != "closed")
    )
    assignments = (
        select(OfficeTaskUnit.id)
        .join(Unit, Unit.id == OfficeTaskUnit.unit_id)
        .join(OfficeTask, OfficeTask.id == OfficeTaskUnit.task_id)
        .where(with_mail)
    )

    def item_mail(reminder: bool):
        def compose(item):
            subject, body = _item_text(item, reminder)
            return subject, body, item.unit.contact_email

        return compose

    def task_mail(reminder: bool):
        def compose(assignment):
            subject, body = _task_text(assignment, reminder)
            return subject, body, assignment.unit.contact_email

        return compose

    notices = _send_each(
        Rectification,
        list(db.session.scalars(items.where(Rectification.notified_at.is_(None)))),
        "notified_at",
        at,
        item_mail(False),
    )
    notices += _send_each(
        OfficeTaskUnit,
        list(
            db.session.scalars(
                assignments.where(OfficeTaskUnit.notified_at.is_(None), OfficeTask.deadline >= today)
            )
        ),
        "notified_at",
        at,
        task_mail(False),
    )
    reminders = _send_each(
        Rectification,
        list(
            db.session.scalars(
                items.where(
                    Rectification.status == "open",
                    Rectification.reminded_at.is_(None),
                    Rectification.notified_at.is_not(None),
                    Rectification.deadline <= soon,
                    Rectification.deadline >= today,
                )
            )
        ),
        "reminded_at",
        at,
        item_mail(True),
    )
    due = list(
        db.session.scalars(
            select(OfficeTaskUnit).where(
                OfficeTaskUnit.id.in_(
                    assignments.where(
                        OfficeTaskUnit.reminded_at.is_(None),
                        OfficeTaskUnit.notified_at.is_not(None),
                        OfficeTask.deadline <= soon,
                        OfficeTask.deadline >= today,
                    )
                )
            )
        )
    )
    not_done = [row.assignment.id for row in office_tasks.progress(due) if not row.done]
    reminders += _send_each(OfficeTaskUnit, not_done, "reminded_at", at, task_mail(True))
    return {"notices": notices, "reminders": reminders}
