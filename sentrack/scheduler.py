"""The scheduler: its own process (`flask --app sentrack scheduler`), never inside web workers.

Each morning it runs the daily sweep, then makes and sends each person's daily email (at
DIGEST_HOUR); every minute (SCHEDULER_OUTBOX_SECONDS) it sends the outbox (the emails people take
as they happen) and tries again the daily emails that could not be sent yet. On PostgreSQL it first
takes an advisory lock and holds it for its whole life, so that a second scheduler started by
mistake waits instead of sending twice. Both jobs are safe to repeat: the sweep asks what is due
and not yet done, the outbox sends only what is still pending, and a person's daily email of a
day is made once. The sweep also runs at start, and so does the daily email once its hour has
passed, so that a day the scheduler was down is caught up.

No job can stop the scheduler: a job that raises is logged (the kind of error and where, never its
message, which may carry pupil details), its transaction rolled back, and the next run goes on;
the runs at start go through the same guard.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask, current_app
from flask.cli import with_appcontext

from sentrack.clock import today
from sentrack.digest import DIGEST_HOUR, gather, send_due_digests, skip_unwanted
from sentrack.extensions import db
from sentrack.outbox import mailer_from_config, send_due

LOCK_KEY = 7_221_006_401  # any fixed number: the one lock every SEN Track scheduler takes
TIMEZONE = "Europe/London"

log = logging.getLogger(__name__)


def guarded(job: Callable[[Flask], dict]) -> Callable[[Flask], dict]:
    """`job`, made unable to raise: an exception is logged without its message and answered with
    {"error": its kind}, after the session is rolled back."""

    def run(app: Flask) -> dict:
        try:
            return job(app)
        except Exception as error:  # noqa: BLE001 - one bad run must not end the scheduler
            frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
            where = f"{frame.filename}:{frame.lineno}" if frame else "?"
            log.error("Scheduler job %s failed: %s at %s", job.__name__, type(error).__name__, where)
            try:
                with app.app_context():
                    db.session.rollback()
                    db.session.remove()
            except Exception:  # noqa: BLE001 - the database may be what failed
                log.error("Scheduler job %s: the rollback failed too", job.__name__)
            return {"error": type(error).__name__}

    run.__name__ = job.__name__
    return run


def take_scheduler_lock(connection: sa.Connection, *, wait: bool) -> bool:
    """Hold the scheduler's advisory lock on `connection` (PostgreSQL). With `wait`, block until it
    is free; without, answer whether it was free. Other databases have one process: always True."""
    if connection.dialect.name != "postgresql":
        return True
    if wait:
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
        return True
    return bool(connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar())


def release_scheduler_lock(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        with contextlib.suppress(sa.exc.DBAPIError):  # a lost connection has let the lock go already
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
            connection.commit()


def scheduler_lock_held(connection: sa.Connection) -> bool:
    """Whether `connection` still holds the scheduler's lock. It is lost with the connection (the
    database restarted, the network cut, the session ended by an administrator): another scheduler
    may then have taken it."""
    if connection.dialect.name != "postgresql":
        return True
    held = sa.text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()"
        " AND ((classid::bigint << 32) | objid::bigint) = :key"
    )
    try:
        found = connection.execute(held, {"key": LOCK_KEY}).scalar()
        connection.commit()
    except sa.exc.DBAPIError:
        return False
    return bool(found)


class LockLost(Exception):
    """The scheduler's lock went with its database connection: it stops, to be started again (by
    its service manager) and wait for the lock like any other."""


def run_sweep_job(app: Flask) -> dict:
    from sentrack.clock import now
    from sentrack.submissions import purge
    from sentrack.workflows.drafts import purge_drafts
    from sentrack.workflows.sweep import run_sweep

    with app.app_context():
        summary = run_sweep(db.session, today())
        # One-time form tokens outlive their use by a day at most (real time, not the app's date).
        purged = purge(db.session, datetime.now(UTC))
        drafts_purged = purge_drafts(db.session, now())  # drafts older than 30 days
        db.session.commit()
        return {**summary.as_dict(), "form_tokens_purged": purged, "drafts_purged": drafts_purged}


def send_outbox_job(app: Flask) -> dict:
    with app.app_context():
        result = send_due(
            db.session,
            mailer=mailer_from_config(app.config),
            now=datetime.now(UTC),
            sender=app.config["MAIL_FROM"],
            base_url=app.config["BASE_URL"],
        )
        db.session.remove()
        return {"sent": result.sent, "retried": result.retried, "failed": result.failed}


def _daily_emails(app: Flask, *, gather_today: bool) -> dict:
    """Make today's daily emails when `gather_today`, then send every daily email due now."""
    with app.app_context():
        moment = datetime.now(UTC)
        made = gather(db.session, day=today(), now=moment) if gather_today else 0
        skip_unwanted(db.session)
        db.session.commit()
        result = send_due_digests(
            db.session,
            mailer=mailer_from_config(app.config),
            now=moment,
            sender=app.config["MAIL_FROM"],
            base_url=app.config["BASE_URL"],
        )
        db.session.remove()
        return {"made": made, "sent": result.sent, "retried": result.retried, "failed": result.failed}


