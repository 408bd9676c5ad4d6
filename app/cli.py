"""flask commands: each parses options, calls a service, commits, and reports."""

from __future__ import annotations

import functools

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from app.extensions import db
from app.models import ROLES
from app.services.errors import DomainError

users_cli = AppGroup("users", help="Manage accounts.")


def fail(exc: DomainError) -> None:
    db.session.rollback()
    details = "".join(f"\n  {name}: {'; '.join(msgs)}" for name, msgs in exc.fields.items())
    raise click.ClickException(f"{exc.message}{details}")


@users_cli.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--unit", "unit_id", type=int, help="unit id, for a unit_admin")
@click.option("--name", help="display name (default: the username)")
def create_user_command(role, username, password, unit_id, name):
    """Create a platform_admin, unit_admin, merchant or volunteer account."""
    from app.services import accounts

    try:
        user = accounts.create_user(
            username=username, password=password, role=role, name=name or username, unit_id=unit_id
        )
    except DomainError as exc:
        fail(exc)
    db.session.commit()
    click.echo(f"created {role} {user.username} (id {user.id})")


@click.command("demo")
def demo_command():
    """Load demo data; a second run changes nothing."""
    from app import demo

    created = demo.load()
    db.session.commit()
    click.echo("demo data loaded" if created else "demo data already present; nothing changed")
    for role, username, password in demo.LOGINS:
        click.echo(f"  {role:15} {username:15} {password}")


hours_cli = AppGroup("hours", help="The hours ledger.")


@hours_cli.command("verify")
def hours_verify_command():
    """Check every volunteer's cached total, and the monthly rollups, against the approved records."""
    from app.hours import hours
    from app.services import ledger, rollup_checks

    mismatches = ledger.ledger_mismatches()
    if mismatches:
        click.echo(f"{len(mismatches)} volunteer(s) whose cached total differs from the ledger:")
        for volunteer_id, number, cached, actual in mismatches:
            click.echo(
                f"  {number} (id {volunteer_id}): cached {hours(cached):.2f} h, ledger {hours(actual):.2f} h"
            )
    rollup_problems = rollup_checks.mismatches()
    if rollup_problems:
        click.echo(f"the monthly rollups differ from the ledger ({len(rollup_problems)} shown):")
        for line in rollup_problems:
            click.echo(f"  {line}")
    if mismatches or rollup_problems:
        raise SystemExit(1)
    click.echo("ok: every cached total and the monthly rollups equal the sums of approved records")


needs_cli = AppGroup("needs", help="Residents' needs.")


@needs_cli.command("purge")
def needs_purge_command():
    """Erase residents' names and phones of needs closed longer than NEED_RETENTION_DAYS ago."""
    from app.services import needs
    from app.services.clock import now

    purged = needs.purge_resident_data(now())
    db.session.commit()
    click.echo(f"purged the resident's data of {purged} need(s)")


bulletins_cli = AppGroup("bulletins", help="Monthly bulletins.")


@bulletins_cli.command("generate")
@click.option("--month", help="YYYY-MM (default: last month)")
@click.option("--unit", "unit_id", type=int, help="only this unit's bulletin")
@click.option("--revise", is_flag=True, help="issue the next numbered revision; the original is kept")
def bulletins_generate_command(month, unit_id, revise):
    """Make the month's bulletins; those that exist are left alone (--revise: a new revision);
    mail them like the monthly job."""
    from app.services import mailer
    from app.services.bulletins import mail as bulletin_mail
    from app.services.months import Month

    kind = "revised " if revise else ""
    try:
        counts = bulletin_mail.publish_month(Month.parse(month) if month else None, unit_id, revise=revise)
    except DomainError as exc:
        fail(exc)
    except bulletin_mail.MailFailed as exc:
        click.echo(f"created {exc.counts['created']} {kind}bulletin(s) for {exc.counts['month']}")
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {counts['created']} {kind}bulletin(s) for {counts['month']}")
    if mailer.configured():
        click.echo(f"mailed {counts['mailed']} bulletin(s)")


