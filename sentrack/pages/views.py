"""Static information pages. They hold no pupil data and need no sign-in."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from sentrack import access
from sentrack.pages import bp
from sentrack.workflows.retention import retention_periods


@bp.get("/accessibility")
def accessibility():
    return render_template("pages/accessibility.html")


@bp.get("/privacy")
def privacy():
    """The privacy notice, for the school to adapt: how long each kind of record is kept comes from
    the signed-in person's school's settings (the defaults for anyone else), read from the one
    definition of retention."""
    school = current_user.school if current_user.is_authenticated else None
    return render_template(
        "pages/privacy.html",
        periods=retention_periods(school),
        school=school,
        may_adapt=current_user.is_authenticated and access.can(current_user, access.Ability.MANAGE_SETTINGS),
    )


@bp.get("/cookies")
def cookies():
    return render_template("pages/cookies.html")
