"""Command-line commands: `flask demo` (the demo authority) and `flask create-user` (the first
account of a real school)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from sentrack.auth.passwords import hash_password, password_problem
from sentrack.extensions import db
from sentrack.models import LocalAuthority, Role, RoleAssignment, School, User


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--school", "urn", help="URN of the user's school")
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
    school = db.session.scalar(sa.select(School).where(School.urn == urn)) if urn else None
    if urn and school is None:
        raise click.BadParameter(f"no school has URN {urn}", param_hint="--school")
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
    )
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created an account for {email} with roles: {', '.join(roles)}.")


def register(app: Flask) -> None:
    from sentrack.demo.cli import demo_command

    app.cli.add_command(demo_command)
    app.cli.add_command(create_user_command)
