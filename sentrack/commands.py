"""Command-line commands: `flask demo` (the demo authority), `flask create-user` (the first
account of a real school), `flask sweep` (the daily sweep of duties and reminders), `flask compliance` (the
compliance dashboard's figures as JSON), `flask move-school` (a school moving to another
local authority), `flask import-ctf` (a Common Transfer File imported on a schedule), `flask
backup-check` (a backup restored and compared, sentrack/backups.py) and `flask pages-changed`
(every kept page written again after records were changed around the app)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from sentrack import audit
from sentrack.auth.factors import reset_second_factor
from sentrack.auth.passwords import hash_password, password_problem
from sentrack.clock import now, today
from sentrack.extensions import db
from sentrack.models import LocalAuthority, Role, RoleAssignment, School, User
from sentrack.submissions import purge
from sentrack.workflows import RuleBroken
from sentrack.workflows.compliance import compliance_figures, to_json
from sentrack.workflows.drafts import purge_drafts
from sentrack.workflows.ehc_figures import ehc_figures
from sentrack.workflows.schools import move_school, school_numbered
from sentrack.workflows.settings import save_authority_requirement
from sentrack.workflows.sweep import run_sweep


def _day(on: str | None) -> date:
    """The date given to --date (YYYY-MM-DD), or the app's today when none was given."""
    if on is None:
        return today()
    try:
        return date.fromisoformat(on)
    except ValueError as exc:
        raise click.BadParameter("use the form YYYY-MM-DD", param_hint="--date") from exc


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--school", "urn", help="URN of the user's school, or its DfE number (LA and establishment, LLLEEEE)")
@click.option("--authority", "la_code", help="Local authority code, for an LA officer")
@click.password_option()
@with_appcontext
def create_user_command(email, full_name, roles, urn, la_code, password):
    """Create an account, for example a school's first head teacher."""
    problem = password_problem(password, email=email)
    if problem:
        raise click.BadParameter(problem, param_hint="password")
    if db.session.scalar(sa.select(User.id).where(sa.func.lower(User.email) == email.lower())):
        raise click.BadParameter("an account with this email already exists", param_hint="--email")
    school = school_numbered(db.session, urn) if urn else None
    if urn and school is None:
        raise click.BadParameter(f"no school has URN or DfE number {urn}", param_hint="--school")
    authority = db.session.scalar(sa.select(LocalAuthority).where(LocalAuthority.code == la_code)) if la_code else None
    if la_code and authority is None:
        raise click.BadParameter(f"no local authority has code {la_code}", param_hint="--authority")
    if school is None and authority is None:
        raise click.UsageError("Give --school for school staff, or --authority for an LA officer.")
    user = User(
        email=email.lower(),
        full_name=full_name,
        password_hash=hash_password(password),
        school_id=school.id if school else None,
        local_authority_id=authority.id if authority else (school.local_authority_id if school else None),
        role_assignments=[RoleAssignment(role=Role(r)) for r in roles],
        must_change_password=True,  # chosen by whoever ran the command: its owner changes it first
    )
    db.session.add(user)
    db.session.commit()
    click.echo(
        f"Created an account for {email} with roles: {', '.join(roles)}. "
        "They must change the password when they first sign in."
    )


@click.command("reset-second-factor")
@click.argument("email")
@with_appcontext
def reset_second_factor_command(email):
    """Remove every second factor of the account with EMAIL (a lost phone, no recovery codes and
    nobody at the school to reset it), end its sessions, audit it and email its owner."""
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.BadParameter("no account has this email address", param_hint="EMAIL")
    with audit.acting_as("Operator (reset-second-factor)"):
        reset_second_factor(db.session, user, actor=None, moment=datetime.now(UTC))
    db.session.commit()
    click.echo(f"Reset the second factor of {user.email}. They have been signed out and emailed.")