def gather_daily_emails_job(app: Flask) -> dict:
    return _daily_emails(app, gather_today=True)


def send_daily_emails_job(app: Flask) -> dict:
    return _daily_emails(app, gather_today=False)


def past_digest_hour(moment: datetime) -> bool:
    """Whether the day's daily email is due by `moment` (London time)."""
    return moment.astimezone(ZoneInfo(TIMEZONE)).hour >= DIGEST_HOUR


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run the sweep, send the outbox and today's daily emails once, then stop.")
@with_appcontext
def scheduler_command(once: bool) -> None:
    """Run the daily sweep each morning and send the outbox every minute."""
    app = current_app._get_current_object()
    with db.engine.connect() as lock_connection:
        if not take_scheduler_lock(lock_connection, wait=False):
            click.echo("Another scheduler is running: waiting until it stops.")
            take_scheduler_lock(lock_connection, wait=True)
        lock_connection.commit()  # end the implicit transaction; the session-level lock stays
        try:
            _run(app, once, lock_connection)
        except LockLost as lost:
            raise click.ClickException(
                "The scheduler's lock was lost with its database connection: stopping, so that it can be "
                "started again to wait for the lock."
            ) from lost
        finally:
            # The connection goes back to a pool: the lock must not go with it.
            release_scheduler_lock(lock_connection)


def _run(app: Flask, once: bool, lock_connection: sa.Connection) -> None:
    click.echo(f"Sweep: {guarded(run_sweep_job)(app)}")
    click.echo(f"Outbox: {guarded(send_outbox_job)(app)}")
    # Run by hand (--once), the daily emails are made whatever the hour; started before the hour,
    # the scheduler leaves them to the morning's run, after the sweep.
    daily = gather_daily_emails_job if once or past_digest_hour(datetime.now(UTC)) else send_daily_emails_job
    click.echo(f"Daily email: {guarded(daily)(app)}")
    if once:
        return
    scheduler = BlockingScheduler(
        timezone=TIMEZONE,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
    )
    scheduler.add_job(guarded(run_sweep_job), CronTrigger(hour=6, minute=30, timezone=TIMEZONE), args=[app], id="sweep")
    every = IntervalTrigger(seconds=app.config["SCHEDULER_OUTBOX_SECONDS"], timezone=TIMEZONE)
    scheduler.add_job(guarded(send_outbox_job), every, args=[app], id="outbox")
    scheduler.add_job(
        guarded(gather_daily_emails_job),
        CronTrigger(hour=DIGEST_HOUR, minute=0, timezone=TIMEZONE),
        args=[app],
        id="daily_email",
    )
    scheduler.add_job(guarded(send_daily_emails_job), every, args=[app], id="daily_email_due")
    lost = _watch_lock(scheduler, lock_connection, every)
    click.echo(
        f"Scheduler running: the sweep at 06:30 each day, the daily emails at {DIGEST_HOUR:02d}:00, the outbox "
        f"every {app.config['SCHEDULER_OUTBOX_SECONDS']} seconds. Ctrl+C stops it."
    )
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
    if lost.is_set():
        raise LockLost


def _watch_lock(scheduler: BlockingScheduler, lock_connection: sa.Connection, every) -> threading.Event:
    """A job checking, as often as the outbox is sent, that the scheduler still holds its lock;
    once it does not, the scheduler stops (the event returned is then set) rather than run beside
    the one that has taken the lock. Between the loss and the check both may run: each email is
    still sent under its claim, and a task or notification is unique to its subject and period (a
    second sweep at the same moment fails on the constraint, rolled back, rather than make it twice)."""
    lost = threading.Event()

    def check() -> None:
        if not scheduler_lock_held(lock_connection):
            log.error("The scheduler lost its lock with its database connection: stopping")
            lost.set()
            scheduler.shutdown(wait=False)

    scheduler.add_job(check, every, id="lock")
    return lost
