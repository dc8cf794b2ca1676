"""`flask demo`: fill the database with demo schools, pupils and staff (never in production)."""

from __future__ import annotations

import time
from datetime import date

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from sentrack import changes, clock
from sentrack.clock import now
from sentrack.demo import DEMO_PASSWORD, DemoSummary, build_demo, demo_pupil_count
from sentrack.demo.builder import LA_CODE
from sentrack.demo.notices import spread_notifications
from sentrack.demo.retention import add_retention
from sentrack.demo.samples_ctf import SAMPLES
from sentrack.extensions import db
from sentrack.models import Base, School
from sentrack.models.duties import EmailStatus, Notification
from sentrack.workflows.sweep import run_sweep


@click.command("demo")
@click.option("--seed", type=int, default=2026, show_default=True, help="Seed of the random data.")
@click.option(
    "--schools",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Number of schools, alternately primary and secondary.",
)
@click.option(
    "--pupils-per-school",
    type=click.IntRange(min=1),
    default=None,
    help="Pupils in every school [default: 420 primary, 1000 secondary].",
)
@click.option("--reset", is_flag=True, help="Delete every row of every table first.")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already holds a school.")
@with_appcontext
def demo_command(seed: int, schools: int, pupils_per_school: int | None, reset: bool, if_empty: bool) -> None:
    """Build demo schools, staff and pupils dated from the app's today."""
    if current_app.config.get("NAME") == "production":
        raise click.ClickException("Refusing to build demo data in production.")
    if reset and if_empty:
        raise click.UsageError("Use --reset or --if-empty, not both.")
    if reset:
        _delete_everything()
    elif db.session.scalar(sa.select(School.id).limit(1)) is not None:
        if if_empty:
            click.echo("The database already holds schools: no demo data added.")
            return
        raise click.ClickException(
            "The database already holds schools. Run `flask demo --reset` to delete everything "
            "and build the demo again."
        )

    started = time.perf_counter()
    today = clock.today()
    total = demo_pupil_count(schools, pupils_per_school)
    # Built many records at once: not traced school by school, every kept page is written again.
    with changes.untraced(db.session), click.progressbar(length=total, label="Creating pupils") as bar:
        summary = build_demo(
            db.session,
            today=today,
            seed=seed,
            schools=schools,
            pupils_per_school=pupils_per_school,
            progress=bar.update,
        )
        # Retention at the demo school: former pupils of long ago, one due for destruction and one
        # held, and a destruction earlier in the term.
        summary.former_pupils = add_retention(db.session, today=today, la_code=LA_CODE)
        changes.everything_changed(db.session)  # COPY writes around the statements traced
        db.session.commit()
    # The daily sweep as the scheduler would run it this morning: the duties' tasks, due and
    # overdue, and their notifications (marked as already emailed: a demo sends no mail).
    swept = run_sweep(db.session, today)
    db.session.execute(
        sa.update(Notification)
        .where(Notification.email_status == EmailStatus.PENDING)
        .values(email_status=EmailStatus.SENT, attempts=1, sent_at=now())
    )
    _one_failed_email_per_school()
    daily_emails = spread_notifications(db.session, today=today, seed=seed)
    db.session.commit()
    _report(summary, today, seed)
    click.echo(f"  {summary.tasks_done:,} tasks done before today, each with its notification")
    click.echo(f"  {swept.tasks_created:,} tasks and {swept.notifications_created:,} notifications from today's sweep")
    click.echo(f"  their reminders dated over the last fortnight, with {daily_emails:,} daily emails sent")
    click.echo(f"Built in {time.perf_counter() - started:.0f} s, today's sweep included.")


def _one_failed_email_per_school() -> None:
    """Each school's newest email failed after every retry (an address the server refused), so
    that the SENCO's email page shows a failure and the button that resends it."""
    from sentrack.models import User
    from sentrack.outbox import MAX_ATTEMPTS

    newest = (
        sa.select(sa.func.max(Notification.id))
        .join(User, User.id == Notification.recipient_id)
        .where(User.school_id.is_not(None))
        .group_by(User.school_id)
    )
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(newest))
        .values(
            email_status=EmailStatus.FAILED,
            attempts=MAX_ATTEMPTS,
            sent_at=None,
            next_attempt_at=None,
            last_error="SMTPRecipientsRefused: 550 5.1.1 mailbox unavailable",
        )
        .execution_options(synchronize_session=False)
    )


def _delete_everything() -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    if db.session.get_bind().dialect.name == "postgresql":
        # One TRUNCATE empties every table at once, without checking each deleted row's
        # references one by one (minutes for a hundred schools).
        preparer = db.session.get_bind().dialect.identifier_preparer
        db.session.execute(sa.text(f"TRUNCATE {', '.join(preparer.format_table(t) for t in tables)} RESTART IDENTITY"))
        return
    for table in tables:
        db.session.execute(sa.delete(table))


def _report(summary: DemoSummary, today: date, seed: int) -> None:
    click.echo(f"Demo built for {today.day} {today:%B %Y} (seed {seed}):")
    click.echo(f"  {summary.schools} schools, {summary.pupils:,} pupils, {summary.staff:,} staff accounts")
    click.echo(f"  {summary.sen_support:,} on SEN support, {summary.ehc_plans:,} with an EHC plan")
    click.echo(
        f"  {summary.ehc_plan_records:,} EHC plan records with {summary.ehc_reviews:,} annual reviews, "
        f"{summary.ehc_requests:,} needs assessment requests, {summary.ehc_documents:,} EHC documents"
    )
    click.echo(
        f"  {summary.leavers:,} pupils who left this year; {summary.carried_admissions:,} admitted in January"
        " with SEN support from a previous school"
    )
    click.echo(f"  {summary.concerns_open:,} open concerns, {summary.concerns_overdue:,} of them overdue")
    stages = ", ".join(
        f"{summary.cycles_open.get(state, 0):,} at {state}" for state in ("assess", "plan", "do", "review")
    )
    click.echo(f"  {summary.cycles:,} support cycles; open: {stages}")
    click.echo(f"  {summary.reviews_overdue:,} reviews overdue, {summary.letters_unsent:,} letters to parents to send")
    click.echo(
        f"  {summary.interventions:,} interventions: {summary.interventions_running:,} running, "
        f"{summary.interventions_starting:,} starting next week, "
        f"{summary.interventions_awaiting_impact:,} ended with impact to record; "
        f"{summary.intervention_sessions:,} sessions registered"
    )
    click.echo(
        f"  {summary.parent_meetings:,} meetings with parents held this year besides reviews, "
        f"{summary.parent_meetings_planned:,} planned"
    )
    awaiting = summary.transfers_awaiting
    transfers = "a transfer" if awaiting == 1 else f"{awaiting:,} transfers"
    click.echo(
        f"  {summary.leavers_with_destination:,} leavers with a destination, {transfers} awaiting confirmation, "
        f"{summary.sen_differences_open:,} SEN differences to reconcile; {summary.ctf_exports:,} CTF files sent"
    )
    click.echo(f"  {summary.sen_reports:,} SEN information report drafted for this year, not yet published")
    click.echo(f"  {summary.subject_access_requests:,} requests for pupils' data: open, answered and extended")
    click.echo(f"Sample files to import are in {SAMPLES}")
    click.echo(f"Sign in with the password {DEMO_PASSWORD!r} as:")
    width = max(len(email) for email, _ in summary.sign_ins)
    for email, role in summary.sign_ins:
        click.echo(f"  {email:<{width}}  {role}")