@click.command("second-factor-requirement")
@click.argument("authority_code")
@click.argument("state", type=click.Choice(["on", "off"]))
@with_appcontext
def second_factor_requirement_command(authority_code, state):
    """Switch on or off the authority's requirement of a second factor for the SENCO, the head
    teacher, the administrator and its officers (the demo authority starts with it off). A school
    can still require one of all its staff on its settings page."""
    authority = db.session.scalar(sa.select(LocalAuthority).where(LocalAuthority.code == authority_code.strip()))
    if authority is None:
        raise click.BadParameter("no local authority has this code", param_hint="AUTHORITY_CODE")
    with audit.acting_as("Operator (second-factor-requirement)"):
        changed = save_authority_requirement(db.session, authority, required=state == "on")
    db.session.commit()
    said = "now required" if state == "on" else "no longer required"
    click.echo(f"{authority.name}: a second factor is {said}" + ("." if changed else " (it already was so)."))


@click.command("sweep")
@click.option("--date", "on", help="The date to sweep for, YYYY-MM-DD (default: the app's today)")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON")
@with_appcontext
def sweep_command(on, as_json):
    """Create the tasks and notifications due on a date and not yet created. Safe to run again:
    a second run for the same date creates nothing. In production only today may be swept, so that
    no one creates next week's reminders early; elsewhere any date may be (demos, catching up)."""
    day = _day(on)
    if current_app.config.get("NAME") == "production" and day != today():
        raise click.BadParameter("in production only today can be swept", param_hint="--date")
    summary = run_sweep(db.session, day)
    purge(db.session, datetime.now(UTC))  # one-time form tokens older than a day (real time)
    purge_drafts(db.session, now())  # drafts older than 30 days
    db.session.commit()
    if as_json:
        click.echo(json.dumps(summary.as_dict()))
    else:
        click.echo(
            f"{day}: {summary.tasks_created} tasks and {summary.notifications_created} notifications created, "
            f"{summary.tasks_moved} tasks moved to the current holder of their role."
        )


@click.command("compliance")
@click.option("--school", "urn", help="URN of the school (default: every school, keyed by URN)")
@click.option("--date", "on", help="The date the figures are as of, YYYY-MM-DD (default: the app's today)")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON (the only output for now)")
@with_appcontext
def compliance_command(urn, on, as_json):
    """Print the compliance dashboard's figures as JSON: counts and percentages, no names. Each
    school's EHC figures (requests, plans issued within 20 weeks, reviews) are under "ehc"."""
    day = _day(on)
    if urn is not None:
        school = db.session.scalar(sa.select(School).where(School.urn == urn))
        if school is None:
            raise click.BadParameter(f"no school has URN {urn}", param_hint="--school")
        ehc = ehc_figures(db.session, day, [school.id])
        output = to_json(compliance_figures(db.session, school, day)) | {"ehc": ehc.to_json(school.id)}
    else:
        schools = db.session.scalars(sa.select(School).order_by(School.urn)).all()
        ehc = ehc_figures(db.session, day, [s.id for s in schools])
        output = {s.urn: to_json(compliance_figures(db.session, s, day)) | {"ehc": ehc.to_json(s.id)} for s in schools}
    click.echo(json.dumps(output, indent=2 if not as_json else None, sort_keys=True))


@click.command("move-school")
@click.argument("urn")
@click.argument("la_code")
@click.option("--estab", "estab_number", help="The school's 4-digit DfE establishment number in the new authority")
@with_appcontext
def move_school_command(urn, la_code, estab_number):
    """Move the school with URN to the local authority with LA_CODE: its open tasks of the
    authority's duties pass to the new authority's officer. With --estab, the school takes that
    establishment number there; else it keeps its own (refused if another school there has it).
    Audited."""
    school = db.session.scalar(sa.select(School).where(School.urn == urn))
    if school is None:
        raise click.BadParameter(f"no school has URN {urn}", param_hint="URN")
    authority = db.session.scalar(sa.select(LocalAuthority).where(LocalAuthority.code == la_code))
    if authority is None:
        raise click.BadParameter(f"no local authority has code {la_code}", param_hint="LA_CODE")
    try:
        moved = move_school(db.session, school=school, authority=authority, estab_number=estab_number)
    except RuleBroken as error:
        raise click.UsageError(error.message) from error
    db.session.commit()
    officer = "its officer" if moved.officer_id is not None else "no one (the authority has no officer yet)"
    number = f" as {school.dfe_number}" if school.estab_number else " (no establishment number)"
    click.echo(
        f"Moved {school.name} to {authority.name}{number}: {moved.tasks_moved} open "
        f"{'task' if moved.tasks_moved == 1 else 'tasks'} of the authority's duties passed to {officer}."
    )


