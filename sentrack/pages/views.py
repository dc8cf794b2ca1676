"""Static information pages. They hold no pupil data and need no sign-in."""

from __future__ import annotations

from flask import render_template

from sentrack.pages import bp


@bp.get("/accessibility")
def accessibility():
    return render_template("pages/accessibility.html")


@bp.get("/privacy")
def privacy():
    return render_template("pages/privacy.html")


@bp.get("/cookies")
def cookies():
    return render_template("pages/cookies.html")
