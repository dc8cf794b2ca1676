"""The person's own sessions: where their account is signed in, and ending any session but the
one they are using (signing out ends that)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm

from sentrack import operations
from sentrack.auth import accounts, bp, queries
from sentrack.extensions import db


def _timeouts() -> dict:
    config = current_app.config
    return {"idle_timeout": config["SESSION_IDLE_TIMEOUT"], "absolute_timeout": config["SESSION_ABSOLUTE_LIFETIME"]}


@bp.route("/account/sessions")
@login_required
def own_sessions():
    user = operations.signed_in_user()
    listed = queries.own_sessions(db.session, user, **_timeouts())
    return render_template("auth/sessions.html", sessions=listed, form=FlaskForm())


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id: int):
    user = operations.signed_in_user()
    # Another person's session, or one already ended, is not found.
    found = operations.found_or_404(queries.own_open_session(db.session, user, session_id, **_timeouts()))
    operations.button_posted(FlaskForm)
    operations.step(accounts.end_own_session, back=url_for("auth.own_sessions"), user=user, session_id=found)
    flash("The session has ended. That device is signed out.", "success")
    return redirect(url_for("auth.own_sessions"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    operations.button_posted(FlaskForm)
    ended = operations.step(
        accounts.end_other_sessions, back=url_for("auth.own_sessions"), user=operations.signed_in_user()
    )
    flash(
        "Every other session has ended." if ended else "There were no other sessions to end.",
        "success",
    )
    return redirect(url_for("auth.own_sessions"))