SCHEDULED_IMPORT = "The scheduled import"


def _ctf_school(data: bytes, file_name: str) -> School:
    """The school a CTF is for, by its DestSchool; a file refused, or for no school here, stops
    the command with the reason."""
    from sentrack.workflows.ctf_import import read_file, school_named

    try:
        ctf = read_file(data, file_name=file_name)
    except RuleBroken as error:
        raise click.ClickException(error.message) from error
    school = school_named(db.session, ctf.header.destination)
    if school is None:
        raise click.ClickException(
            f"{file_name} is not for a school in SEN Track: its destination school is not known here"
        )
    return school


@click.command("import-ctf")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--confirm", "apply", is_flag=True, help="Apply the import (by default only its preview is counted)")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON")
@with_appcontext
def import_ctf_command(path, apply, as_json):
    """Import the Common Transfer File at PATH for the school its DestSchool names: print the
    preview's counts (new, changed, unchanged, errors) and change nothing; with --confirm, apply
    it and print the same counts. Audited as the scheduled import."""
    from pathlib import Path

    from sentrack.models import ImportKind
    from sentrack.workflows import imports

    source = Path(path)
    data, file_name = source.read_bytes(), source.name
    school = _ctf_school(data, file_name)
    with audit.acting_as(SCHEDULED_IMPORT):
        try:
            batch = imports.preview(
                db.session,
                actor=None,
                school=school,
                kind=ImportKind.CTF,
                file_name=file_name,
                data=data,
                today=today(),
            )
            if apply:
                imports.confirm(db.session, actor=None, batch=batch, today=today())
        except RuleBroken as error:
            db.session.rollback()
            raise click.ClickException(error.message) from error
    counts = dict(batch.counts)
    if apply:
        db.session.commit()
    else:
        db.session.rollback()  # a preview only: nothing is kept
    counts.update(school_urn=school.urn, applied=bool(apply))
    if as_json:
        click.echo(json.dumps(counts, sort_keys=True))
        return
    click.echo(
        f"{file_name} for {school.name}: {counts['new']} new, {counts['changed']} changed, "
        f"{counts['unchanged']} unchanged, {counts['errors']} in error."
        + (" Applied." if apply else " Nothing was changed: add --confirm to apply it.")
    )


@click.command("backup-check")
@click.option("--file", "path", type=click.Path(dir_okay=False), help="Keep the dump here (by default it is removed)")
@with_appcontext
def backup_check_command(path):
    """Check that the database's backup restores: dump it with pg_dump, restore the dump into a
    scratch database with pg_restore, and compare every table's row count and the migration it
    stands at. Exits 1, naming each difference, when they differ."""
    import tempfile
    from pathlib import Path

    from sentrack.backups import BackupCheckFailed, check

    with tempfile.TemporaryDirectory() as folder:
        target = Path(path) if path else Path(folder) / "sentrack.dump"
        try:
            live, found = check(db.engine, target)
        except BackupCheckFailed as error:
            raise click.ClickException(str(error)) from error
    tables, rows = len(live.counts), sum(live.counts.values())
    if found:
        raise click.ClickException("The restored database differs:\n- " + "\n- ".join(found))
    kept = f" The dump is at {path}." if path else ""
    click.echo(f"Restored and compared: {tables} tables, {rows} rows, migration {live.version}, all the same.{kept}")


@click.command("pages-changed")
@with_appcontext
def pages_changed_command():
    """Tell every web server that records changed around the app (SQL run by hand, a restore into
    the live database): each page it keeps is written again on its next view (sentrack.kept)."""
    from sentrack import changes

    changes.everything_changed(db.session)
    db.session.commit()
    click.echo("Every school's version moved: each kept page is written again when next viewed.")


def register(app: Flask) -> None:
    from sentrack.demo.cli import demo_command
    from sentrack.scheduler import scheduler_command

    app.cli.add_command(demo_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(reset_second_factor_command)
    app.cli.add_command(second_factor_requirement_command)
    app.cli.add_command(sweep_command)
    app.cli.add_command(compliance_command)
    app.cli.add_command(move_school_command)
    app.cli.add_command(import_ctf_command)
    app.cli.add_command(backup_check_command)
    app.cli.add_command(pages_changed_command)