@click.command("scheduler")
@click.option(
    "--run",
    "run_now",
    type=click.Choice(["monthly_bulletins", "close_forgotten_sessions", "expire_coupons"]),
    help="run one job now and exit",
)
def scheduler_command(run_now):
    """Run the scheduler's jobs in the foreground until stopped (SCHEDULER=off for the web)."""
    from flask import current_app

    from app import scheduling
    from app.jobs import JOBS, JOBS_BY_NAME

    if run_now:
        run = scheduling.execute(JOBS_BY_NAME[run_now], claim_run=False)
        click.echo(f"{run.job}: {run.status} {run.counts or ''} {run.message or ''}")
        raise SystemExit(0 if run.status == "ok" else 1)
    for job in JOBS:
        click.echo(f"  {job.name:26} {job.trigger}  {job.description}")
    click.echo("scheduler running; Ctrl+C to stop")
    foreground = scheduling.build(current_app._get_current_object(), JOBS, blocking=True)
    try:
        foreground.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("scheduler stopped")
    finally:
        foreground.runner.release()  # a stand-by process takes over at once


perf_cli = AppGroup("perf", help="Benchmark helpers.")


@perf_cli.command("seed")
@click.option("--volunteers", type=click.IntRange(1), required=True)
@click.option("--records", type=click.IntRange(0), required=True)
@click.option("--units", type=click.IntRange(1), default=5, show_default=True)
def perf_seed_command(volunteers, records, units):
    """Bulk synthetic units, volunteers and approved records (COPY on PostgreSQL), with progress."""
    import time

    from app import perf

    bar, stage_now, last, began = None, None, 0, time.monotonic()

    def finish():
        bar.__exit__(None, None, None)
        click.echo(f"  {stage_now}: {last} in {time.monotonic() - began:.1f} s")

    for stage, done, of in perf.seed(volunteers, records, units):
        if stage != stage_now:
            if bar is not None:
                finish()
            bar = click.progressbar(length=of, label=f"{stage:10}", show_pos=True)
            bar.__enter__()
            stage_now, last, began = stage, 0, time.monotonic()
        bar.update(done - last)
        last = done
    if bar is not None:
        finish()
    db.session.commit()
    began = time.monotonic()
    perf.vacuum()
    click.echo(f"  vacuum analyze: {time.monotonic() - began:.1f} s")
    click.echo(f"seeded {units} units, {volunteers} volunteers, {records} approved records")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def db_backup_command(path):
    """Copy the SQLite database to PATH, consistently while the app runs (PostgreSQL: pg_dump -Fc)."""
    from app.services import backup

    try:
        pages = backup.backup_sqlite(path)
    except backup.BackupRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up {pages} page(s) to {path}; keep instance/ (or the two keys) with it")


def _checking_the_field_key(command: click.Command) -> None:
    """Commands (other than `flask db …`) refuse to run with another FIELD_ENCRYPTION_KEY than
    the database's; see app.startup."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _checking_the_field_key(sub)
        return
    callback = command.callback
    if callback is None or getattr(callback, "checks_field_key", False):
        return

    @functools.wraps(callback)
    def checked(*args, **kwargs):
        from app.startup import FieldKeyMismatch, check_field_key

        try:
            check_field_key()
        except FieldKeyMismatch as exc:
            raise click.ClickException(str(exc)) from exc
        return callback(*args, **kwargs)

    checked.checks_field_key = True  # type: ignore[attr-defined]
    command.callback = with_appcontext(checked)
    command.callback.checks_field_key = True  # type: ignore[attr-defined]


def register_commands(app: Flask) -> None:
    from flask_migrate.cli import db as db_cli

    for command in (
        users_cli,
        demo_command,
        perf_cli,
        hours_cli,
        bulletins_cli,
        needs_cli,
        scheduler_command,
    ):
        _checking_the_field_key(command)
        app.cli.add_command(command)
    db_cli.add_command(db_backup_command)
